"""The commands that set RefundProof up on a seller's computer: `doctor`, `setup`, `service`.
Registered on the CLI's parser by `add_commands`; each prints in the chosen language."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import Problem
from ..service import Service
from ..settings import DEFAULT_PORT, data_home
from ..text import Lang, Text, lang_of
from . import autostart, doctor, first_run
from .instance import Instance


def say(lines: list[Text], lang: Lang) -> None:
    for line in lines:
        print(line.get(lang))


def cmd_doctor(args: argparse.Namespace) -> int:
    findings = doctor.run(data_home(), args.port, args.os)
    say(doctor.lines(findings), args.lang)
    return 0 if all(f.ok or not f.required for f in findings) else 1


def cmd_setup(args: argparse.Namespace) -> int:
    lang: Lang = args.lang
    interactive = not args.yes and sys.stdin.isatty()
    return setup(Service(data_home()), lang, args, input if interactive else None)


def setup(service: Service, lang: Lang, args: argparse.Namespace | None, ask: Any) -> int:
    """Identity asked or taken from the flags, saved, then the system checks. Exit 1 when a
    required check fails (the identity is saved all the same)."""
    given = {
        "shop": getattr(args, "shop", None),
        "operator": getattr(args, "operator", None),
        "contact": getattr(args, "contact", None),
    }
    if args is not None and getattr(args, "lang_given", False):
        given["language"] = lang
    if ask is not None:
        print(Text("RefundProof 退款鉴证：首次设置", "RefundProof: first-time setup").get(lang))
        print(
            Text(
                "报告会写明店铺、操作人和供警方联系的方式。直接回车保留方括号里的值。",
                "Reports name the shop, the operator and a contact for the police. Press "
                "Enter to keep the value in brackets.",
            ).get(lang)
        )
    try:
        identity = service.set_identity(first_run.answers(service, given, lang, ask))
    except (EOFError, KeyboardInterrupt):
        print()
        raise Problem("setup", Text("设置已取消。", "Setup cancelled.")) from None
    print(Text("已保存：", "Saved:").get(lang))
    say(first_run.summary(identity), lang)
    print()
    print(Text("系统检查：", "System checks:").get(lang))
    port = getattr(args, "port", None) or DEFAULT_PORT
    findings = doctor.run(service.home, port)
    say(doctor.lines(findings), lang)
    return 0 if all(f.ok or not f.required for f in findings) else 1


def cmd_service(args: argparse.Namespace) -> int:
    lang: Lang = args.lang
    system = args.os or doctor.this_os()
    home = data_home()
    command = [sys.executable, "-m", "server.cli"]
    plan = autostart.plan(system, command, home, args.port, autostart.Places.here())
    if args.action == "status":
        return _status(plan, home, lang)
    if args.dry_run:
        head = Text(
            f"（演练，不写任何文件）系统：{system}", f"(dry run, nothing written) system: {system}"
        )
        say([head, *autostart.lines(plan, args.action)], lang)
        if plan.note and args.action == "install":
            say([plan.note], lang)
        return 0
    if system != doctor.this_os():
        raise Problem(
            "usage",
            Text(
                f"只能为本机的系统安装；--os {system} 只能和 --dry-run 一起用。",
                f"Only this computer's system can be installed; --os {system} needs --dry-run.",
            ),
        )
    problems = autostart.apply(plan, args.action)
    for path, _ in plan.files:
        verb = Text("已写入", "Written") if args.action == "install" else Text("已删除", "Removed")
        print((verb + Text.same(f": {path}")).get(lang))
    for p in problems:
        print(p.get(lang), file=sys.stderr)
    if plan.note and args.action == "install":
        say([plan.note], lang)
    if args.action == "install" and not Service(home).identity()["shop"]:
        # it will serve, but make no report until the shop is named
        print(
            Text(
                "下一步：运行 refundproof setup 填写店铺名。",
                "Next: run refundproof setup to name the shop.",
            ).get(lang)
        )
    return 1 if problems else 0


def _status(plan: autostart.Plan, home: Any, lang: Lang) -> int:
    entry = (
        Text("已安装开机自启", "Autostart installed")
        if autostart.installed(plan)
        else Text(
            "未安装开机自启（refundproof service install）",
            "Autostart not installed (refundproof service install)",
        )
    )
    running = Instance(home).running()
    state = (
        Text(
            f"正在运行：http://127.0.0.1:{running.port}（进程 {running.pid}）",
            f"Running: http://127.0.0.1:{running.port} (process {running.pid})",
        )
        if running
        else Text("没有运行（启动：refundproof serve）", "Not running (start: refundproof serve)")
    )
    say([entry, state, Text.same(f"data: {home}")], lang)
    return 0 if running else 3  # 3: not running, as systemctl/LSB status say it


class _LangGiven(argparse.Action):
    """--lang, remembering that it was given (setup saves it only then)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, lang_of(values))
        namespace.lang_given = True


def add_commands(sub: Any) -> None:
    d = sub.add_parser("doctor", help="检查本机环境 / check this computer")
    d.add_argument("--port", type=int, default=DEFAULT_PORT)
    d.add_argument("--os", choices=doctor.OSES, help="按此系统给出安装建议 / advice for this OS")
    d.add_argument("--lang", choices=["zh", "en"], default="zh")
    d.set_defaults(func=cmd_doctor)

    s = sub.add_parser("setup", help="首次设置 / first-time setup")
    s.add_argument("--shop", help="店铺名 / shop name")
    s.add_argument("--operator", help="操作人 / operator")
    s.add_argument("--contact", help="供警方联系的方式 / a contact for the police")
    s.add_argument("--lang", choices=["zh", "en"], default="zh", action=_LangGiven)
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help="检查此端口 / port to check")
    s.add_argument("--yes", action="store_true", help="不提问，只用参数 / ask nothing")
    s.set_defaults(func=cmd_setup, lang_given=False)

    v = sub.add_parser("service", help="开机自动运行 / start with the computer")
    v.add_argument("action", choices=["install", "uninstall", "status"])
    v.add_argument("--port", type=int, default=DEFAULT_PORT)
    v.add_argument("--dry-run", action="store_true", help="只显示将写入的内容 / only show")
    v.add_argument("--os", choices=doctor.OSES, help="演练另一系统 / dry-run another OS")
    v.add_argument("--lang", choices=["zh", "en"], default="zh")
    v.set_defaults(func=cmd_service)

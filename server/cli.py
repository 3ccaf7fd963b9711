"""The `refundproof` command: a thin shell over service.py."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import __version__, trust
from .cases import Source
from .service import IntakeError, NotFound, Service
from .settings import DEFAULT_PORT, Config, data_home
from .store import EvidenceTampered

MARK = {
    "decisive": "■■■",
    "strong": "■■□",
    "supporting": "■□□",
    "counter": "◆",
    "none": "·",
    "error": "!",
}
STRENGTH_NAME = {
    "decisive": ("确定", "decisive"),
    "strong": ("有力", "strong"),
    "supporting": ("辅助", "supporting"),
    "counter": ("有利买家", "for the buyer"),
    "none": ("信息", "info"),
    "error": ("出错", "error"),
}


class CliError(Exception):
    pass


def _say(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def format_result(result: dict[str, Any], lang: str) -> str:
    """One block per photo, strongest finding first, limits last."""
    out = []
    case = result["case"]
    out.append(
        _say(
            lang,
            f"案件 {case['id']}：{case['verdict']['summary']}",
            f"Case {case['id']}: {case['verdict']['summary']}",
        )
    )
    for p in result["photos"]:
        out.append("")
        out.append(f"{p['file']}  [{p['role_name']}]  {p['format']} {p['width']}×{p['height']}")
        out.append(f"  SHA-256 {p['sha256']}")
        out.append(
            _say(
                lang, f"  结论：{p['verdict']['summary']}", f"  Verdict: {p['verdict']['summary']}"
            )
        )
        for f in p["findings"]:
            name = STRENGTH_NAME[f["strength"]][1 if lang == "en" else 0]
            out.append(f"  {MARK[f['strength']]} [{name}] {f['summary']}")
    if result["photos"]:
        out += ["", _say(lang, "各项检查的局限：", "What each check cannot tell:")]
        for c in result["photos"][0]["checks"]:
            out.append(f"  {c['check']}: {c['limits']['en' if lang == 'en' else 'zh-CN']}")
    if not result["trust_lists"]:
        out.append("")
        out.append(
            _say(
                lang,
                "提示：尚未导入 C2PA 信任列表，签名者一律显示为不受信任。运行 "
                "`refundproof trust update` 或 `refundproof trust import 文件`。",
                "Note: no C2PA trust list imported, every signer reads as untrusted. Run "
                "`refundproof trust update` or `refundproof trust import FILE`.",
            )
        )
    return "\n".join(out)


def _facts(args: argparse.Namespace) -> dict[str, Any]:
    pairs = {
        "platform": args.platform,
        "order_id": args.order,
        "refund_id": args.refund,
        "buyer": args.buyer,
        "amount": args.amount,
        "reason": args.reason,
        "ordered_at": args.ordered,
        "shipped_at": args.shipped,
        "delivered_at": args.delivered,
        "refund_requested_at": args.refund_requested,
    }
    return {k: v for k, v in pairs.items() if v is not None}


def cmd_verify(args: argparse.Namespace) -> int:
    if not args.files and not args.case:
        raise CliError(
            "请给出要核验的图片文件，或用 --case 指定已有案件。 / "
            "Give the photo files to verify, or an existing case with --case."
        )
    service = Service(data_home())
    facts = _facts(args)
    if args.case:
        case = service.store.get_case(args.case)
        if facts:
            service.update_facts(case["id"], facts)
    else:
        case = service.create_case(facts)
    for role, files in (("evidence", args.files), ("listing", args.listing or [])):
        for name in files:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as e:
                raise CliError(
                    f"无法读取文件 {name}：{e.strerror}。 / Cannot read {name}: {e.strerror}."
                ) from e
            try:
                service.add_photo(
                    case["id"], data, role, Source(method="cli_file", file_name=path.name)
                )
            except IntakeError as e:
                raise CliError(f"{name}: {e.zh} / {e.en}") from e
    result = service.verify(case["id"], args.lang)
    print(
        json.dumps(result, ensure_ascii=False, indent=2)
        if args.json
        else format_result(result, args.lang)
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    home = data_home()
    token = Config.load(home).token
    print(f"RefundProof {__version__}  http://127.0.0.1:{args.port}  data: {home}")
    print(f"配对令牌 / pairing token: {token}")
    uvicorn.run(create_app(home), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    home = data_home()
    cfg = Config.load(home)
    if args.new:
        import secrets

        cfg.token = secrets.token_urlsafe(24)
        cfg.save(home)
    print(cfg.token)
    return 0


def cmd_trust(args: argparse.Namespace) -> int:
    home = data_home()
    if args.action == "import":
        if not args.file:
            raise CliError("请给出信任列表文件。 / Give the trust list file.")
        entries = [trust.import_file(home, Path(args.file), "tsa" if args.tsa else None)]
    elif args.action == "update":
        entries = trust.update(home)
    else:
        entries = trust.listed(home)
        if not entries:
            print("尚未导入信任列表。 / No trust list imported.")
    for e in entries:
        print(
            f"{e['name']}  [{e['kind']}]  {e['certificates']} certs  {e['imported_at']}  "
            f"sha256 {e['sha256']}  ({e['source']})"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import build_demo

    service = Service(data_home())
    result = build_demo(service, args.lang)
    print(format_result(result, args.lang))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="refundproof", description="RefundProof 退款鉴证")
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("verify", help="核验图片 / verify photos")
    v.add_argument("files", nargs="*", help="买家凭证图片 / the buyer's evidence photos")
    v.add_argument("--listing", action="append", help="自己的商品图 / your own listing photo")
    v.add_argument("--case", help="加入已有案件 / add to an existing case id")
    v.add_argument("--json", action="store_true")
    v.add_argument("--lang", choices=["zh", "en"], default="zh")
    for flag in ("platform", "order", "refund", "buyer", "amount", "reason"):
        v.add_argument(f"--{flag}")
    for flag in ("ordered", "shipped", "delivered", "refund-requested"):
        v.add_argument(f"--{flag}", help="ISO 时间，如 2026-03-01T10:00 (UTC+8 if no offset)")
    v.set_defaults(func=cmd_verify)

    s = sub.add_parser("serve", help="启动本地服务 / start the local server")
    s.add_argument("--port", type=int, default=DEFAULT_PORT)
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("token", help="显示配对令牌 / show the pairing token")
    t.add_argument("--new", action="store_true", help="换一个新令牌 / make a new token")
    t.set_defaults(func=cmd_token)

    tr = sub.add_parser("trust", help="C2PA 信任列表 / C2PA trust lists")
    tr.add_argument("action", choices=["import", "update", "list"])
    tr.add_argument("file", nargs="?")
    tr.add_argument("--tsa", action="store_true", help="时间戳机构列表 / a TSA list")
    tr.set_defaults(func=cmd_trust)

    d = sub.add_parser("demo", help="生成演示案件 / build a demo case")
    d.add_argument("--lang", choices=["zh", "en"], default="zh")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, trust.TrustError) as e:
        print(f"错误 / error: {e}", file=sys.stderr)
        return 1
    except NotFound as e:
        print(f"错误 / error: 找不到案件 {e} / no case {e}", file=sys.stderr)
        return 1
    except EvidenceTampered as e:
        print(
            f"错误 / error: 证据文件 {e} 在磁盘上被改动过 / evidence file {e} changed on disk",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

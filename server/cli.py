"""The `refundproof` command: a thin shell over service.py."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import reports
from reports import VARIANTS

from . import __version__, cli_catalog, intake, trust
from .domain import dates
from .domain.cases import STRENGTH_NAMES, Source
from .domain.contract import ResultJSON
from .domain.trust_lists import KINDS
from .domain.verdict import supports_complaint
from .errors import Problem
from .files import portable_name
from .service import Service
from .settings import DEFAULT_PORT, TsaMemory, data_home, saved_language
from .system.commands import add_commands
from .text import JSON_KEYS, Lang, Text, lang_of, neutral
from .workers import Budget, Workers

MARK = {
    "decisive": "■■■",
    "strong": "■■□",
    "supporting": "■□□",
    "counter": "◆",
    "none": "·",
    "error": "!",
}


if TYPE_CHECKING:  # pyHanko takes 0.7 s to import: only commands that sign or check load it
    from reports.sign import ReportCheck

REPORT_NAMES = {"appeal": Text("申诉报告", "appeal"), "police": Text("报警材料", "police")}


def format_result(result: ResultJSON, lang: Lang) -> str:
    """One block per photo, strongest finding first, limits last."""
    out = []
    case = result["case"]
    out.append(
        Text(
            f"案件 {case['id']}：{case['verdict']['summary']}",
            f"Case {case['id']}: {case['verdict']['summary']}",
        ).get(lang)
    )
    for p in result["photos"]:
        out.append("")
        out.append(f"{p['file']}  [{p['role_name']}]  {p['format']} {p['width']}×{p['height']}")
        out.append(f"  SHA-256 {p['sha256']}")
        out.append(
            Text(f"  结论：{p['verdict']['summary']}", f"  Verdict: {p['verdict']['summary']}").get(
                lang
            )
        )
        for f in p["findings"]:
            name = STRENGTH_NAMES[f["strength"]].get(lang)
            out.append(f"  {MARK[f['strength']]} [{name}] {f['summary']}")
    if result["photos"]:
        out += ["", Text("各项检查的局限：", "What each check cannot tell:").get(lang)]
        for c in result["photos"][0]["checks"]:
            out.append(f"  {c['check']}: {c['limits'][JSON_KEYS[lang]]}")
    if not result["trust_lists"]:
        out.append("")
        out.append(
            Text(
                "提示：尚未导入 C2PA 信任列表，签名者一律显示为不受信任。运行 "
                "`refundproof trust update` 或 `refundproof trust import 文件`。",
                "Note: no C2PA trust list imported, every signer reads as untrusted. Run "
                "`refundproof trust update` or `refundproof trust import FILE`.",
            ).get(lang)
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


def _case_with_files(
    service: Service, args: argparse.Namespace, evidence: list[str]
) -> tuple[str, list[tuple[str, Problem]]]:
    """The case named by --case, or a new one; facts from the flags; every file that can be
    added is, and each one refused is returned with why (one bad file stops no other)."""
    if not evidence and not args.case:
        raise Problem(
            "usage",
            Text(
                "请给出要核验的图片文件，或用 --case 指定已有案件。",
                "Give the photo files to verify, or an existing case with --case.",
            ),
        )
    facts = _facts(args)
    if args.case:
        case = service.get_case(args.case)
        if facts:
            service.update_facts(case["id"], facts)
    else:
        # a refund named by its facts is found again; without facts each run is its own case
        case = service.create_case(facts)
    refused: list[tuple[str, Problem]] = []
    for role, files in (("evidence", evidence), ("listing", args.listing or [])):
        for name in files:
            try:
                _add_file(service, case["id"], role, Path(name))
            except Problem as e:
                refused.append((name, e))
    if refused and len(refused) == len(evidence) + len(args.listing or []) and not args.case:
        name, problem = refused[0]
        raise Problem(problem.code, Text.same(f"{neutral(name)}: ") + problem.text, problem.status)
    return case["id"], refused


def _add_file(service: Service, case_id: str, role: str, path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise Problem(
            "unreadable",
            Text(f"无法读取文件：{e.strerror}。", f"Cannot read the file: {e.strerror}."),
        ) from e
    name = intake.file_name(path.name)
    service.add_photo(case_id, data, role, Source(method="cli_file", file_name=name))


def _say_refused(refused: list[tuple[str, Problem]], lang: Lang) -> None:
    for name, problem in refused:
        print(f"✗ {neutral(name)}: {problem.text.get(lang)}", file=sys.stderr)


@contextmanager
def _budgeted() -> Iterator[Service]:
    """The service with its checks and reports in one worker process, under the server's
    budgets (each check's share of the photo's time, the memory cap): a crafted file costs
    the command line what it costs the server."""
    workers = Workers(Budget(workers=1))
    try:
        yield Service(data_home(), runner=workers)
    finally:
        workers.close()


def cmd_verify(args: argparse.Namespace) -> int:
    with _budgeted() as service:
        case_id, refused = _case_with_files(service, args, args.files)
        result = service.verify(case_id, args.lang)
    if args.json:
        out: dict[str, Any] = {**result}
        out["refused"] = [{"file": neutral(n), **p.to_json()} for n, p in refused]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_result(result, args.lang))
    _say_refused(refused, args.lang)
    return 1 if refused else 0


def cmd_report(args: argparse.Namespace) -> int:
    with _budgeted() as service:
        return _report(service, args)


def _report(service: Service, args: argparse.Namespace) -> int:
    service.require_shop()  # before any photo is added: nothing half-done to clean up
    case_id, refused = _case_with_files(service, args, args.photo or [])
    if refused:  # a report must hold every photo the seller named: none is made without one
        _say_refused(refused, args.lang)
        return 1
    variants = VARIANTS if args.variant == "both" else (args.variant,)
    withheld = "police" in variants and not args.force and _no_grounds(service, case_id, args)
    for variant in (v for v in variants if not (withheld and v == "police")):
        record = service.report(case_id, variant, args.lang)
        folder = service.report_file(record["id"], "report.pdf").parent
        if args.out:
            folder = _copy_out(folder, record, Path(args.out))
        name = REPORT_NAMES[variant].get(args.lang)
        print(f"{name}  {record['id']}  ({record['pages']} {Text('页', 'pages').get(args.lang)})")
        print(f"  PDF      {folder / 'report.pdf'}")
        print(f"  SHA-256  {record['sha256']}")
        print(f"  {Text('页面图片', 'pages').get(args.lang)}    {folder}/page-*.png")
        _say_appeal_images(record, folder, args.lang)
    return 1 if withheld else 0


def _no_grounds(service: Service, case_id: str, args: argparse.Namespace) -> bool:
    """True, after a warning, when the case has no strong or decisive evidence: a police
    record is then no basis for a complaint and is made only with --force."""
    verdict = service.current_findings(case_id, args.lang)["case"]["verdict"]
    if supports_complaint(verdict["level"]):
        return False
    warning = Text(
        f"警告：本案没有发现有力或确定性的证据（{verdict['summary']}），报警材料不能作为报案的依据，"
        "所以没有生成。确实需要时加 --force 生成，材料开头会写明没有发现这样的证据。",
        f"Warning: no strong or decisive evidence was found ({verdict['summary']}), so a police "
        "record would be no basis for a complaint and was not made. Add --force to make it "
        "anyway; it will say up front that no such evidence was found.",
    )
    print(warning.get(args.lang), file=sys.stderr)
    return True


def _say_appeal_images(record: dict[str, Any], folder: Path, lang: Lang) -> None:
    """Which images go into which platform's evidence upload, the case's own platform first
    (all of them when it names none)."""
    images = record.get("appeal_images") or []
    own = [i for i in images if i["own_platform"]] or images
    if not own:
        return
    print(f"  {Text('申诉图片（按上传顺序）', 'appeal images (in upload order)').get(lang)}")
    for i in own:
        form = f"{i['platform_name'][JSON_KEYS[lang]]} {i['form_name'][JSON_KEYS[lang]]}"
        limit = f"≤ {i['max_bytes']:,} B"
        print(f"    {form} {i['n']}/{i['max_images']} ({limit})  {folder / i['name']}")


def _copy_out(folder: Path, record: dict[str, Any], out: Path) -> Path:
    target = out / portable_name(record["id"])
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in record["files"]:
            shutil.copyfile(folder / name, target / portable_name(name))
    except OSError as e:
        raise Problem(
            "unwritable",
            Text(f"无法写入 {out}：{e.strerror}。", f"Cannot write to {out}: {e.strerror}."),
        ) from e
    return target


def cmd_verify_report(args: argparse.Namespace) -> int:
    """Exit 0: intact; 1: altered, damaged, not a report, or unreadable; 2: bad arguments.
    The file may come from anyone: every failure is a sentence, never a traceback."""
    from .web.bodies import REPORT_BYTES

    try:
        with open(args.file, "rb") as f:
            pdf = f.read(REPORT_BYTES + 1)  # never more than the cap into memory
        extra = [c for name in args.trust or [] for c in _certs(Path(name))]
    except OSError as e:
        raise _unreadable(e) from e
    if len(pdf) > REPORT_BYTES:
        mb = REPORT_BYTES // (1024 * 1024)
        raise Problem(
            "too_large",
            Text(
                f"文件超过 {mb} MB，不是 RefundProof 的报告。",
                f"The file is over {mb} MB: not a RefundProof report.",
            ),
        )
    # straight to reports.check, not through Service: checking a report someone sent must not
    # create a data folder on their computer
    check = reports.check(pdf, data_home(), extra)
    if args.json:
        print(json.dumps(check.to_json(args.lang), ensure_ascii=False, indent=2))
        return 0 if check.ok else 1
    for line in _report_check_lines(check):
        print(line.get(args.lang))
    return 0 if check.ok else 1


def _unreadable(e: OSError) -> Problem:
    """Why a file cannot be read, in the reader's words rather than the system's English."""
    why = (
        Text("文件不存在", "no such file")
        if isinstance(e, FileNotFoundError)
        else Text("这是一个文件夹", "it is a folder")
        if isinstance(e, IsADirectoryError)
        else Text("没有读取权限", "permission denied")
        if isinstance(e, PermissionError)
        else Text(f"系统错误 {e.strerror}", str(e.strerror))
    )
    name = neutral(str(e.filename))
    return Problem(
        "unreadable", Text(f"无法读取 {name}：{why.zh}。", f"Cannot read {name}: {why.en}.")
    )


def _report_check_lines(check: ReportCheck) -> list[Text]:
    lines = [
        Text("结论：报告完好，未被改动。", "Verdict: the report is intact and unchanged.")
        if check.ok
        else Text(
            "结论：核对失败，报告被改动或已损坏。",
            "Verdict: FAILED, the report was altered or damaged.",
        )
    ]
    if check.report_id:
        lines.append(Text(f"报告编号：{check.report_id}", f"Report: {check.report_id}"))
    if check.signer:
        trusted = Text("是", "yes") if check.trusted else Text("否", "no")
        lines += [
            Text(f"签名者：{check.signer}", f"Signer: {check.signer}"),
            Text(
                f"证书指纹：{check.signer_fingerprint}", f"Fingerprint: {check.signer_fingerprint}"
            ),
            Text(f"签名时间：{check.signed_at}", f"Signed at: {check.signed_at}"),
            Text(f"本机信任该证书：{trusted.zh}", f"Certificate trusted here: {trusted.en}"),
        ]
    if check.timestamp:
        lines.append(
            Text(f"可信时间戳：{check.timestamp}", f"Trusted timestamp: {check.timestamp}")
        )
    lines += [
        Text.same(f"  {'✓' if a['ok'] else '✗'} {a['name']}  {a['actual'] or '-'}")
        for a in check.attachments
    ]
    lines += [Text.same("  ✗ ") + p for p in check.problems]
    lines += [Text.same("  ! ") + n for n in check.notes]
    return lines


def _certs(path: Path) -> list[Any]:
    from cryptography import x509

    data = path.read_bytes()
    try:
        return (
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    except ValueError as e:
        raise Problem(
            "not_certificate",
            Text(
                f"{path} 不是证书文件（PEM 或 DER）。", f"{path} is not a certificate (PEM or DER)."
            ),
        ) from e


def cmd_keys(args: argparse.Namespace) -> int:
    keys = reports.keys
    home = data_home()
    if args.action == "import":
        if not args.file:
            raise Problem("usage", Text("请给出 PKCS#12 文件。", "Give the PKCS#12 file."))
        try:
            data = Path(args.file).read_bytes()
        except OSError as e:
            raise Problem(
                "unreadable",
                Text(
                    f"无法读取 {args.file}：{e.strerror}。",
                    f"Cannot read {args.file}: {e.strerror}.",
                ),
            ) from e
        key = keys.import_pkcs12(home, data, _pkcs12_password(args.password_file))
    else:
        key = keys.load_or_create(home)
    print(f"{key.subject}")
    print(f"SHA-256 {key.fingerprint}")
    print(f"{keys.keys_dir(home) / 'current' / keys.CHAIN_FILE}")
    return 0


def _pkcs12_password(password_file: str | None) -> str | None:
    """From a file (its first line) or typed at a prompt: never on the command line, where
    the shell history and the process list would keep it."""
    if password_file:
        try:
            lines = Path(password_file).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise Problem(
                "unreadable",
                Text(
                    f"无法读取密码文件：{e.strerror}。",
                    f"Cannot read the password file: {e.strerror}.",
                ),
            ) from e
        return lines[0] if lines else ""
    if sys.stdin.isatty():
        return getpass.getpass("PKCS#12 密码 / password (无则直接回车 / Enter if none): ") or None
    return None


def cmd_settings(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {}
    if args.tsa_url:
        for url in args.tsa_url:
            if not url.startswith(("http://", "https://")):
                raise Problem(
                    "tsa_url",
                    Text(
                        f"时间戳服务地址必须以 http:// 或 https:// 开头：{neutral(url)}",
                        f"A time-stamp service address must start with http:// or https://: "
                        f"{neutral(url)}",
                    ),
                )
        changes["tsa_urls"] = list(args.tsa_url)
    if args.no_tsa:
        changes["tsa_urls"] = []
    if args.default_tsa:
        changes["tsa_urls"] = None
    named = {"shop": args.shop, "operator": args.operator, "contact": args.contact}
    who = {k: v for k, v in named.items() if v is not None}
    service = Service(data_home())
    if who:
        service.set_identity(who)
    cfg = service.change_settings(**changes)
    default = "（默认 / default）" if cfg.tsa_urls is None else ""
    print(f"tsa_urls{default}: {'' if cfg.time_stamp_services else NO_TSA}")
    for line in _tsa_lines(cfg.time_stamp_services, cfg.tsa_urls is None, data_home()):
        print(f"  {line}")
    print(f"shop: {cfg.shop or '（未设置 / not set）'}")
    print(f"operator: {cfg.operator or '（未设置 / not set）'}")
    print(f"contact: {cfg.contact or '（未设置 / not set）'}")
    print(f"remote_manifest_fetch: {cfg.remote_manifest_fetch}")
    return 0


NO_TSA = "（无，使用本机时钟 / none: local clock）"


def _tsa_lines(services: list[str], default: bool, home: Path) -> list[str]:
    """Each service with how it is reached, what it receives, and what the last reports
    learned of it: the seller should know what leaves the computer, and to whom."""
    if not services:
        return []
    memory = TsaMemory.load(home)
    lines = []
    for url in services:
        how = "HTTPS" if url.startswith("https://") else "HTTP（明文 / plain text）"
        state = (
            "  最近有应答 / answered lately"
            if url == memory.answered
            else "  最近无应答，暂不询问 / silent lately, not asked for now"
            if url in memory.silent
            else ""
        )
        lines.append(f"{url}  {how}{state}")
    abroad = Text("（默认的三个都在境外）", " (the three defaults are abroad)")
    note = Text(
        "生成报告时，只有签名的哈希值（不含图片和案件信息；连接本身也会让对方看到本机的网络地址）"
        f"发给上面的时间戳服务{abroad.zh if default else ''}；标 HTTP 的以明文传输。"
        "不想发送：settings --no-tsa。",
        "Making a report sends only a hash of its signature (no photo, no case data; the "
        "connection itself shows them this computer's network address) to the services "
        f"above{abroad.en if default else ''}; those marked HTTP get it in plain text. To send "
        "nothing: settings --no-tsa.",
    )
    return [*lines, note.zh, note.en]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .system.commands import setup
    from .system.instance import Instance, listen
    from .web.app import create_app

    home = data_home()
    instance = Instance(home)
    try:
        unguarded = instance.claim(args.port)  # a second server here stops, in words
    except Problem as e:
        print(f"错误 / error: {e.text.both()}", file=sys.stderr)
        _print_pairing_code(Service(home))  # what the seller most likely started it for
        return 1
    try:
        sock = listen(args.port)  # a port another program holds: in words, before anything
        if not Service(home).identity()["shop"] and sys.stdin.isatty():
            setup(Service(home), "zh", args, input)  # the first start, a person at the keyboard
        service = Service(home, runner=Workers())
        for problem in [unguarded] if unguarded else []:
            print(f"警告 / warning: {problem.both()}", file=sys.stderr)
        for problem in service.quick_check():
            print(f"警告 / warning: {problem.both()}", file=sys.stderr)
        print(f"RefundProof {__version__} 正在运行 / running: http://127.0.0.1:{args.port}")
        print(f"数据 / data: {home}")
        try:
            _print_pairing_code(service)
        except Problem as e:  # a read-only folder still serves its cases; pairing needs a write
            print(f"警告 / warning: {e.text.both()}", file=sys.stderr)
        todo = trust.missing(home)
        if todo:  # first start: fetch the lists not loaded yet, without holding the server up
            threading.Thread(target=_fetch_trust_lists, args=(home, todo), daemon=True).start()
        config = uvicorn.Config(create_app(service), log_level="warning")
        try:
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            service.runner.close()
    finally:
        instance.release()
    return 0


def _fetch_trust_lists(home: Path, names: list[str]) -> None:
    entries, failed = trust.update(home, names, timeout=10)
    for problem in failed:
        print(f"提示 / note: {problem.both()}", file=sys.stderr)
    if entries:
        got = ", ".join(f"{e['name']} ({_count(e)})" for e in entries)
        print(f"已下载 C2PA 信任列表 / fetched the C2PA trust lists: {got}", file=sys.stderr)


def _count(entry: dict[str, Any]) -> str:
    if "certificates" in entry:
        return f"{entry['certificates']} certs"
    return (
        f"{entry.get('entries', '?')} {'hashes' if entry['kind'] == 'legacy_allowed' else 'EKUs'}"
    )


def _print_pairing_code(service: Service) -> None:
    code = service.new_pairing_code()
    print(f"扩展配对码 / extension pairing code: {code}  （10 分钟内有效 / valid 10 minutes）")


def cmd_pair(args: argparse.Namespace) -> int:
    _print_pairing_code(Service(data_home()))
    print("在扩展的设置页输入这个配对码。 / Type this code in the extension's options page.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    service = Service(data_home())
    print(service.new_token() if args.new else service.config.token)
    return 0


def cmd_desk(args: argparse.Namespace) -> int:
    """A one-time sign-in link to the case desk, printed and opened in the browser."""
    import urllib.request
    import webbrowser

    link = f"http://127.0.0.1:{args.port}/desk/login?code={Service(data_home()).new_desk_link()}"
    link += Text("&lang=zh", "&lang=en").get(args.lang)
    print(
        Text(
            "案件台（链接 5 分钟内有效，只能用一次）：",
            "Case desk (the link works once, within 5 minutes):",
        ).get(args.lang)
    )
    print(link)
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{args.port}/api/health", timeout=2).close()
    except OSError:
        say = Text(
            "本机服务没有在这个端口运行：先运行 `refundproof serve`（或 make run），再打开链接。",
            "The server is not running on this port: run `refundproof serve` (or make run), "
            "then open the link.",
        )
        print(say.get(args.lang), file=sys.stderr)
    if not args.no_open and not webbrowser.open(link):
        print(Text("请把链接复制到浏览器中打开。", "Open the link in your browser.").get(args.lang))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    service = Service(data_home())
    if args.rebuild_index:
        n = service.rebuild_index()
        print(
            Text(f"索引已从 {n} 个案件文件重建。", f"Index rebuilt from {n} case files.").get(
                args.lang
            )
        )
    report = service.check()
    counts = report.counts
    print(
        Text(
            f"已检查：{counts.get('cases', 0)} 个案件，{counts.get('photos', 0)} 张图片，"
            f"{counts.get('reports', 0)} 份报告，审计日志 {counts.get('audit_lines', 0)} 行。",
            f"Checked: {counts.get('cases', 0)} cases, {counts.get('photos', 0)} photos, "
            f"{counts.get('reports', 0)} reports, {counts.get('audit_lines', 0)} audit lines.",
        ).get(args.lang)
    )
    for problem in report.problems:
        print(f"  ✗ {problem.get(args.lang)}")
    print(
        Text("结论：数据完好。", "Verdict: the data folder is intact.").get(args.lang)
        if report.ok
        else Text(
            f"结论：发现 {len(report.problems)} 个问题（见上）。",
            f"Verdict: {len(report.problems)} problem(s) found (above).",
        ).get(args.lang)
    )
    return 0 if report.ok else 1


def cmd_trust(args: argparse.Namespace) -> int:
    home = data_home()
    failed: list[Text] = []
    if args.action == "import":
        if not args.file:
            raise Problem("usage", Text("请给出信任列表文件。", "Give the trust list file."))
        kind = "tsa" if args.tsa else args.kind
        entries = [trust.import_file(home, Path(args.file), kind)]
    elif args.action == "update":
        entries, failed = trust.update(home)
        for problem in failed:
            print(f"✗ {problem.get(args.lang)}", file=sys.stderr)
    else:
        entries = trust.listed(home)
        if not entries:
            print("尚未导入信任列表。 / No trust list imported.")
    for e in entries:
        print(
            f"{e['name']}  [{e['kind']}]  {_count(e)}  {e['imported_at']}  "
            f"sha256 {e['sha256']}  ({e['source']})"
        )
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo.case import build_demo, demo_home

    home = demo_home(data_home())
    service = Service(home)
    print(f"演示数据 / demo data: {home}  （与您的案件分开 / kept apart from your cases）")
    result, made = build_demo(service, args.lang)
    print(format_result(result, args.lang))
    print()
    for record in made:
        folder = service.report_file(record["id"], "report.pdf").parent
        print(f"{record['variant']}: {folder / 'report.pdf'}  ({record['pages']} pages)")
    return 0


# argparse's own sentences (the English templates it fills, Python 3.11-3.13) in Chinese
_ARGPARSE_ZH = (
    (r"the following arguments are required: (.+)", "缺少必需的参数：{0}"),
    (
        r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)",
        "参数 {0} 的值 {1} 无效，可选：{2}",
    ),
    (r"argument (\S+): expected one argument", "参数 {0} 后面要跟一个值"),
    (r"argument (\S+): expected at least one argument", "参数 {0} 后面至少要跟一个值"),
    (r"argument (\S+): invalid \S+ value: (.+)", "参数 {0} 的值 {1} 无效"),
    (r"argument (\S+): ignored explicit argument (.+)", "参数 {0} 不接受值 {1}"),
    (r"argument (\S+): not allowed with argument (\S+)", "参数 {0} 不能与 {1} 一起使用"),
    (r"unrecognized arguments: (.+)", "无法识别的参数：{0}"),
    (r"ambiguous option: (\S+) could match (.+)", "选项 {0} 不明确，可能是：{1}"),
    (r"argument (\S+): (.+)", "参数 {0}：{1}"),  # our own words after argparse's name (dates)
)
_HELP_ZH = (
    ("usage: ", "用法："),
    ("\npositional arguments:\n", "\n位置参数：\n"),
    ("\noptions:\n", "\n选项：\n"),
    ("show this help message and exit", "显示本帮助并退出"),
    ("show program's version number and exit", "显示版本号并退出"),
)


def _argparse_zh(message: str) -> str:
    for pattern, zh in _ARGPARSE_ZH:
        m = re.fullmatch(pattern, message, re.S)
        if m:
            return zh.format(*m.groups())
    return f"参数有误：{message}"  # a sentence this table does not know yet, kept whole


class Parser(argparse.ArgumentParser):
    """argparse answering in the seller's language: Chinese, or English with `--lang en`
    (its own words are English only)."""

    def __init__(self, *args: Any, lang: Lang = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang
        self.nested: list[Any] = []  # its subcommand groups, each command a Parser too

    def add_subparsers(self, **kwargs: Any) -> Any:
        group = super().add_subparsers(**kwargs)
        self.nested.append(group)
        return group

    def set_lang(self, lang: Lang) -> None:
        """This parser and its subcommands, however deep (catalog add), answer in `lang`."""
        self.lang = lang
        for group in self.nested:
            for command in group.choices.values():
                command.set_lang(lang)

    def _say(self, text: str) -> str:
        zh = text
        for en, words in _HELP_ZH:
            zh = zh.replace(en, words)
        return Text(zh, text).get(self.lang)

    def format_usage(self) -> str:
        return self._say(super().format_usage())

    def format_help(self) -> str:
        return self._say(super().format_help())

    def date(self, value: str) -> str:
        """A date flag's value as it is stored, or a usage error saying how to write it."""
        try:
            return dates.parse(value).iso()
        except Problem as e:
            raise argparse.ArgumentTypeError(e.text.get(self.lang)) from e

    def error(self, message: str) -> NoReturn:
        said = Text(f"错误：{_argparse_zh(message)}", f"error: {message}").get(self.lang)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {said}\n")


def _lang_asked(argv: list[str]) -> Lang | None:
    """The --lang of a command line not parsed yet (its errors are said in it), if given."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return lang_of(arg.removeprefix("--lang="))
        if arg == "--lang" and i + 1 < len(argv):
            return lang_of(argv[i + 1])
    return None


DATE_HELP = (
    "北京时间，如 2026-11-18 15:00、2026/11/18 15:00、2026年11月18日 15:00，或只写日期 / "
    "China time, e.g. 2026-11-18 15:00, 2026/11/18 15:00, or a date alone"
)


def _fact_flags(p: Parser) -> None:
    for flag in ("platform", "order", "refund", "buyer", "amount", "reason"):
        p.add_argument(f"--{flag}")
    for flag in ("ordered", "shipped", "delivered", "refund-requested"):
        p.add_argument(f"--{flag}", help=DATE_HELP, type=p.date)


def parser(lang: Lang = "zh") -> argparse.ArgumentParser:
    p = Parser(prog="refundproof", description="RefundProof 退款鉴证", lang=lang)
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", required=True)  # each one a Parser too
    _verify_and_server_commands(sub)
    _report_and_setting_commands(sub)
    add_commands(sub)  # doctor, setup, service
    cli_catalog.register(sub)
    p.set_lang(lang)
    return p


def _verify_and_server_commands(sub: Any) -> None:

    v = sub.add_parser("verify", help="核验图片 / verify photos")
    v.add_argument("files", nargs="*", help="买家凭证图片 / the buyer's evidence photos")
    v.add_argument("--listing", action="append", help="自己的商品图 / your own listing photo")
    v.add_argument("--case", help="加入已有案件 / add to an existing case id")
    v.add_argument("--json", action="store_true")
    v.add_argument("--lang", choices=["zh", "en"], default="zh")
    _fact_flags(v)
    v.set_defaults(func=cmd_verify)

    s = sub.add_parser("serve", help="启动本地服务 / start the local server")
    s.add_argument("--port", type=int, default=DEFAULT_PORT)
    s.set_defaults(func=cmd_serve)

    pr = sub.add_parser("pair", help="扩展配对码 / a pairing code for the extension")
    pr.set_defaults(func=cmd_pair)

    dk = sub.add_parser("desk", help="打开案件台 / open the case desk")
    dk.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="本地服务的端口 / the server's port"
    )
    dk.add_argument("--lang", choices=["zh", "en"], default="zh")
    dk.add_argument("--no-open", action="store_true", help="只显示链接 / only print the link")
    dk.set_defaults(func=cmd_desk)

    t = sub.add_parser("token", help="显示配对令牌 / show the pairing token")
    t.add_argument("--new", action="store_true", help="换一个新令牌 / make a new token")
    t.set_defaults(func=cmd_token)

    tr = sub.add_parser("trust", help="C2PA 信任列表 / C2PA trust lists")
    tr.add_argument("action", choices=["import", "update", "list"])
    tr.add_argument("file", nargs="?")
    tr.add_argument("--tsa", action="store_true", help="时间戳机构列表 / a TSA list")
    tr.add_argument(
        "--kind",
        choices=list(KINDS),
        help="列表种类（默认按内容识别）/ the list's kind (default: read from its content)",
    )
    tr.add_argument("--lang", choices=["zh", "en"], default="zh")
    tr.set_defaults(func=cmd_trust)


def _report_and_setting_commands(sub: Any) -> None:
    r = sub.add_parser("report", help="生成签名报告 / make signed reports")
    r.add_argument("--case", help="已有案件编号 / an existing case id")
    r.add_argument("--photo", action="append", help="买家凭证图片 / a buyer evidence photo")
    r.add_argument("--listing", action="append", help="自己的商品图 / your own listing photo")
    r.add_argument("--variant", choices=["appeal", "police", "both"], default="both")
    r.add_argument("--lang", choices=["zh", "en"], default="zh")
    r.add_argument("--out", help="把报告复制到此文件夹 / copy the reports to this folder")
    r.add_argument(
        "--force",
        action="store_true",
        help="没有有力证据时也生成报警材料 / make the police record without strong evidence too",
    )
    _fact_flags(r)
    r.set_defaults(func=cmd_report)

    vr = sub.add_parser("verify-report", help="核对签名报告 / check a signed report")
    vr.add_argument("file")
    vr.add_argument("--trust", action="append", help="另外信任的证书 / also trust this cert")
    vr.add_argument("--json", action="store_true")
    vr.add_argument("--lang", choices=["zh", "en"], default="zh")
    vr.set_defaults(func=cmd_verify_report)

    # no abbreviations: `--password` must not be taken for `--password-file`
    k = sub.add_parser("keys", help="报告签名密钥 / the report signing key", allow_abbrev=False)
    k.add_argument("action", choices=["show", "import"])
    k.add_argument("file", nargs="?", help="PKCS#12 (.p12/.pfx)")
    k.add_argument(
        "--password-file",
        help="PKCS#12 密码文件（否则提示输入） / the password in a file (else asked)",
    )
    k.set_defaults(func=cmd_keys)

    st = sub.add_parser("settings", help="设置 / settings")
    st.add_argument(
        "--tsa-url",
        action="append",
        help="RFC 3161 时间戳服务地址，可多次给出，同时询问、靠前的优先 / time-stamp service URL "
        "(repeatable; asked together, the earliest listed preferred)",
    )
    st.add_argument("--no-tsa", action="store_true", help="只用本机时钟 / the local clock only")
    st.add_argument(
        "--default-tsa", action="store_true", help="默认的公共时间戳服务 / the default services"
    )
    st.add_argument("--operator", help="报告中的操作人 / operator named in reports")
    st.add_argument(
        "--shop", help="店铺名：报告和签名证书中的名称 / shop name in reports and the certificate"
    )
    st.add_argument("--contact", help="报警材料中的联系方式 / a contact for the police record")
    st.set_defaults(func=cmd_settings)

    c = sub.add_parser("check", help="检查数据文件夹 / verify the data folder")
    c.add_argument(
        "--rebuild-index", action="store_true", help="从案件文件重建索引 / rebuild the index"
    )
    c.add_argument("--lang", choices=["zh", "en"], default="zh")
    c.set_defaults(func=cmd_check)

    d = sub.add_parser("demo", help="生成演示案件 / build a demo case")
    d.add_argument("--lang", choices=["zh", "en"], default="zh")
    d.set_defaults(func=cmd_demo)


def _caches_inside(home: Path) -> None:
    """onnxruntime (1.32, loaded for the OCR) writes a device id and a telemetry database
    under the user's cache folder as it loads, and no switch turns that off; fontconfig keeps
    its cache there too. Both follow XDG_CACHE_HOME: point it into the data folder, before
    either loads, so nothing is written outside it."""
    os.environ["XDG_CACHE_HOME"] = str(home / "runtime-cache")


def _utf8_console() -> None:
    """Chinese and ✓ on any console: Windows pipes and redirections default to the ANSI code
    page, which cannot write them (a UnicodeEncodeError mid-report). pythonw has no streams."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    _utf8_console()
    asked = _lang_asked(sys.argv[1:] if argv is None else argv)
    # without --lang, the language the seller chose in setup
    lang = asked or lang_of(saved_language(data_home()) or "zh")
    args = parser(lang).parse_args(argv)
    if asked is None and hasattr(args, "lang"):
        args.lang = lang
    if args.command != "verify-report":  # checking a report must not make a data folder
        _caches_inside(data_home())
    try:
        code: int = args.func(args)
    except Problem as e:
        if getattr(args, "json", False):  # a script reading stdout gets the error as JSON too
            print(json.dumps(e.to_json(), ensure_ascii=False, indent=2))
        print(f"错误 / error: {e.text.both()}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())

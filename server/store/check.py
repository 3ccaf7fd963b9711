"""`refundproof check`: the whole data folder verified, every problem named.

Every case document readable and listed once in the index; every evidence file re-hashes to
its name and belongs to a case; every verification record and report file present; no file
left half-written by a refused or killed write; the audit chain intact and agreeing with its
anchors (the signed checkpoint and the head recorded in every report), so a cut tail or a
re-chained log is caught. A step that fails unexpectedly is itself a named problem: check
never stops half-way."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EvidenceTampered, Problem
from ..text import Text
from . import Store
from .catalog import Catalog, check_catalog
from .jsonfile import StoreCorrupt

NOT_OURS = ("runtime-cache",)  # onnxruntime's and fontconfig's own caches (cli._caches_inside)


@dataclass
class StoreReport:
    problems: list[Text] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Seen:
    """The folder as it was at one moment, taken under the lock: no write half done."""

    cases: dict[str, dict[str, Any]] = field(default_factory=dict)  # readable case documents
    case_files: list[str] = field(default_factory=list)
    indexed: list[str] | None = None  # None: the index could not be read
    evidence: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    report_folders: list[str] = field(default_factory=list)
    partial: list[Path] = field(default_factory=list)
    audit_end: int = 0  # the audit log's size: lines written after the look are not judged


def check_store(store: Store, anchors: list[tuple[str, int, str]]) -> StoreReport:
    """`anchors`: (where recorded, audit seq, line hash) the log must still contain."""
    out = StoreReport(counts={"cases": 0, "photos": 0, "reports": 0, "audit_lines": 0})
    seen = _Seen()
    with store.still():
        _step(out, Text("读取数据文件夹", "reading the data folder"), _look, store, seen, out)
    out.counts["cases"] = len(seen.case_files)
    for case_id, case in seen.cases.items():
        _step(out, Text(f"案件 {case_id}", f"case {case_id}"), _case, store, case, out)
    _step(out, Text("索引", "the index"), _index, seen, out)
    _step(out, Text("残留文件", "leftover files"), _orphans, store, seen, out)
    _step(out, Text("审计日志", "the audit log"), _audit, store, anchors, out)
    _step(out, Text("审计记录", "the audit trail"), _trail, store, seen, out)
    _step(out, Text("商品图库", "the catalogue"), _catalog, store, out)
    return out


def _catalog(store: Store, out: StoreReport) -> None:
    out.problems += check_catalog(Catalog(store.home))


def _step(out: StoreReport, what: Text, run: Callable[..., None], *args: Any) -> None:
    """One part of the check; whatever it raises becomes a named problem, and the rest goes on."""
    try:
        run(*args)
    except Problem as e:
        out.problems.append(e.text)
    except Exception as e:  # a bug or a file no writer makes: named, never a traceback
        out.problems.append(
            Text(
                f"检查{what.zh}时出错（{type(e).__name__}: {e}），这部分没有查完。",
                f"Checking {what.en} failed ({type(e).__name__}: {e}); that part is unchecked.",
            )
        )


def _look(store: Store, seen: _Seen, out: StoreReport) -> None:
    seen.audit_end = store.audit_log.size()
    seen.case_files = store.case_ids()
    for case_id in seen.case_files:
        try:
            seen.cases[case_id] = store.get_case(case_id)
        except Problem as e:  # damaged, or not a case id at all
            out.problems.append(e.text)
    try:
        seen.indexed = [str(r["id"]) for r in store.index.rows()]
    except StoreCorrupt as e:
        out.problems.append(e.text)
    seen.evidence = [p.name for p in _files(store.evidence.root)]
    seen.results = [p.stem for p in _files(store.home / "results")]
    folder = store.home / "reports"
    seen.report_folders = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    home = store.home
    seen.partial = sorted(
        p for p in home.rglob("*.tmp") if p.relative_to(home).parts[0] not in NOT_OURS
    )


def _files(root: Path) -> list[Path]:
    """The files of a content-addressed folder (ab/abcdef…), temporary ones left out."""
    return [p for p in root.glob("*/*") if not p.name.endswith(".tmp")] if root.is_dir() else []


def _case(store: Store, case: dict[str, Any], out: StoreReport) -> None:
    case_id = case["id"]
    for photo in case["photos"]:
        out.counts["photos"] += 1
        sha = photo["sha256"]
        try:
            store.evidence.get(sha)
        except FileNotFoundError:
            out.problems.append(
                Text(
                    f"案件 {case_id} 的证据文件 {sha} 不见了。",
                    f"Evidence {sha} of case {case_id} is missing.",
                )
            )
        except EvidenceTampered as e:
            out.problems.append(e.text)
    for done in case["verifications"]:
        try:
            store.latest_verification_file(done["results"])
        except StoreCorrupt as e:
            out.problems.append(e.text)
    for report_id in case["reports"]:
        out.counts["reports"] += 1
        try:
            record = store.get_report(report_id)
            pdf = (store.report_folder(report_id) / "report.pdf").read_bytes()
        except (OSError, Problem, LookupError):
            out.problems.append(
                Text(f"报告 {report_id} 的文件不全。", f"Report {report_id} has missing files.")
            )
            continue
        if hashlib.sha256(pdf).hexdigest() != record["sha256"]:
            out.problems.append(
                Text(
                    f"报告 {report_id} 的 PDF 与登记的 SHA-256 不符：文件被改动过。",
                    f"Report {report_id}'s PDF does not match its recorded SHA-256: it was changed.",
                )
            )


def _index(seen: _Seen, out: StoreReport) -> None:
    if seen.indexed is None:
        return  # its corruption is named already
    for case_id, n in sorted(Counter(seen.indexed).items()):
        if n > 1:
            out.problems.append(
                Text(
                    f"索引中案件 {case_id} 出现了 {n} 次（同一编号的行应只有一行）。",
                    f"Case {case_id} is listed {n} times in the index (an id has one row).",
                )
            )
    files, indexed = set(seen.case_files), set(seen.indexed)
    for missing in sorted(files - indexed):
        out.problems.append(
            Text(f"案件 {missing} 不在索引中。", f"Case {missing} is missing from the index.")
        )
    for extra in sorted(indexed - files):
        out.problems.append(
            Text(f"索引中的案件 {extra} 没有案件文件。", f"Indexed case {extra} has no case file.")
        )


def _orphans(store: Store, seen: _Seen, out: StoreReport) -> None:
    """Files no case refers to, and temporary files: what refused or killed writes leave."""
    cases = seen.cases.values()
    photos = {p["sha256"] for c in cases for p in c["photos"]}
    results = {v["results"] for c in cases for v in c["verifications"]}
    reports = {r for c in cases for r in c["reports"]}
    unread = len(seen.cases) < len(seen.case_files)  # a damaged case may hold the rest
    for sha in [] if unread else sorted(set(seen.evidence) - photos):
        out.problems.append(
            Text(
                f"证据文件 {sha} 不属于任何案件（中断或被拒绝的写入留下的）。",
                f"Evidence file {sha} belongs to no case (left by an interrupted or refused "
                "write).",
            )
        )
    for sha in [] if unread else sorted(set(seen.results) - results):
        out.problems.append(
            Text(
                f"核验记录 results/{sha[:2]}/{sha}.json 不属于任何案件。",
                f"Verification record results/{sha[:2]}/{sha}.json belongs to no case.",
            )
        )
    for name in [] if unread else sorted(set(seen.report_folders) - reports):
        out.problems.append(
            Text(
                f"报告文件夹 reports/{name} 不属于任何案件（生成报告时被中断？）。",
                f"Report folder reports/{name} belongs to no case (a report interrupted while "
                "being made?).",
            )
        )
    for path in seen.partial:
        where = path.relative_to(store.home).as_posix()
        out.problems.append(
            Text(
                f"残留的临时文件 {where}：一次写入被中断时留下的，可以删除。",
                f"Leftover temporary file {where}: left by an interrupted write; it can be "
                "deleted.",
            )
        )


def _audit(store: Store, anchors: list[tuple[str, int, str]], out: StoreReport) -> None:
    ok, where = store.audit_log.verify()
    if not ok:
        out.problems.append(
            Text(
                f"审计日志的哈希链在{where}处断开。",
                f"The audit log's hash chain breaks at {where}.",
            )
        )
    lines = out.counts["audit_lines"] = store.audit_log.count()
    for source, seq, digest in anchors:
        found = store.audit_log.hash_at(seq)
        if found is None:
            out.problems.append(
                Text(
                    f"审计日志被截短：{source}记录的第 {seq} 行已不存在（现在只有 {lines} 行）。",
                    f"The audit log was cut: line {seq}, recorded by {source}, is gone (it now "
                    f"has {lines} lines).",
                )
            )
        elif found != digest:
            out.problems.append(
                Text(
                    f"审计日志被改写：第 {seq} 行与{source}记录的哈希不同。",
                    f"The audit log was rewritten: line {seq} differs from the hash {source} recorded.",
                )
            )


def _trail(store: Store, seen: _Seen, out: StoreReport) -> None:
    """Every case, photo, verification and report has the audit line that recorded it, and
    every such line names something still stored: a case deleted with its index row, a photo
    taken out of its case, a report replaced with a PDF and record that agree are caught."""
    cases: set[str] = set()
    photos: set[tuple[str, str]] = set()
    verified: set[tuple[str, str]] = set()
    reports: dict[str, tuple[str, str]] = {}
    migrated = ""  # what a 0.1 folder held was converted then, without lines of its own
    for entry in store.audit_log.lines(end=seen.audit_end):
        d, event = entry["data"], entry.get("event")
        if event == "case.created":
            cases.add(str(d.get("case")))
        elif event == "photo.received":
            photos.add((str(d.get("case")), str(d.get("sha256"))))
        elif event == "case.verified":
            verified.add((str(d.get("case")), str(d.get("results"))))
        elif event == "report.created":
            reports[str(d.get("report"))] = (str(d.get("case")), str(d.get("sha256")))
        elif event == "store.migrated":
            migrated = max(migrated, str(entry.get("at")))
        elif event == "audit.checkpoint_missing":
            out.problems.append(
                Text(
                    f"写入审计日志第 {entry.get('seq')} 行时签名检查点不见了（被删除？）：之前的 "
                    f"{d.get('lines')} 行可能被截短或改写过。",
                    f"When audit line {entry.get('seq')} was written the signed checkpoint was "
                    f"missing (deleted?): the {d.get('lines')} lines before it may have been cut "
                    "or rewritten.",
                )
            )

    def unrecorded(what: Text, made_at: str) -> None:
        if made_at > migrated:
            out.problems.append(
                Text(
                    f"{what.zh}没有对应的审计记录（写入被中断，或记录被删除）。",
                    f"{what.en} has no audit line (a write interrupted, or the line removed).",
                )
            )

    def gone(what: Text) -> None:
        out.problems.append(
            Text(
                f"审计日志记录了{what.zh}，但它已不在数据中（被删除？）。",
                f"The audit log records {what.en}, which is no longer stored (deleted?).",
            )
        )

    for case_id, case in seen.cases.items():
        if case_id not in cases:
            unrecorded(Text(f"案件 {case_id}", f"Case {case_id}"), case["created_at"])
        held = {p["sha256"] for p in case["photos"]}
        for photo in case["photos"]:
            if (case_id, photo["sha256"]) not in photos:
                what = Text(
                    f"案件 {case_id} 的图片 {photo['sha256']}",
                    f"Photo {photo['sha256']} of case {case_id}",
                )
                unrecorded(what, photo["received_at"])
        done = {v["results"] for v in case["verifications"]}
        for v in case["verifications"]:
            if (case_id, v["results"]) not in verified:
                what = Text(
                    f"案件 {case_id} 的核验 {v['results']}",
                    f"Verification {v['results']} of case {case_id}",
                )
                unrecorded(what, v["verified_at"])
        for report_id in case["reports"]:
            try:
                record = store.get_report(report_id)
            except Problem:
                continue  # named with the case's other files
            if report_id not in reports:
                unrecorded(Text(f"报告 {report_id}", f"Report {report_id}"), record["created_at"])
            elif reports[report_id][1] != record.get("sha256"):
                out.problems.append(
                    Text(
                        f"报告 {report_id} 的登记与审计日志记录的 SHA-256 不同：报告被替换过。",
                        f"Report {report_id}'s record differs from the SHA-256 its audit line "
                        "holds: the report was replaced.",
                    )
                )
        for c, sha in sorted(photos):
            if c == case_id and sha not in held:
                gone(Text(f"案件 {case_id} 的图片 {sha}", f"photo {sha} of case {case_id}"))
        for c, results in sorted(verified):
            if c == case_id and results not in done:
                gone(
                    Text(
                        f"案件 {case_id} 的核验 {results}",
                        f"verification {results} of case {case_id}",
                    )
                )
        for report_id, (c, _) in sorted(reports.items()):
            if c == case_id and report_id not in case["reports"]:
                gone(
                    Text(
                        f"案件 {case_id} 的报告 {report_id}",
                        f"report {report_id} of case {case_id}",
                    )
                )
    for case_id in sorted(cases - set(seen.case_files)):
        gone(Text(f"案件 {case_id}", f"case {case_id}"))

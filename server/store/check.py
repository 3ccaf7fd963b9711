"""`refundproof check`: the whole data folder verified, every problem named.

Every case document readable and in the index; every evidence file re-hashes to its name;
every verification record and report file present; the audit chain intact and agreeing with
its anchors (the signed checkpoint and the head recorded in every report), so a cut tail or a
re-chained log is caught."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..errors import EvidenceTampered
from ..text import Text
from . import Store
from .jsonfile import StoreCorrupt


@dataclass
class StoreReport:
    problems: list[Text] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_store(store: Store, anchors: list[tuple[str, int, str]]) -> StoreReport:
    """`anchors`: (where recorded, audit seq, line hash) the log must still contain."""
    out = StoreReport()
    indexed: set[str] = set()
    try:
        rows, _ = store.search_cases(limit=10**9)
        indexed = {r["id"] for r in rows}
    except StoreCorrupt as e:
        out.problems.append(e.text)
    cases = store.case_ids()
    out.counts = {"cases": len(cases), "photos": 0, "reports": 0}
    for case_id in cases:
        _check_case(store, case_id, out)
    for missing in sorted(set(cases) - indexed) if indexed or not cases else []:
        out.problems.append(
            Text(f"案件 {missing} 不在索引中。", f"Case {missing} is missing from the index.")
        )
    for extra in sorted(indexed - set(cases)):
        out.problems.append(
            Text(f"索引中的案件 {extra} 没有案件文件。", f"Indexed case {extra} has no case file.")
        )
    _check_audit(store, anchors, out)
    return out


def _check_case(store: Store, case_id: str, out: StoreReport) -> None:
    try:
        case = store.get_case(case_id)
    except StoreCorrupt as e:
        out.problems.append(e.text)
        return
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
        except (OSError, StoreCorrupt, LookupError):
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


def _check_audit(store: Store, anchors: list[tuple[str, int, str]], out: StoreReport) -> None:
    ok, where = store.audit_log.verify()
    if not ok:
        out.problems.append(
            Text(
                f"审计日志的哈希链在{where}处断开。",
                f"The audit log's hash chain breaks at {where}.",
            )
        )
    head = store.audit_log.head()
    out.counts["audit_lines"] = head["seq"]
    for source, seq, digest in anchors:
        found = store.audit_log.hash_at(seq)
        if found is None:
            out.problems.append(
                Text(
                    f"审计日志被截短：{source}记录的第 {seq} 行已不存在（现在只有 {head['seq']} 行）。",
                    f"The audit log was cut: line {seq}, recorded by {source}, is gone (it now "
                    f"has {head['seq']} lines).",
                )
            )
        elif found != digest:
            out.problems.append(
                Text(
                    f"审计日志被改写：第 {seq} 行与{source}记录的哈希不同。",
                    f"The audit log was rewritten: line {seq} differs from the hash {source} recorded.",
                )
            )

"""The data folder: case database, evidence files, audit log. One Store per data folder."""

from __future__ import annotations

import fcntl
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from tinydb import Query

from ..domain.cases import Photo, Source
from ..domain.contract import FindingJSON, VerificationJSON
from ..errors import NotFound
from ..files import now_iso, write_atomic
from ..text import Text
from .audit import AuditLog
from .db import open_db
from .evidence import EvidenceFolder

__all__ = ["Store"]


class Store:
    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.db = open_db(home / "db.json")
        self.evidence = EvidenceFolder(home / "evidence")
        self.figures = EvidenceFolder(home / "figures")  # made by checks, named by hash
        self.audit_log = AuditLog(home / "audit.jsonl")
        self._thread_lock = threading.RLock()
        self._lock_path = home / ".lock"

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Serialize writes across threads and across processes (CLI beside the server)."""
        with self._thread_lock, self._lock_path.open("a") as lf:
            fcntl.flock(lf, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lf, fcntl.LOCK_UN)

    # cases

    def create_case(self, facts: dict[str, Any]) -> dict[str, Any]:
        case_id = f"RP{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3).upper()}"
        case = {"id": case_id, "created_at": now_iso(), "facts": facts}
        with self.writing():
            self.db.table("cases").insert(case)
            self.audit_log.append("case.created", {"case": case_id, "facts": facts}, now_iso())
        return case

    def get_case(self, case_id: str) -> dict[str, Any]:
        found = self.db.table("cases").get(Query().id == case_id)
        if found is None:
            raise NotFound(Text(f"案件 {case_id}", f"case {case_id}"))
        return dict(found)

    def list_cases(self) -> list[dict[str, Any]]:
        return sorted(self.db.table("cases").all(), key=lambda c: c["created_at"], reverse=True)

    def update_facts(self, case_id: str, facts: dict[str, Any]) -> dict[str, Any]:
        with self.writing():
            case = self.get_case(case_id)
            case["facts"] = {**case["facts"], **facts}
            self.db.table("cases").update({"facts": case["facts"]}, Query().id == case_id)
            self.audit_log.append("case.updated", {"case": case_id, "facts": facts}, now_iso())
        return case

    # photos

    def add_photo(self, case_id: str, data: bytes, photo: Photo) -> bool:
        """Store bytes and record; False when this case already holds the same photo."""
        with self.writing():
            self.get_case(case_id)
            q = Query()
            table = self.db.table("photos")
            if table.contains((q.case_id == case_id) & (q.sha256 == photo.sha256)):
                return False
            self.evidence.put(data, photo.sha256)
            table.insert({"case_id": case_id, **photo.to_json()})
            self.audit_log.append(
                "photo.received",
                {
                    "case": case_id,
                    "sha256": photo.sha256,
                    "role": photo.role,
                    "size": photo.size,
                    "method": photo.source.method,
                    "source_url": photo.source.source_url,
                },
                now_iso(),
            )
        return True

    def case_photos(self, case_id: str) -> list[Photo]:
        rows = self.db.table("photos").search(Query().case_id == case_id)
        return [_photo(r) for r in sorted(rows, key=lambda r: r["received_at"])]

    def evidence_everywhere(self) -> list[tuple[dict[str, Any], Photo]]:
        """Every refund-evidence photo of every case, with its case."""
        cases = {c["id"]: c for c in self.db.table("cases").all()}
        rows = self.db.table("photos").search(Query().role == "evidence")
        return [(cases[r["case_id"]], _photo(r)) for r in rows if r["case_id"] in cases]

    def photo_count(self, case_id: str) -> int:
        return self.db.table("photos").count(Query().case_id == case_id)

    # check results and verifications

    def all_cached_findings(self) -> dict[str, list[FindingJSON]]:
        return {row["key"]: row["findings"] for row in self.db.table("check_cache").all()}

    def cache_many(self, entries: dict[str, list[FindingJSON]]) -> None:
        """One database write for a whole verification's new results."""
        if not entries:
            return
        with self.writing():
            table = self.db.table("check_cache")
            known = {row["key"] for row in table.all()}
            table.insert_multiple(
                {"key": k, "findings": v} for k, v in entries.items() if k not in known
            )

    def save_verification(self, case_id: str, verification: VerificationJSON, level: str) -> None:
        with self.writing():
            self.db.table("verifications").upsert(
                {"case_id": case_id, **verification}, Query().case_id == case_id
            )
            self.audit_log.append(
                "case.verified",
                {
                    "case": case_id,
                    "level": level,
                    "photos": [p["sha256"] for p in verification["photos"]],
                },
                now_iso(),
            )

    def latest_verification(self, case_id: str) -> VerificationJSON | None:
        row = self.db.table("verifications").get(Query().case_id == case_id)
        if not row:
            return None
        return cast(VerificationJSON, {k: v for k, v in row.items() if k != "case_id"})

    # reports

    def save_report(self, record: dict[str, Any], files: dict[str, bytes]) -> None:
        """Files first (each atomic), then the record: a crash leaves no record without files."""
        folder = self.report_folder(record["id"])
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            write_atomic(folder / name, data)
        with self.writing():
            self.db.table("reports").insert(record)
            self.audit_log.append(
                "report.created",
                {
                    "case": record["case_id"],
                    "report": record["id"],
                    "variant": record["variant"],
                    "sha256": record["sha256"],
                },
                now_iso(),
            )

    def report_folder(self, report_id: str) -> Path:
        return self.home / "reports" / report_id

    def get_report(self, report_id: str) -> dict[str, Any]:
        found = self.db.table("reports").get(Query().id == report_id)
        if found is None:
            raise NotFound(Text(f"报告 {report_id}", f"report {report_id}"))
        return dict(found)

    def list_reports(self, case_id: str) -> list[dict[str, Any]]:
        rows = self.db.table("reports").search(Query().case_id == case_id)
        return sorted(rows, key=lambda r: r["created_at"], reverse=True)


def _photo(row: dict[str, Any]) -> Photo:
    fields = {k: v for k, v in row.items() if k not in ("case_id", "source")}
    return Photo(source=Source(**row["source"]), **fields)

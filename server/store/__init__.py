"""The data folder. One Store per data folder and process; several processes may hold one.

    index/<YYYY-MM>.json  the case index (TinyDB), a file per month cases were opened in:
                          identity, searchable facts, last verdict, evidence hashes for the
                          reuse check; <YYYY-MM>.json.1-3 are last-good copies
    cases/<id>.json       one document per case: facts, photos, verifications, reports
    results/ab/<sha>.json verification records, content-addressed, written once
    cache/ab/<sha>.json   check results by cache key, written once
    evidence/ab/<sha>     original bytes, written once, read-only
    figures/ab/<sha>      figures the checks made
    reports/<id>/         a report's files and its record.json
    audit.jsonl           the hash-chained audit log (audit.checkpoint.json: its signed head,
                          sealed after every write; the log is validated from it before one)

Every write happens under one lock across processes and reads what is on disk now; nothing
a process remembers can be made stale by another.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from tinydb import Query

from ..domain.case_marks import MARKS
from ..domain.cases import Photo, Source
from ..domain.contract import FindingJSON, VerificationJSON
from ..errors import NotFound, Problem
from ..files import now_iso, write_atomic
from ..text import Text
from . import jsonfile, search
from .audit import AuditLog, Seal
from .evidence import EvidenceFolder
from .index import Index
from .jsonfile import StoreCorrupt
from .lock import DataLock

__all__ = ["FORMAT", "Store", "StoreCorrupt", "case_key"]

FORMAT = 2  # of the data folder; 1 was a single db.json
# RP<date>-<13 base32 characters>: 65 random bits, so ids drawn for years of refunds do not
# meet (ids before 0.3 carried 6 hex digits, 24 bits, and stay valid)
CASE_ID = re.compile(r"RP\d{8}-(?:[0-9A-F]{6}|[0-9A-HJKMNP-TV-Z]{13})")
ID_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U to misread
REPORT_ID = re.compile(r"RPT\d{14}-[0-9A-F]{6}")
SEARCHABLE = search.SEARCHABLE


def case_key(facts: dict[str, Any]) -> str | None:
    """What identifies a refund: platform + refund id, or platform + order id when the page
    gives no refund id. None when the facts cannot identify one (each run its own case)."""
    platform = (facts.get("platform") or "").strip()
    for field in ("refund_id", "order_id"):
        value = (facts.get(field) or "").strip()
        if value:
            return f"{platform}|{field}:{value}"
    return None


class Store:
    def __init__(self, home: Path, seal: Seal | None = None) -> None:
        """`seal` signs the audit checkpoint (the Service passes the report key's signature);
        a Store without one writes no checkpoint."""
        self.home = home
        self._ensure_folder()
        self.index = Index(home / "index")
        self.evidence = EvidenceFolder(home / "evidence")
        self.figures = EvidenceFolder(home / "figures")  # made by checks, named by hash
        self.audit_log = AuditLog(home / "audit.jsonl", seal)
        self.lock = DataLock(home)

    def _ensure_folder(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.home, 0o700)  # buyers' photos and case facts: the owner only
        except OSError as e:
            if not self.home.is_dir():
                raise _write_problem(e, self.home) from e
            # a read-only folder: reading still works, every write will say why it cannot

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the data folder's lock; a failed write becomes a message the seller can act on."""
        try:
            with self.lock.held():
                yield
        except OSError as e:  # the lock file itself, or any write under it
            raise _write_problem(e, self.home) from e

    @contextmanager
    def audited(self) -> Iterator[None]:
        """A write that logs: under the lock, the audit log validated first (a broken one stops
        the write before anything is written) and its checkpoint sealed after."""
        with self.writing():
            self.audit_log.ready(now_iso())
            try:
                yield
            finally:
                self.audit_log.seal(now_iso())

    @contextmanager
    def still(self) -> Iterator[None]:
        """Hold the lock when it can be had, so a reader sees no write half done; a folder that
        cannot be locked (read-only) has no writer to wait for."""
        with ExitStack() as held:
            with suppress(OSError):
                held.enter_context(self.lock.held())
            yield

    # cases

    def open_case(self, facts: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The case of this refund, made if new: (case, created). A case found again gains the
        facts it did not have; facts it has are kept."""
        key = case_key(facts)
        with self.audited():
            rows = list(self.index.rows())
            found = _find_key(rows, key) if key else None
            if found is not None:
                case = self.get_case(found)
                new = {k: v for k, v in facts.items() if v and not case["facts"].get(k)}
                if new:
                    case = self._update(case, new)
                return case, False
            case = {
                "format": FORMAT,
                "id": "",
                "key": key,
                "no_facts": not any(facts.values()),
                "created_at": now_iso(),
                "facts": facts,
                "photos": [],
                "verifications": [],
                "reports": [],
            }
            self._create_case(case, {r["id"] for r in rows})
            with self.index.db(_month(case)) as db:
                db.table("cases").insert(_row(case))
            self.audit_log.append("case.created", {"case": case["id"], "facts": facts}, now_iso())
        return case, True

    def _create_case(self, case: dict[str, Any], taken: set[str]) -> None:
        """Write a new case's file under an id drawn for it, drawn again when it was ever used:
        the file is created exclusively, so a drawn-twice id can never replace a case."""
        (self.home / "cases").mkdir(exist_ok=True, mode=0o700)
        for _ in range(8):  # one collision in 2**65 per draw: a second draw always suffices
            case["id"] = new_case_id(datetime.now(UTC))
            if case["id"] in taken:
                continue
            try:
                jsonfile.create(self._case_path(case["id"]), case)
                return
            except FileExistsError:
                continue
        raise RuntimeError("no unused case id in 8 draws: the random source is broken")

    def get_case(self, case_id: str) -> dict[str, Any]:
        if not CASE_ID.fullmatch(case_id):
            raise NotFound(Text(f"案件 {case_id}", f"case {case_id}"))
        case = jsonfile.read(self._case_path(case_id))
        if case is None:
            raise NotFound(Text(f"案件 {case_id}", f"case {case_id}"))
        return cast(dict[str, Any], case)

    def search_cases(
        self,
        filters: dict[str, str] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], int]:
        """Index rows matching every filter, sorted, one page (store/search.py says which)."""
        return search.search(self.index.rows(), filters or {}, offset, limit)

    def update_facts(self, case_id: str, facts: dict[str, Any]) -> dict[str, Any]:
        with self.audited():
            return self._update(self.get_case(case_id), facts)

    def _update(self, case: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
        case["facts"] = {**case["facts"], **facts}
        case["no_facts"] = case["no_facts"] and not any(facts.values())
        # facts added later (an order number typed in after a fact-less run) name the refund
        case["key"] = case["key"] or case_key(case["facts"])
        self._save_case(case)
        self._reindex(case)
        self.audit_log.append("case.updated", {"case": case["id"], "facts": facts}, now_iso())
        return case

    def set_status(
        self,
        case_id: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        event: dict[str, Any],
    ) -> dict[str, Any]:
        """The case's status record changed by `change` (under the lock: read, changed and
        written in one step); `event`, what was asked, logged with the status it left."""
        with self.audited():
            case = self.get_case(case_id)
            before = case.get("status") or {}
            case["status"] = change(before)
            self._save_case(case)
            self._reindex(case)
            left = before.get("value", "pending")
            self.audit_log.append(
                "case.status", {"case": case_id, "from": left, **event}, now_iso()
            )
        return case

    def _case_path(self, case_id: str) -> Path:
        return self.home / "cases" / f"{case_id}.json"

    def _save_case(self, case: dict[str, Any]) -> None:
        path = self._case_path(case["id"])
        path.parent.mkdir(exist_ok=True, mode=0o700)
        jsonfile.write(path, case)

    def _reindex(self, case: dict[str, Any]) -> None:
        with self.index.db(_month(case)) as db:
            db.table("cases").upsert(_row(case), Query().id == case["id"])

    # photos

    def add_photo(self, case_id: str, data: bytes, photo: Photo, max_photos: int) -> bool:
        """Store bytes and record; False when this case already holds the same photo. The
        limit is counted under the same lock as the insert."""
        with self.audited():
            case = self.get_case(case_id)
            if any(p["sha256"] == photo.sha256 for p in case["photos"]):
                return False
            if len(case["photos"]) >= max_photos:
                raise Problem(
                    "too_many_photos",
                    Text(
                        "每个案件最多 {n} 个图片或视频。",
                        "A case holds at most {n} photos or videos.",
                    ).format(n=max_photos),
                    413,
                )
            self.evidence.put(data, photo.sha256)
            case["photos"].append(photo.to_json())
            self._save_case(case)
            self._reindex(case)
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
        rows = self.get_case(case_id)["photos"]
        return [_photo(r) for r in sorted(rows, key=lambda r: r["received_at"])]

    def evidence_rows(self) -> list[tuple[str, str, str, str, dict[str, Any]]]:
        """(case id, SHA-256, pHash, received at, the case's index row) of every refund photo
        of every case, from the index alone. The row is shared: read it, never change it."""
        return [
            (r["id"], sha, phash, at, r)
            for r in self.index.rows()
            for sha, phash, at in r["evidence"]
        ]

    # check results and verifications

    def cache(self) -> CacheFolder:
        return CacheFolder(self.home / "cache")

    @staticmethod
    def verification_sha(verification: Any) -> str:
        body = json.dumps(verification, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(body).hexdigest()

    def save_verification_file(self, verification: Any) -> str:
        """The record, content-addressed and written once; returns its hash."""
        sha = self.verification_sha(verification)
        path = self._result_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            jsonfile.write(path, verification)
        return sha

    def save_verification(
        self,
        case_id: str,
        verification: VerificationJSON,
        level: str,
        marks: dict[str, list[str]] | None = None,
    ) -> None:
        """`marks` (domain/case_marks.py): what the desk searches and links by, kept with the
        verification and in the index."""
        with self.audited():
            sha = self.save_verification_file(verification)
            case = self.get_case(case_id)
            case["verifications"].append(
                {
                    "verified_at": verification["verified_at"],
                    "results": sha,
                    "level": level,
                    **(marks or {}),
                }
            )
            self._save_case(case)
            self._reindex(case)
            self.audit_log.append(
                "case.verified",
                {
                    "case": case_id,
                    "level": level,
                    "results": sha,
                    "photos": [p["sha256"] for p in verification["photos"]],
                },
                now_iso(),
            )

    def latest_verification(self, case_id: str) -> VerificationJSON | None:
        done = self.get_case(case_id)["verifications"]
        return self.latest_verification_file(done[-1]["results"]) if done else None

    def latest_verification_file(self, sha256: str) -> VerificationJSON:
        path = self._result_path(sha256)
        data = jsonfile.read(path)
        if data is None:
            raise StoreCorrupt(path, "missing")
        return cast(VerificationJSON, data)

    def _result_path(self, sha256: str) -> Path:
        return self.home / "results" / sha256[:2] / f"{sha256}.json"

    # reports

    def save_report(self, record: dict[str, Any], files: dict[str, bytes]) -> None:
        """Files first, then the record, then the case: a crash leaves no record without files."""
        folder = self.report_folder(record["id"])
        with self.audited():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            for name, data in files.items():
                write_atomic(folder / name, data)
            jsonfile.write(folder / "record.json", record)
            case = self.get_case(record["case_id"])
            case["reports"].append(record["id"])
            self._save_case(case)
            self._reindex(case)  # the desk shows which cases have reports
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
        record = None
        if REPORT_ID.fullmatch(report_id):
            record = jsonfile.read(self.report_folder(report_id) / "record.json")
        if record is None:
            raise NotFound(Text(f"报告 {report_id}", f"report {report_id}"))
        return cast(dict[str, Any], record)

    def list_reports(self, case_id: str) -> list[dict[str, Any]]:
        rows = [self.get_report(r) for r in self.get_case(case_id)["reports"]]
        return sorted(rows, key=lambda r: r["created_at"], reverse=True)

    # the whole store

    def case_ids(self) -> list[str]:
        folder = self.home / "cases"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def rebuild_index(self) -> int:
        """The index again from the case documents (after a damaged index file)."""
        with self.audited():  # read under the lock too: no case written meanwhile is missed
            rows = [_row(self.get_case(c)) for c in self.case_ids()]
            self.index.replace_all(rows)
            self.audit_log.append("index.rebuilt", {"cases": len(rows)}, now_iso())
        return len(rows)


class CacheFolder:
    """Check results by cache key, one small file each, written once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / name[:2] / f"{name}.json"

    def get(self, key: str) -> list[FindingJSON] | None:
        try:
            entry = jsonfile.read(self._path(key))
        except StoreCorrupt:
            return None  # a damaged cache entry is only a cache miss: the check runs again
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return cast(list[FindingJSON], entry["findings"])

    def put_many(self, entries: dict[str, list[FindingJSON]]) -> None:
        for key, findings in entries.items():
            path = self._path(key)
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            jsonfile.write(path, {"key": key, "findings": findings})


def new_case_id(now: datetime) -> str:
    n = secrets.randbits(65)
    return f"RP{now:%Y%m%d}-" + "".join(ID_CHARS[(n >> (5 * i)) & 31] for i in range(13))


def _find_key(rows: list[dict[str, Any]], key: str) -> str | None:
    own = [r for r in rows if r["key"] == key]
    return min(own, key=lambda r: r["created_at"])["id"] if own else None


def _row(case: dict[str, Any]) -> dict[str, Any]:
    facts = case["facts"]
    done = case["verifications"]
    status = case.get("status") or {}
    return {
        "id": case["id"],
        "key": case["key"],
        "no_facts": case["no_facts"],
        "created_at": case["created_at"],
        **{k: facts.get(k) for k in SEARCHABLE},
        "amount": facts.get("amount"),
        "photos": len(case["photos"]),
        "title": facts.get("title"),
        "level": done[-1]["level"] if done else None,
        "verified_at": done[-1]["verified_at"] if done else None,
        **{name: done[-1].get(name, []) if done else [] for name in MARKS},
        "status": status.get("value", "pending"),
        "outcome": status.get("appeal_outcome"),
        "note": (status.get("note") or "")[:200],
        "appeal_id": status.get("appeal_id"),
        "police_receipt": status.get("police_receipt"),
        "reports": len(case["reports"]),
        # a video is known by its middle frame's hash and by each of its keyframes'
        "evidence": [
            [p["sha256"], phash, p["received_at"]]
            for p in case["photos"]
            if p["role"] == "evidence"
            for phash in dict.fromkeys([p.get("phash", ""), *p.get("frame_hashes", [])])
        ],
    }


def _month(case: dict[str, Any]) -> str:
    """The index file a case's row lives in: the month it was opened."""
    return str(case["created_at"][:7])


def _photo(row: dict[str, Any]) -> Photo:
    fields = {k: v for k, v in row.items() if k not in ("case_id", "source")}
    return Photo(source=Source(**row["source"]), **fields)


def _write_problem(e: OSError, home: Path) -> Problem:
    if e.errno == errno.ENOSPC:
        return Problem(
            "disk_full",
            Text(
                f"磁盘已满，无法写入数据文件夹 {home}：已保存的数据没有改动。请腾出空间后重试。",
                f"The disk is full; nothing could be written to the data folder {home} and "
                "nothing stored was changed. Free some space and try again.",
            ),
            507,
        )
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return Problem(
            "read_only",
            Text(
                f"数据文件夹 {home} 不可写（{e.strerror}）：可以查看已有案件，但不能新增或修改。",
                f"The data folder {home} cannot be written ({e.strerror}): stored cases can be "
                "read, but nothing can be added or changed.",
            ),
            503,
        )
    return Problem(
        "write_failed",
        Text(
            f"写入数据文件夹失败（{e.strerror}）：{e.filename or home}。",
            f"Writing to the data folder failed ({e.strerror}): {e.filename or home}.",
        ),
        503,
    )

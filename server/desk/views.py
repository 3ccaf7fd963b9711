"""What the desk shows and hands out, composed from the service's plain reads: a case with
everything about it, the numbers, the CSV and the evidence package."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from ..domain import case_status
from ..errors import Problem
from ..files import now_iso
from ..service import Service
from ..text import Lang
from . import export, links, package, stats

MAX_CSV = 100_000  # rows: the whole list, whatever the filters leave


def case_view(service: Service, case_id: str, lang: Lang) -> dict[str, Any]:
    """The case page: facts, status, photos with findings (when verified), reports with their
    files, the audit log's lines about it, and the cases linked to it."""
    case = service.get_case(case_id)
    try:
        result: dict[str, Any] | None = dict(service.findings(case_id, lang))
    except Problem:  # not verified yet: the photos are shown without verdicts
        result = None
    return {
        "case": case,
        "status": case_status.to_json(case.get("status"), lang),
        "result": result,
        "reports": [
            {**r, "urls": {n: f"/api/reports/{r['id']}/files/{n}" for n in r["files"]}}
            for r in service.list_reports(case_id)
        ],
        "history": service.case_history(case_id),
        "links": links.linked(service.case_rows(), case_id),
    }


def numbers(service: Service) -> dict[str, Any]:
    rows = service.case_rows()
    return {"months": stats.per_month(rows), "repeat_buyers": links.repeat_buyers(rows)}


def csv_bytes(service: Service, filters: dict[str, str], lang: Lang) -> bytes:
    return export.csv_bytes(service.list_cases(filters, 0, MAX_CSV)["cases"], lang)


def write_package(service: Service, case_id: str, target: Path) -> str:
    """The case's evidence package written to `target`; returns the name to save it under."""
    case = service.get_case(case_id)
    # every file the case holds: the buyer's photos, the listing photos, the page capture
    originals = {p["sha256"]: service.photo_file(case_id, p["sha256"]) for p in case["photos"]}
    reports = []
    for record in service.list_reports(case_id):
        wanted = ["report.pdf", *(i["name"] for i in record.get("appeal_images", []))]
        files = {n: service.report_file(record["id"], n) for n in wanted if n in record["files"]}
        reports.append((record, files))
    inp = package.PackageInput(
        case=case,
        history=service.case_history(case_id),
        links=_named_by_id(links.linked(service.case_rows(), case_id)),
        originals=originals,
        reports=reports,
        made_at=now_iso(),
    )
    package.write(inp, target)
    return package.download_name(case)


KEPT = ("id", "created_at", "shared", "reuse_found")  # of a linked case, in a package


def _named_by_id(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Linked cases as the package shows them: by case id and why, naming no other buyer or
    order (the package may go to a platform; the seller's desk has the rest)."""
    return {why: [{k: r[k] for k in KEPT if k in r} for r in rows] for why, rows in found.items()}


STALE_SECONDS = 3600.0  # a package left behind by a stopped server: removed on the next one


def package_file(service: Service, case_id: str) -> tuple[Path, str]:
    """The package in a temporary file inside the data folder (the buyer's photos stay in the
    owner-only folder), and its name; the caller deletes the file once it is sent."""
    folder = service.home / "tmp"
    folder.mkdir(exist_ok=True, mode=0o700)
    for old in folder.glob("package-*.zip"):
        with contextlib.suppress(OSError):  # another request's, still being sent (Windows)
            if time.time() - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()
    fd, name = tempfile.mkstemp(dir=folder, prefix="package-", suffix=".zip")
    os.close(fd)
    path = Path(name)
    try:
        return path, write_package(service, case_id, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def report_download(service: Service, report_id: str, name: str) -> tuple[Path, str]:
    """A report's file and the name it is saved under (platform and order in it)."""
    path = service.report_file(report_id, name)
    record = service.get_report(report_id)
    return path, package.report_download_name(record, service.get_case(record["case_id"]), name)

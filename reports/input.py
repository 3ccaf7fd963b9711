"""The one input a report is made from, gathered by the service (the only door to the store).
The report generator reads nothing else of the store and writes nothing: it returns files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.domain.cases import Photo
from server.domain.contract import VerificationJSON
from server.text import Lang


@dataclass(frozen=True)
class TimeStamping:
    """Which RFC 3161 services a report asks. The caller sorts them from what it remembers;
    this package keeps no memory and returns what it found in the record's `time_stamping`."""

    first: str | None = None  # answered last time: asked alone, first
    others: tuple[str, ...] = ()  # asked together when `first` is unset or does not answer
    skipped: tuple[str, ...] = ()  # did not answer lately: not asked, named in the report


@dataclass(frozen=True)
class ReportInput:
    case: dict[str, Any]  # id, created_at, facts
    photos: tuple[Photo, ...]
    verification: VerificationJSON
    variant: str  # one of reports.VARIANTS
    lang: Lang
    # write-once files by SHA-256 (paths, not bytes: 60 photos of 50 MB must not cross a
    # pipe); each is re-hashed as it is read, so a file changed on disk is caught
    evidence: dict[str, Path]
    figures: dict[str, Path]
    audit_lines: tuple[dict[str, Any], ...]  # the audit-log lines about this case
    audit_head: dict[str, Any]
    home: Path  # the data folder, for the report key in its keys/ folder only
    tsa: TimeStamping = TimeStamping()
    operator: str | None = None
    shop: str | None = None
    contact: str | None = None  # how the police reach the seller


def figure_hashes(verification: VerificationJSON) -> set[str]:
    return {
        f["data"]["figure"]["sha256"]
        for p in verification["photos"]
        for f in p["findings"]
        if isinstance(f.get("data", {}).get("figure"), dict)
    }

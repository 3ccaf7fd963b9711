"""The signed evidence report: snapshot -> PDF/A-3b -> PAdES signature -> page images."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.errors import Problem
from server.text import Lang, Text

if TYPE_CHECKING:
    from cryptography import x509

    from server.domain.contract import VerificationJSON
    from server.store import Store

    from .sign import ReportCheck

# WeasyPrint and pyHanko take about 0.7 s to import; every CLI command and the server import
# this package, so the modules that need them are imported only when a report is made or
# checked.

__all__ = ["VARIANTS", "TimeStamping", "TimestampUnavailable", "build", "check"]

VARIANTS = ("appeal", "police")
PDF_NAME, SUMMARY_NAME = "report.pdf", "summary.png"


class TimestampUnavailable(Problem):
    """An RFC 3161 service did not answer the signing request."""

    status = 502

    def __init__(self, url: str, cause: Exception) -> None:
        super().__init__(
            "tsa_unavailable",
            Text(
                f"时间戳服务 {url} 没有响应。",
                f"The time-stamp service {url} did not answer.",
            ),
        )
        self.url = url
        self.cause = f"{type(cause).__name__}: {cause}"


@dataclass(frozen=True)
class TimeStamping:
    """Which RFC 3161 services a report asks. The caller sorts them from what it remembers;
    this package keeps no memory and returns what it found in the record's `time_source`."""

    first: str | None = None  # answered last time: asked alone, first
    others: tuple[str, ...] = ()  # asked together when `first` is unset or does not answer
    skipped: tuple[str, ...] = ()  # did not answer lately: not asked, named in the report


def build(
    store: Store,
    home: Path,
    case_id: str,
    verification: VerificationJSON,
    variant: str,
    lang: Lang,
    tsa: TimeStamping = TimeStamping(),
    operator: str | None = None,
    shop: str | None = None,
) -> dict[str, Any]:
    """Render, sign and keep one report; returns its record (files under reports/<id>/),
    its `time_stamping` saying which service it asked answered and which did not."""
    from . import keys, render, sign, snapshot

    key = keys.load_or_create(home)
    reason = "RefundProof 退款凭证核验报告 / refund photo verification report"
    # The time source is printed in the report, so it is settled before rendering: a service
    # that answers a test request; when none does, the local clock, and the report names the
    # services that did not answer (lately, for those not asked this time).
    url, silent = sign.first_answering(tsa.first, tsa.others)
    time_source = snapshot.time_source(url, [*silent, *tsa.skipped])
    snap = snapshot.take(
        store, case_id, verification, variant, lang, key, time_source, operator, shop
    )
    try:
        signed = sign.sign(render.pdf(snap), key, reason, url)
    except TimestampUnavailable:  # it answered the test a moment ago, then stopped
        url, silent = None, [*silent, url or ""]
        time_source = snapshot.time_source(None, [*silent, *tsa.skipped])
        snap = snapshot.take(
            store, case_id, verification, variant, lang, key, time_source, operator, shop
        )
        signed = sign.sign(render.pdf(snap), key, reason, None)
    pdf_sha256 = hashlib.sha256(signed).hexdigest()
    pages = render.page_images(signed)
    files = {PDF_NAME: signed, SUMMARY_NAME: render.summary_image(snap, pdf_sha256)}
    files |= {f"page-{i:02d}.png": png for i, png in enumerate(pages, 1)}
    record = {
        "id": snap.report_id,
        "case_id": case_id,
        "variant": variant,
        "lang": lang,
        "created_at": snap.data["report"]["created_at"],
        "sha256": pdf_sha256,
        "bytes": len(signed),
        "pages": len(pages),
        "snapshot_sha256": snap.sha256,
        "signer_fingerprint": key.fingerprint,
        # the audit log's head as this report records it: a later cut or rewrite is caught
        "audit_head": snap.data["audit_head"],
        "files": sorted(files),
        "time_stamping": {"answered": url, "silent": silent},  # of those asked
    }
    store.save_report(record, files)
    return record


def check(pdf: bytes, home: Path, extra_trust: Sequence[x509.Certificate] = ()) -> ReportCheck:
    """Check a signed report, trusting every key this data folder ever signed with."""
    from . import keys, sign

    return sign.check(pdf, [*keys.trusted_certificates(home), *extra_trust])

"""The signed evidence report: snapshot -> PDF/A-3b -> PAdES signature -> page images."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.errors import Problem
from server.text import Text

from .input import ReportInput, TimeStamping

if TYPE_CHECKING:
    from cryptography import x509

    from .sign import ReportCheck

# WeasyPrint and pyHanko take about 0.7 s to import; every CLI command and the server import
# this package, so the modules that need them are imported only when a report is made or
# checked.

__all__ = ["VARIANTS", "ReportInput", "TimeStamping", "TimestampUnavailable", "check", "make"]

VARIANTS = ("appeal", "police")
PDF_NAME = "report.pdf"


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


def make(inp: ReportInput) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Render and sign one report from its one input: its record and its files, for the
    caller to keep; the record's `time_stamping` says which service asked answered and which
    did not. In the server it runs in a check worker (the photos are decoded there for their
    thumbnails, under the worker's memory cap)."""
    from . import appeal_images as appeals
    from . import keys, render, sign, snapshot

    key = keys.load_or_create(inp.home)
    reason = "RefundProof 退款凭证核验报告 / refund photo verification report"
    # The time source is printed in the report, so it is settled before rendering: a service
    # that answers a test request; when none does, the local clock, and the report names the
    # services that did not answer (lately, for those not asked this time).
    tsa = inp.tsa
    url, silent = sign.first_answering(tsa.first, tsa.others)
    time_source = snapshot.time_source(url, [*silent, *tsa.skipped])
    snap = snapshot.take(inp, key, time_source)
    try:
        signed = sign.sign(render.pdf(snap), key, reason, url)
    except TimestampUnavailable:  # it answered the test a moment ago, then stopped
        url, silent = None, [*silent, url or ""]
        time_source = snapshot.time_source(None, [*silent, *tsa.skipped])
        snap = snapshot.take(inp, key, time_source)
        signed = sign.sign(render.pdf(snap), key, reason, None)
    pdf_sha256 = hashlib.sha256(signed).hexdigest()
    pages = render.page_images(signed)
    files = {PDF_NAME: signed}
    files |= {f"page-{i:02d}.png": png for i, png in enumerate(pages, 1)}
    appeal_images: list[dict[str, Any]] = []
    if inp.variant == "appeal":  # what a platform's evidence upload takes
        conclusion, photos = render.appeal_pictures(snap, pdf_sha256)
        facts = inp.case["facts"]
        images, appeal_images = appeals.make(
            conclusion, photos, facts.get("order_id"), facts.get("platform")
        )
        files |= images
    record = {
        "id": snap.report_id,
        "case_id": inp.case["id"],
        "variant": inp.variant,
        "lang": inp.lang,
        "created_at": snap.data["report"]["created_at"],
        "sha256": pdf_sha256,
        "bytes": len(signed),
        "pages": len(pages),
        "snapshot_sha256": snap.sha256,
        "signer_fingerprint": key.fingerprint,
        # the audit log's head as this report records it: a later cut or rewrite is caught
        "audit_head": snap.data["audit_head"],
        "files": sorted(files),
        "appeal_images": appeal_images,  # in upload order, the case's own platform first
        "time_stamping": {"answered": url, "silent": silent},  # of those asked
    }
    return record, files


def check(pdf: bytes, home: Path, extra_trust: Sequence[x509.Certificate] = ()) -> ReportCheck:
    """Check a signed report, trusting every key this data folder ever signed with."""
    from . import keys, sign

    return sign.check(pdf, [*keys.trusted_certificates(home), *extra_trust])

"""A frozen copy of everything a report shows, taken once from the store.

Rendering reads only this: the same snapshot renders the same document, and the snapshot
travels inside the PDF (snapshot.json) so a third party can see what the report rests on.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server import TOOL_NAME, __version__
from server.domain import result
from server.domain.cases import Photo, Source
from server.domain.contract import ResultJSON, VerificationJSON
from server.errors import EvidenceTampered
from server.files import FILE_EXTENSIONS
from server.text import Lang, lang_of

from .input import ReportInput, figure_hashes
from .keys import SigningKey, fingerprint
from .sign import FINDINGS_NAME

# A video larger than this is not attached to the PDF (a report must stay mailable and open on
# an ordinary computer): it stays in the case's evidence folder and evidence package, and the
# report names it by its SHA-256, re-hashed when the report is made. README states the figure.
VIDEO_ATTACH_MAX = 20 * 1024 * 1024


@dataclass(frozen=True)
class Snapshot:
    data: dict[str, Any]
    originals: dict[str, bytes]  # attachment name -> bytes (photos, figures), re-hashed

    def to_bytes(self) -> bytes:
        return canonical_json(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @property
    def report_id(self) -> str:
        return self.data["report"]["id"]

    @property
    def lang(self) -> Lang:
        return lang_of(self.data["report"]["lang"])

    def photos(self) -> list[Photo]:
        return [Photo(**{**p, "source": Source(**p["source"])}) for p in self.data["photos"]]

    def result(self) -> ResultJSON:
        """The findings in the report's language, in the same shape as the API's."""
        d = self.data
        return result.build(d["case"], self.photos(), d["verification"], self.lang)

    def findings_json(self) -> bytes:
        return canonical_json(self.result())


AUDIT_NAME = "audit-excerpt.jsonl"
# each fetched photo's HTTP response headers, whole: the police record names the file instead
# of printing them (an officer comparing them with the platform's logs wants them exact)
HEADERS_NAME = "http-headers.json"


def time_source(tsa_url: str | None, unanswered: Sequence[str]) -> dict[str, Any]:
    """Where the report's time comes from: an RFC 3161 service, or the local clock (and which
    services were tried and did not answer)."""
    if tsa_url:
        return {"kind": "rfc3161", "tsa_url": tsa_url}
    return {"kind": "local_clock", "unanswered": [u for u in unanswered if u]}


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def figure_name(sha256: str) -> str:
    return f"figure-{sha256}.jpg"


# What an appeal may say of another refund: a platform reviewer cannot check another
# platform's order, and the seller must not hand it another customer's data (PIPL).
SHAREABLE_OTHER_FACTS = ("platform",)


def without_other_refunds(verification: VerificationJSON) -> VerificationJSON:
    """The verification with other refunds' orders, refund numbers and buyers left out of
    every finding's data (the reuse check's `other_facts`, in each entry of `others` too)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (
                    {f: v.get(f) for f in SHAREABLE_OTHER_FACTS}
                    if k == "other_facts" and isinstance(v, dict)
                    else clean(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    out: VerificationJSON = clean(verification)
    return out


def attachment_name(photo: Photo) -> str:
    return f"{photo.sha256}.{FILE_EXTENSIONS.get(photo.mime, 'bin')}"


def take(inp: ReportInput, key: SigningKey, time_source: dict[str, Any]) -> Snapshot:
    """Freeze the input; every original and figure is re-hashed as it is read (EvidenceTampered
    if one changed). An appeal's snapshot names no other refund's order, refund number or
    buyer."""
    verification = inp.verification
    if inp.variant == "appeal":
        verification = without_other_refunds(verification)
    attached = [p for p in inp.photos if not referenced_only(p)]
    originals = {attachment_name(p): _read(inp.evidence[p.sha256], p.sha256) for p in attached}
    for p in inp.photos:
        if referenced_only(p):
            _rehash(inp.evidence[p.sha256], p.sha256)
    # the figures the findings show (boxes drawn, heat maps) travel with the report too
    for sha in sorted(figure_hashes(verification)):
        originals[figure_name(sha)] = _read(inp.figures[sha], sha)
    # the audit-log lines about this case, each still carrying its own hash and its
    # predecessor's, so a reader can check them against the signed head
    originals[AUDIT_NAME] = b"".join(
        json.dumps(line, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        for line in inp.audit_lines
    )
    fetched = [
        {"file": attachment_name(p), **p.source.to_json()}
        for p in inp.photos
        if p.source.http_headers
    ]
    if inp.variant == "police" and fetched:
        originals[HEADERS_NAME] = canonical_json(fetched)
    now = datetime.now(UTC)
    data: dict[str, Any] = {
        "report": {
            "id": f"RPT{now:%Y%m%d%H%M%S}-{secrets.token_hex(3).upper()}",
            "variant": inp.variant,
            "lang": inp.lang,
            "created_at": now.isoformat(timespec="seconds"),
            "time_source": time_source,
        },
        "tool": {"name": TOOL_NAME, "version": __version__},
        "operator": inp.operator,
        "shop": inp.shop,
        "contact": inp.contact,
        "case": {k: inp.case[k] for k in ("id", "created_at", "facts")},
        "photos": [p.to_json() for p in inp.photos],
        # originals kept in the evidence folder, named here by hash rather than attached
        "referenced": [
            {"name": attachment_name(p), "sha256": p.sha256, "size": p.size}
            for p in inp.photos
            if referenced_only(p)
        ],
        "verification": verification,
        "audit_head": inp.audit_head,
        "signer": {
            "subject": key.subject,
            "fingerprint": key.fingerprint,
            "issuer": key.cert.issuer.rfc4514_string(),
            "root_fingerprint": fingerprint(key.chain[-1]),
        },
    }
    snap = Snapshot(data, originals)
    data["attachments"] = [
        {"name": name, "sha256": hashlib.sha256(blob).hexdigest()}
        for name, blob in originals.items()
    ] + [{"name": FINDINGS_NAME, "sha256": hashlib.sha256(snap.findings_json()).hexdigest()}]
    return snap


def referenced_only(photo: Photo) -> bool:
    """Whether the original is too large to attach (a video over VIDEO_ATTACH_MAX)."""
    return photo.media == "video" and photo.size > VIDEO_ATTACH_MAX


def _rehash(path: Path, sha256: str) -> None:
    """A large write-once file re-hashed in pieces: EvidenceTampered when it changed."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while piece := f.read(1 << 20):
            digest.update(piece)
    if digest.hexdigest() != sha256:
        raise EvidenceTampered(sha256)


def _read(path: Path, sha256: str) -> bytes:
    """A write-once file, re-hashed: EvidenceTampered when it changed on disk."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EvidenceTampered(sha256)
    return data

"""The JSON shape shared by the API and `refundproof verify --json`. Keep these names stable;
add freely. Built from stored findings on every read, in the language asked for."""

from __future__ import annotations

from typing import Any

from .. import TOOL_NAME, __version__
from ..text import JSON_KEYS, Lang, neutral
from .cases import ROLE_NAMES, Finding, Photo, Verdict, strongest_first
from .contract import PhotoResultJSON, ResultJSON, VerificationJSON
from .verdict import case_verdict, photo_verdict


def build(
    case: dict[str, Any], photos: list[Photo], verification: VerificationJSON, lang: Lang
) -> ResultJSON:
    by_sha = {p["sha256"]: p for p in verification["photos"]}
    out_photos: list[PhotoResultJSON] = []
    evidence_verdicts: list[Verdict] = []
    for photo in photos:
        stored = by_sha.get(photo.sha256)
        if stored is None:  # added after the last verification
            continue
        findings = strongest_first([Finding.from_json(f) for f in stored["findings"]])
        verdict = photo_verdict(findings)
        if photo.role == "evidence":
            evidence_verdicts.append(verdict)
        out_photos.append(
            {
                # the name as shown: escapes for control characters, which a terminal, a PDF
                # or a page would otherwise obey (the raw name stays in `source`)
                "file": neutral(
                    photo.source.file_name or photo.source.source_url or photo.sha256[:12]
                ),
                "sha256": photo.sha256,
                "role": photo.role,
                "role_name": ROLE_NAMES[photo.role].get(lang),
                "format": photo.format,
                "media": photo.media,
                "duration": photo.duration,
                "width": photo.width,
                "height": photo.height,
                "bytes": photo.size,
                "source": photo.source.to_json(),
                "verdict": verdict.to_json(lang),
                "findings": [f.to_json(lang) for f in findings],
                "checks": stored["checks"],
            }
        )
    return {
        "case": {
            "id": case["id"],
            "facts": case["facts"],
            "verdict": case_verdict(evidence_verdicts).to_json(lang),
        },
        "photos": out_photos,
        "verified_at": verification["verified_at"],
        "trust_lists": verification["trust_lists"],
        "tool": {"name": TOOL_NAME, "version": __version__},
        "lang": JSON_KEYS[lang],
    }

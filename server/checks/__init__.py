"""The checks, in the order their findings are shown, and the cached runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from ..domain.cases import Finding, Photo
from ..domain.contract import CheckStatusJSON, FindingJSON
from ..domain.trust_lists import TrustInfo
from ..text import Text
from . import (
    ai_metadata,
    aigc_label,
    content_credentials,
    exif_context,
    forensics,
    listing_match,
    reuse,
    visible_mark,
)
from .base import Check, CheckContext
from .parsed import PhotoData

REGISTRY: tuple[Check, ...] = (
    content_credentials,
    aigc_label,
    ai_metadata,
    visible_mark,
    listing_match,
    reuse,
    exif_context,
    forensics,
)

__all__ = ["REGISTRY", "CheckContext", "TrustInfo", "run_checks"]


def cache_key(check: Check, photo: Photo, ctx: CheckContext) -> str:
    return f"{photo.sha256}:{check.NAME}:{check.VERSION}:{check.context_key(ctx, photo)}"


def run_checks(
    photo: PhotoData,
    ctx: CheckContext,
    cached: Callable[[str], list[FindingJSON] | None],
) -> tuple[list[Finding], list[CheckStatusJSON], dict[str, list[FindingJSON]]]:
    """Run every check on one photo. `cached` looks a cache key up in stored findings; returns the
    findings, a status line per check, and the new cache entries. A failing check becomes an
    error finding and never stops the others; errors are not cached."""
    findings: list[Finding] = []
    statuses: list[CheckStatusJSON] = []
    new: dict[str, list[FindingJSON]] = {}
    for check in REGISTRY:
        key = cache_key(check, photo.photo, ctx)
        hit = cached(key)
        if hit is not None:
            findings += [Finding.from_json(f) for f in hit]
            statuses.append(_status(check, "ok", cached=True))
            continue
        try:
            result = check.run(photo, ctx)
        except Exception as e:  # one broken check must not take the others down
            findings.append(_error_finding(check, e))
            statuses.append(_status(check, "error", cached=False))
            continue
        new[key] = [f.to_json("zh") for f in result]
        findings += result
        statuses.append(_status(check, "ok", cached=False))
    return findings, statuses, new


def _status(check: Check, status: Literal["ok", "error"], cached: bool) -> CheckStatusJSON:
    return {
        "check": check.NAME,
        "version": check.VERSION,
        "title": check.TITLE.to_json(),
        "limits": check.LIMITS.to_json(),
        "status": status,
        "cached": cached,
    }


def _error_finding(check: Check, e: Exception) -> Finding:
    name = type(e).__name__
    text = Text(f"此项检查未能完成（{name}）。", f"This check could not complete ({name}).")
    return Finding(check.NAME, "check_error", "error", text, {"error": f"{name}: {e}"[:500]})

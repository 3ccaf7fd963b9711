"""The checks, in the order their findings are shown, and the cached runner."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Literal

from ..domain.cases import Finding, Photo
from ..domain.contract import CheckStatusJSON, FindingJSON
from ..domain.limits import DECODE_BUDGET
from ..domain.trust_lists import TrustInfo
from ..text import Text
from . import (
    ai_metadata,
    aigc_label,
    catalog_match,
    content_credentials,
    decoding,
    exif_context,
    forensics,
    listing_match,
    reuse,
    video_context,
    video_label,
    video_mark,
    video_traces,
    visible_mark,
)
from .base import Check, CheckContext
from .parsed import PhotoData, PixelsUnavailable

REGISTRY: tuple[Check, ...] = (
    content_credentials,
    aigc_label,
    ai_metadata,
    visible_mark,
    listing_match,
    catalog_match,
    reuse,
    exif_context,
    forensics,
    decoding,
)
# What runs on a video (photo.media == "video"): the photo checks that read bytes or one
# picture (its middle frame) as they are, and the video's own.
VIDEO_REGISTRY: tuple[Check, ...] = (
    content_credentials,
    video_label,
    video_traces,
    video_mark,
    listing_match,
    catalog_match,
    reuse,
    video_context,
)

# Each check's share of a photo's time budget, relative: the checks that read the whole picture
# weigh most. A check is stopped once the photo's clock passes the shares up to and including
# its own, so one that overruns takes no time from the checks after it, and what an earlier
# check left unused carries forward.
TIME_SHARES = {
    "c2pa": 2,
    "aigc_label": 1,
    "ai_metadata": 1,
    "visible_mark": 5,
    "listing_match": 8,
    "catalog_match": 6,
    "reuse": 3,
    "exif_context": 1,
    "forensics": 4,
    "decoding": 1,
}
# The same for a video's checks, shared out of the video's own budget (server/workers.py).
VIDEO_TIME_SHARES = {
    "c2pa": 2,
    "video_label": 1,
    "video_traces": 2,
    "video_mark": 6,
    "listing_match": 8,
    "catalog_match": 6,
    "reuse": 3,
    "video_context": 1,
}


def registry_for(photo: Photo) -> tuple[Check, ...]:
    return VIDEO_REGISTRY if photo.media == "video" else REGISTRY


def time_until(name: str, media: str = "photo") -> float:
    """The fraction of a photo's (or video's) time budget that may be spent when check `name`
    is done."""
    video = media == "video"
    names = [c.NAME for c in (VIDEO_REGISTRY if video else REGISTRY)]
    shares = VIDEO_TIME_SHARES if video else TIME_SHARES
    total = sum(shares[n] for n in names)
    return sum(shares[n] for n in names[: names.index(name) + 1]) / total


__all__ = ["REGISTRY", "VIDEO_REGISTRY", "CheckContext", "CheckRun", "TrustInfo", "run_checks"]


def cache_key(check: Check, photo: Photo, ctx: CheckContext) -> str:
    return f"{photo.sha256}:{check.NAME}:{check.VERSION}:{check.context_key(ctx, photo)}"


@dataclass
class CheckRun:
    check: Check
    findings: list[Finding]
    status: CheckStatusJSON
    new: dict[str, list[FindingJSON]]  # cache entries this run made (errors are not cached)


def run_checks(
    photo: PhotoData,
    ctx: CheckContext,
    cached: Callable[[str], list[FindingJSON] | None],
    skip: Collection[str] = (),
    starting: Callable[[str], None] = lambda name: None,
) -> Iterator[CheckRun]:
    """Run every check (but those in `skip`) on one photo, yielding each result as it completes.
    `cached` looks a cache key up in stored findings. A failing check becomes an error finding
    and never stops the others."""
    for check in registry_for(photo.photo):
        if check.NAME in skip:
            continue
        key = cache_key(check, photo.photo, ctx)
        hit = cached(key)
        if hit is not None:
            findings = [Finding.from_json(f) for f in hit]
            yield CheckRun(check, findings, status_line(check, "ok", cached=True), {})
            continue
        starting(check.NAME)
        try:
            result = check.run(photo, ctx)
        except PixelsUnavailable as e:
            yield CheckRun(
                check, [_not_run(check, str(e))], status_line(check, "not_run", False), {}
            )
            continue
        except Exception as e:  # one broken check must not take the others down
            yield CheckRun(
                check, [_error_finding(check, e)], status_line(check, "error", False), {}
            )
            continue
        new = {key: [f.to_json("zh") for f in result]}
        yield CheckRun(check, result, status_line(check, "ok", cached=False), new)


def by_name(name: str) -> Check:
    return next(c for c in (*REGISTRY, *VIDEO_REGISTRY) if name == c.NAME)


def status_line(
    check: Check, status: Literal["ok", "error", "not_run"], cached: bool
) -> CheckStatusJSON:
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


def _not_run(check: Check, why: str) -> Finding:
    if why.startswith(DECODE_BUDGET):
        text = Text(
            "图片尺寸太大，解码需要的内存超过上限（{why}），这项需要看画面的检查没有运行；"
            "文件本身和其中的元数据已保留为证据。",
            "The picture is too large to decode within the memory limit ({why}), so this "
            "check, which needs the picture, did not run; the file and its metadata are kept "
            "as evidence.",
        ).format(why=why.removeprefix(DECODE_BUDGET + ": "))
    else:
        text = Text(
            "图片的像素无法解码（文件不完整或已损坏），这项需要看画面的检查没有运行；"
            "文件本身和其中的元数据已保留为证据。",
            "The photo's pixels cannot be decoded (the file is incomplete or damaged), so this "
            "check, which needs the picture, did not run; the file and its metadata are kept "
            "as evidence.",
        )
    return Finding(check.NAME, "pixels_unavailable", "error", text, {"error": why})

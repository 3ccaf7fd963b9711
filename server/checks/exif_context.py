"""EXIF as context: capture time against the case timeline, camera, GPS, the embedded
thumbnail against the main image, and which metadata survived at all.

Limits: EXIF is unsigned and trivially edited; a camera clock may be wrong and EXIF times
carry no time zone (read as China time, UTC+8, unless OffsetTimeOriginal says otherwise).
Context worth showing, never proof on its own.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageOps

from ..domain import dates
from ..domain.cases import TIMELINE, TIMELINE_NAMES, Finding, Photo
from ..domain.contract import Strength
from ..formats.exif_fields import IFD_GPS, T, tag, text
from ..text import Text
from .base import CheckContext
from .parsed import ExifData, PhotoData

NAME = "exif_context"
VERSION = "3"  # 2: metadata kinds named in words; 3: every date form server/domain/dates.py reads
TITLE = Text("EXIF 拍摄信息与案件时间线", "EXIF capture data and case timeline")
LIMITS = Text(
    "EXIF 没有签名，可以随意修改；相机时钟可能不准，EXIF 时间不带时区（除非有 OffsetTimeOriginal，"
    "按北京时间 UTC+8 理解）。这些是值得展示的背景信息，单独不能作为证明。",
    "EXIF is unsigned and easily edited; camera clocks can be wrong, and EXIF times carry no "
    "time zone (read as China time, UTC+8, unless OffsetTimeOriginal says otherwise). Context "
    "worth showing, never proof on its own.",
)
CHINA = timezone(timedelta(hours=8))
SLACK = timedelta(hours=1)  # camera clocks drift; do not argue about minutes
CAPTURE_TAGS = (T.ExposureTime, T.FNumber, T.ISOSpeedRatings, T.FocalLength)


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return "|".join(str(ctx.facts.get(k) or "") for k in TIMELINE)


def _exif_time(ex: Image.Exif) -> tuple[datetime | None, dict[str, Any]]:
    for tag_id, name in (
        (T.DateTimeOriginal, "DateTimeOriginal"),
        (T.DateTimeDigitized, "DateTimeDigitized"),
        (T.DateTime, "DateTime"),
    ):
        raw = text(ex, tag_id)
        if not raw:
            continue
        try:
            t = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            return None, {"field": name, "raw": raw, "problem": "unreadable"}
        offset = text(ex, T.OffsetTimeOriginal) if name == "DateTimeOriginal" else None
        tz: tzinfo = CHINA
        if offset:
            try:
                tz = datetime.strptime(offset, "%z").tzinfo or CHINA
            except ValueError:
                offset = None
        return t.replace(tzinfo=tz), {
            "field": name,
            "raw": raw,
            "offset": offset or "assumed +08:00",
        }
    return None, {}


def _timeline(ex: ExifData, facts: dict[str, Any]) -> list[Finding]:
    taken, where = _exif_time(ex.exif)
    if taken is None:
        return []
    # every form a seller or a console writes (and text an older version stored) is read
    # the same way; what still does not parse is left out, never guessed
    events = {k: dates.read(facts.get(k)) for k in TIMELINE}
    known = {k: v for k, v in events.items() if v}
    data = {
        "capture_time": taken.isoformat(),
        **where,
        "timeline": {k: v.iso() for k, v in known.items()},
        "slack_hours": SLACK.total_seconds() / 3600,
    }
    signal, strength, text = _against_timeline(taken, known)
    return [Finding(NAME, signal, strength, text, data)]


def _against_timeline(taken: datetime, known: dict[str, dates.When]) -> tuple[str, Strength, Text]:
    """The capture time against the case's events: before the goods arrived (a whole day:
    before it began), after the refund was asked for (a whole day: after it ended), or
    consistent (which speaks for the buyer)."""
    when = dates.shown(taken)
    if not known:
        return (
            "capture_time",
            "none",
            Text(
                f"EXIF 拍摄时间：{when}（案件没有时间线，无法比较）。",
                f"EXIF capture time: {when} (the case has no timeline to compare).",
            ),
        )
    arrived_key = next(
        (k for k in ("delivered_at", "shipped_at", "ordered_at") if k in known), None
    )
    refund = known.get("refund_requested_at")
    if arrived_key and taken < known[arrived_key].start - SLACK:
        arrived, at = TIMELINE_NAMES[arrived_key], known[arrived_key].shown()
        return (
            "captured_before_" + arrived_key.removesuffix("_at"),
            "supporting",
            Text(
                f"EXIF 拍摄时间 {when} 早于{arrived.zh}时间 {at}："
                "照片不可能拍的是这次收到的货（除非相机时间有误或 EXIF 被改过）。",
                f"EXIF capture time {when} is before the {arrived.en} ({at}): the photo cannot "
                "show the goods of this order (unless the camera clock was wrong or the EXIF "
                "was edited).",
            ),
        )
    if refund and taken > refund.end + SLACK:
        return (
            "captured_after_refund_request",
            "supporting",
            Text(
                f"EXIF 拍摄时间 {when} 晚于申请退款时间 {refund.shown()}。",
                f"EXIF capture time {when} is after the refund request ({refund.shown()}).",
            ),
        )
    return (
        "capture_time_consistent",
        "counter",
        Text(
            f"对买家有利：EXIF 拍摄时间 {when} 与案件时间线相符（EXIF 可被修改）。",
            f"Speaks for the buyer: the EXIF capture time {when} fits the case "
            "timeline (EXIF can be edited).",
        ),
    )


def _camera(ex: ExifData) -> list[Finding]:
    make, model = text(ex.exif, T.Make), text(ex.exif, T.Model)
    if not (make or model) or (make and "ideogram" in make.lower()):
        return []
    settings = {
        ExifTags.TAGS[t]: str(tag(ex.exif, t)) for t in CAPTURE_TAGS if tag(ex.exif, t) is not None
    }
    data = {"make": make, "model": model, "capture_settings": settings}
    camera = " ".join(x for x in (make, model) if x)
    if settings:
        return [
            Finding(
                NAME,
                "camera_capture_metadata",
                "counter",
                Text(
                    f"对买家有利：EXIF 记录了相机 {camera} 及拍摄参数，像是相机直出（EXIF 可被复制或伪造）。",
                    f"Speaks for the buyer: EXIF records the camera {camera} with exposure settings, as a "
                    "camera original would (EXIF can be copied or forged).",
                ),
                data,
            )
        ]
    return [
        Finding(
            NAME,
            "camera_model",
            "none",
            Text(
                f"EXIF 写有相机型号 {camera}，但没有拍摄参数。",
                f"EXIF names the camera {camera}, without exposure settings.",
            ),
            data,
        )
    ]


def _gps(ex: ExifData) -> list[Finding]:
    gps = ex.exif.get_ifd(IFD_GPS)
    if not gps:
        return []
    return [
        Finding(
            NAME,
            "gps_present",
            "none",
            Text(
                "EXIF 中有 GPS 位置信息。",
                "EXIF carries a GPS position.",
            ),
            {"gps": {ExifTags.GPSTAGS.get(k, str(k)): str(v) for k, v in gps.items()}},
        )
    ]


def _trim_bars(im: Image.Image) -> Image.Image:
    """Cameras letterbox 16:9 photos into 4:3 thumbnails with black bars: cut them off."""
    a = np.asarray(im, dtype=np.float32)
    rows, cols = np.where(a.mean(axis=1) > 8)[0], np.where(a.mean(axis=0) > 8)[0]
    if len(rows) < 4 or len(cols) < 4:
        return im
    return im.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))


def compare_thumbnail(thumb: Image.Image, main: Image.Image) -> dict[str, Any]:
    """Normalised correlation overall and the worst 8×8 block: a local edit (a painted crack)
    leaves the overall picture alike but one block very different."""
    thumb = _trim_bars(ImageOps.grayscale(thumb))
    main_g = ImageOps.grayscale(main)
    ta, ma = thumb.width / thumb.height, main_g.width / main_g.height
    size = (64, 64)
    t = np.asarray(thumb.resize(size, Image.Resampling.BOX), dtype=np.float32)
    m = np.asarray(main_g.resize(size, Image.Resampling.BOX), dtype=np.float32)
    tn, mn = (t - t.mean()) / (t.std() + 1e-6), (m - m.mean()) / (m.std() + 1e-6)
    corr = float((tn * mn).mean())
    diff = np.abs(tn - mn).reshape(8, 8, 8, 8).mean(axis=(1, 3))
    return {
        "correlation": round(corr, 3),
        "worst_block_difference": round(float(diff.max()), 3),
        "aspect_thumbnail": round(ta, 3),
        "aspect_main": round(ma, 3),
    }


def _thumbnail(ex: ExifData, photo: PhotoData) -> list[Finding]:
    ifd1 = ex.exif.get_ifd(ExifTags.IFD.IFD1)
    start, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if not start or not length:
        return []
    raw = ex.block.payload[start : start + length]
    try:
        thumb = Image.open(io.BytesIO(raw))
        thumb.load()
    except Exception:
        return []
    stats = compare_thumbnail(thumb, photo.stored)
    data = {
        "thumbnail_size": list(thumb.size),
        "thumbnail_bytes": length,
        **stats,
        "placement": {**ex.block.describe(), "field": "EXIF IFD1 thumbnail"},
    }
    aspect_off = abs(stats["aspect_thumbnail"] - stats["aspect_main"]) > 0.05 * stats["aspect_main"]
    if stats["correlation"] < 0.8 or stats["worst_block_difference"] > 1.2 or aspect_off:
        return [
            Finding(
                NAME,
                "thumbnail_mismatch",
                "supporting",
                Text(
                    "EXIF 内嵌缩略图与主图不一致：拍摄后图片被编辑或裁剪过，而缩略图还是原来的样子。",
                    "The EXIF thumbnail does not match the main image: the picture was edited or cropped "
                    "after capture while the thumbnail still shows the original.",
                ),
                data,
            )
        ]
    return [
        Finding(
            NAME,
            "thumbnail_matches",
            "none",
            Text(
                "EXIF 内嵌缩略图与主图一致。",
                "The EXIF thumbnail matches the main image.",
            ),
            data,
        )
    ]


# Metadata block kinds (server/formats/containers.py) as a reader names them.
KIND_NAMES = {
    "exif": Text("EXIF", "EXIF"),
    "xmp": Text("XMP", "XMP"),
    "text": Text("文本块", "text chunks"),
    "comment": Text("注释", "comment"),
    "icc": Text("ICC 色彩配置", "ICC colour profile"),
    "c2pa": Text("C2PA 内容凭证", "C2PA content credentials"),
}


def _survived(photo: PhotoData) -> Finding:
    kinds = sorted({b.kind for b in photo.blocks if b.kind != "app"})
    data = {"metadata_kinds": kinds, "structure": photo.walk.structure[:200]}
    if not {"exif", "xmp", "c2pa", "text"} & set(kinds):
        return Finding(
            NAME,
            "metadata_stripped",
            "none",
            Text(
                "图片没有任何 EXIF、XMP、文本或内容凭证元数据：很可能被平台或截图去掉了，所以各项标识检查"
                "无从判断。",
                "The image has no EXIF, XMP, text or content-credential metadata at all: most likely "
                "stripped by the platform or a screenshot, so the label checks have nothing to read.",
            ),
            data,
        )
    named = Text.join([KIND_NAMES.get(k) or Text.same(k) for k in kinds], Text("、", ", "))
    return Finding(
        NAME,
        "metadata_present",
        "none",
        Text(f"保留下来的元数据：{named.zh}。", f"Metadata that survived: {named.en}."),
        data,
    )


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    findings = [_survived(photo)]
    if photo.exif:
        ex = photo.exif[0]
        findings += _timeline(ex, ctx.facts) + _camera(ex) + _gps(ex) + _thumbnail(ex, photo)
    return findings

"""What a video's container says about how it was made, and whether that adds up: an encoder
string of ffmpeg (`Lavf…`) or x264 in the stream means "processed, not a camera original";
Apple `make/model` tags beside such an encoder are a contradiction (tools strip AI labels and
inject Apple tags with a stream-copy re-mux, DOMAIN.md §8); the creation time against the
case's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import dates
from ..domain.cases import TIMELINE, TIMELINE_NAMES, Finding, Photo
from ..text import Text
from .base import CheckContext
from .exif_context import SLACK
from .parsed import PhotoData
from .video_parsed import VideoData
from .video_traces import ENCODER_UUIDS

NAME = "video_context"
VERSION = "1"
TITLE = Text("视频来源与时间", "Video origin and time")
LIMITS = Text(
    "容器里的设备、软件和时间都能被改写；这里只指出互相矛盾之处（辅助证据），不能证明视频是假的。"
    "平台转码后的视频通常也带转码软件的名字。",
    "The device, software and times in a container can all be rewritten; this only points out "
    "what contradicts itself (supporting evidence) and cannot prove a video fake. Videos a "
    "platform transcoded usually carry the transcoder's name too.",
)

APPLE_KEYS = ("com.apple.quicktime.make", "com.apple.quicktime.model")
ENCODER_KEYS = ("encoder", "©too", "©swr", "com.apple.quicktime.software", "©enc")
CREATION_KEYS = ("com.apple.quicktime.creationdate", "creation_time", "©day")
PROCESSORS = ("Lavf", "Lavc", "x264", "x265", "ffmpeg", "HandBrake")


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return "|".join(str(ctx.facts.get(k) or "") for k in TIMELINE)


def _values(video: VideoData, keys: tuple[str, ...]) -> dict[str, str]:
    return {i.key: i.value.strip("\0 ") for i in video.movie.items if i.key in keys}


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    assert isinstance(photo, VideoData)
    findings = _origin(photo)
    findings += _timeline(photo, ctx.facts)
    return findings


def _origin(video: VideoData) -> list[Finding]:
    apple = _values(video, APPLE_KEYS)
    software = _values(video, ENCODER_KEYS)
    in_stream = sorted({ENCODER_UUIDS[m.uuid] for m in video.user_data if m.uuid in ENCODER_UUIDS})
    processed = sorted(
        {f"{k}={v}" for k, v in software.items() if any(p in v for p in PROCESSORS)}
        | {f"SEI={e}" for e in in_stream}
    )
    data: dict[str, Any] = {"apple_tags": apple, "software": software, "stream_encoders": in_stream}
    if apple and processed:
        text = Text(
            f"矛盾：视频带有苹果设备标记（{'，'.join(apple.values())}），但由 "
            f"{'、'.join(processed)} 编码或封装——iPhone 不用这些软件。去除 AI 标识的工具常这样"
            "伪装成手机拍摄。",
            f"Contradiction: the video carries Apple device tags ({', '.join(apple.values())}) "
            f"but was encoded or muxed by {', '.join(processed)}, which an iPhone does not use. "
            "Tools that strip AI labels disguise videos as phone footage this way.",
        )
        return [Finding(NAME, "apple_tags_with_processor", "supporting", text, data)]
    if processed:
        text = Text(
            f"视频经过软件处理（{'、'.join(processed)}），不是相机原片；平台转码也会留下这些名字。",
            f"The video was processed by software ({', '.join(processed)}), not a camera "
            "original; platform transcoding leaves these names too.",
        )
        return [Finding(NAME, "processed", "none", text, data)]
    if apple:
        text = Text(
            f"容器记录的拍摄设备：{'，'.join(apple.values())}（可被改写）。",
            f"Recording device in the container: {', '.join(apple.values())} (can be rewritten).",
        )
        return [Finding(NAME, "device_tags", "none", text, data)]
    return []


def _created(video: VideoData) -> tuple[datetime | None, str]:
    """When the container says the video was made: Apple's creationdate (with its offset),
    else the movie header's time (UTC); read by the same parser as the case's dates."""
    for key, value in _values(video, CREATION_KEYS).items():
        found = dates.read(value[:40])
        if found and not found.whole_day:
            return found.start, key
    if video.movie.created:
        found = dates.read(video.movie.created)
        if found:
            return found.start, "mvhd creation_time"
    return None, ""


def _timeline(video: VideoData, facts: dict[str, Any]) -> list[Finding]:
    created, field = _created(video)
    known = {k: t for k in TIMELINE if (t := dates.read(facts.get(k)))}
    if created is None or not known:
        return []
    when = dates.shown(created)
    data = {
        "created": created.isoformat(),
        "field": field,
        "timeline": {k: v.iso() for k, v in known.items()},
    }
    arrived = next((k for k in ("delivered_at", "shipped_at", "ordered_at") if k in known), None)
    if arrived and created < known[arrived].start - SLACK:
        name, at = TIMELINE_NAMES[arrived], known[arrived].shown()
        text = Text(
            f"视频创建时间 {when}（{field}）早于{name.zh}时间 {at}：拍的不可能是这次收到的货"
            "（除非设备时间有误或被改过）。",
            f"The video's creation time {when} ({field}) is before the {name.en} ({at}): it "
            "cannot show the goods of this order (unless the clock was wrong or it was edited).",
        )
        signal = "created_before_" + arrived.removesuffix("_at")
        return [Finding(NAME, signal, "supporting", text, data)]
    refund = known.get("refund_requested_at")
    if refund and created > refund.end + SLACK:
        text = Text(
            f"视频创建时间 {when}（{field}）晚于申请退款时间 {refund.shown()}。",
            f"The video's creation time {when} ({field}) is after the refund request "
            f"({refund.shown()}).",
        )
        return [Finding(NAME, "created_after_refund_request", "supporting", text, data)]
    text = Text(
        f"视频创建时间 {when}（{field}）与案件时间线相符（可被改写）。",
        f"The video's creation time {when} ({field}) fits the case timeline (can be rewritten).",
    )
    return [Finding(NAME, "created_consistent", "none", text, data)]

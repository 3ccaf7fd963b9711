"""GB 45438 implicit label (隐式标识) in a video's container metadata, in every layout known
(DOMAIN.md §8): the TC260 `AIGC` key of a `moov/udta/meta` keys+ilst (what ffmpeg writes with
`-movflags use_metadata_tags`), Doubao iOS's QuickTime `meta` straight under `moov` and its
`udta/meta` ilst with a numeric item and no keys, iTunes `----` items named AIGC, any other
item whose value is label JSON, and XMP `TC260:AIGC` in a `uuid` or `XMP_` box. The boxes are
read by our own reader (server/formats/isobmff.py): PyAV, pymediainfo and ExifTool each miss
one of Doubao's layouts."""

from __future__ import annotations

from typing import Any

from ..domain.cases import Finding, Photo
from ..domain.contract import Strength
from ..formats import gb45438, xmp
from ..formats.movie import Item
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData
from .video_parsed import VideoData

NAME = "video_label"
VERSION = "1"
TITLE = Text("视频隐式标识（GB 45438）", "Video implicit label (GB 45438)")
LIMITS = Text(
    "只读取 MP4/MOV 容器里的元数据。用 ffmpeg 等工具默认转存或流复制重新封装就会去掉标识，"
    "所以“未发现标识”不说明视频是实拍的；没有签名的标识可以被伪造或删除。MKV/WebM 和纯音频文件"
    "中的 AIGC 标签目前不读取。",
    "Reads only the MP4/MOV container's metadata. A default ffmpeg write or a stream-copy "
    "re-mux drops the label, so 'no label found' does not mean the video is real footage; an "
    "unsigned label can be forged or removed. AIGC tags in MKV/WebM and audio-only files are "
    "not read yet.",
)

MAX_CANDIDATES = 64  # items read for labels: a real file has one, a crafted one thousands

LAYOUT_NAMES = {
    "keys": Text("keys + ilst 元数据", "keys + ilst metadata"),
    "ilst": Text("无 keys 的 ilst 元数据", "ilst metadata without keys"),
    "udta": Text("QuickTime 用户数据", "QuickTime user data"),
    "xmp": Text("XMP", "XMP"),
}


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def placement(item: Item) -> dict[str, Any]:
    """Where a value sits, as the report names it."""
    return {
        "layout": item.layout,
        "layout_name": LAYOUT_NAMES[item.layout].to_json(),
        "key": item.key,
        "boxes": item.path,
        "handler": item.handler,
        "offset": item.offset,
    }


def _candidates(video: VideoData) -> list[tuple[Item, str]]:
    """(item, text) of every value that may hold a label: an AIGC key, XMP with TC260:AIGC,
    or any value holding the label's field names (Doubao's numeric item)."""
    out: list[tuple[Item, str]] = []
    for item in video.movie.items:
        if item.layout == "xmp":
            for prop in xmp.parse(item.value).props:
                if "AIGC" in prop.name.upper():
                    out.append((item, prop.value))
        elif "AIGC" in item.key.upper() or "ContentProducer" in item.value:
            out.append((item, item.value))
    return out[:MAX_CANDIDATES]


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    assert isinstance(photo, VideoData)
    findings: list[Finding] = []
    for item, value in _candidates(photo):
        parsed = gb45438.parse_value(value)
        if parsed is not None:
            findings.append(_label(item, *parsed))
        elif "AIGC" in item.key.upper():
            text = Text(
                "视频中有名为 AIGC 的元数据，但内容不是可读的标识 JSON（可能被破坏或篡改）。",
                "The video has metadata named AIGC whose value is not readable label JSON "
                "(possibly damaged or tampered with).",
            )
            data = {"placement": placement(item), "value": value[:500]}
            findings.append(Finding(NAME, "aigc_field_unreadable", "supporting", text, data))
    if not any(f.signal == "gb45438_label" for f in findings):
        text = Text(
            "视频元数据中未发现 GB 45438 隐式标识（不确定：转存或重新封装就会丢失）。",
            "No GB 45438 implicit label in the video's metadata (inconclusive: a re-save or "
            "re-mux loses it).",
        )
        movie = photo.movie
        seen: dict[str, Any] = {
            "metadata_items": [placement(i) for i in movie.items[:MAX_CANDIDATES]],
            # what the file is made of: a re-muxed file shows its tool's layout
            "top_level_boxes": list(movie.top[:64]),
            "brands": list(movie.brands),
            "c2pa_box": movie.c2pa_box,
            "damaged_containers": list(movie.damaged),
        }
        findings.append(Finding(NAME, "no_label", "none", text, seen))
    return findings


def _label(item: Item, fields: dict[str, Any], form: str) -> Finding:
    label = str(fields.get("Label", ""))
    producer = gb45438.decode_party(str(fields.get("ContentProducer") or ""))
    signed = any(fields.get(k) for k in ("ReservedCode1", "ReservedCode2"))
    zh_mean, en_mean = gb45438.LABEL_MEANING.get(
        label, ("标识取值无法识别", "has an unknown Label value")
    )
    who_zh = producer.get("service") or producer.get("uscc") or producer["raw"] or "未写明"
    who_en = producer.get("service") or producer.get("uscc") or producer["raw"] or "not given"
    where = LAYOUT_NAMES[item.layout]
    text = Text(
        f"GB 45438 隐式标识（{where.zh}，{item.path or '顶层'}）：声明该视频{zh_mean}；"
        f"生成服务：{who_zh}；内容编号 {fields.get('ProduceID') or '无'}。"
        + ("标识含保护数据（ReservedCode），本工具未验证。" if signed else "标识未签名。"),
        f"GB 45438 implicit label ({where.en}, {item.path or 'top level'}): declares the video "
        f"{en_mean}; produced by {who_en}; content id {fields.get('ProduceID') or 'none'}. "
        + (
            "It carries protection data (ReservedCode), not verified here."
            if signed
            else "The label is unsigned."
        ),
    )
    strength: Strength = "strong" if label == "1" else "supporting"
    data = {
        "placement": placement(item),
        "form": form,
        "fields": fields,
        "producer": producer,
        "reserved_code_present": signed,
        "problems": gb45438.problems(fields),
    }
    return Finding(NAME, "gb45438_label", strength, text, data)

"""What AI video generators leave besides the GB 45438 label (DOMAIN.md §8): Kling's
`kling-ai` H.264 SEI message (user-data-unregistered UUID 91ca6061…ae2e), which survives a
re-mux; Dreamina's (即梦) JSON with `product:"dreamina"` or `aigc_label_type` ≥ 1. CapCut,
剪映 and Douyin write `DreaminaMetaInfo` and `aigc_label_type:0` on real footage too: that is
stated as not an AI declaration, never counted against the buyer."""

from __future__ import annotations

import re
from typing import Any

from ..domain.cases import Finding, Photo
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData
from .video_label import placement
from .video_parsed import VideoData

NAME = "video_traces"
VERSION = "1"
TITLE = Text("视频生成器痕迹", "Video generator traces")
LIMITS = Text(
    "只认已公开的痕迹：可灵写在 H.264 码流里的 kling-ai SEI 消息（重新封装后仍在，重新编码就没了），"
    "即梦写在元数据里的 product:dreamina 或 aigc_label_type≥1。剪映、抖音导出的实拍视频也带 "
    "DreaminaMetaInfo 和 aigc_label_type:0，这不算 AI 声明。只读前 120 帧的 SEI。其他生成器的码流痕迹"
    "不认识。",
    "Knows only published traces: Kling's kling-ai SEI message in the H.264 stream (it survives "
    "a re-mux, not a re-encode) and Dreamina's product:dreamina or aigc_label_type ≥ 1 in the "
    "metadata. CapCut/剪映 and Douyin exports of real footage carry DreaminaMetaInfo and "
    "aigc_label_type:0 too: that is not an AI declaration. SEI is read from the first 120 "
    "frames only. Other generators' stream traces are not known.",
)

KLING_UUID = "91ca60614aee385486142d5f73f4ae2e"
# user-data UUIDs of encoders, named in the finding's data (what made the stream)
ENCODER_UUIDS = {
    "dc45e9bde6d948b7962cd820d923eeef": "x264",
    "2ca2de09b51747dbbb55a4fe7fc2fc4e": "x265",
}
_LABEL_TYPE = re.compile(r'"aigc_label_type"\s*:\s*"?(-?\d+)')
_PRODUCT = re.compile(r'"(?:product|source_info)"\s*:\s*"([^"]{1,64})"')


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def _printable(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0][:200].decode("ascii", "replace")


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    assert isinstance(photo, VideoData)
    findings: list[Finding] = []
    messages = photo.user_data
    kling = [m for m in messages if m.uuid == KLING_UUID or b"kling-ai" in m.payload[:64]]
    if kling:
        text = Text(
            "视频码流中有可灵（Kling）写入的 SEI 消息“kling-ai”：这是可灵生成视频的痕迹，"
            "重新封装不会去掉它。",
            "The video stream carries the SEI message 'kling-ai' that Kling writes: a trace of "
            "a Kling-generated video, which a re-mux does not remove.",
        )
        kling_data = {
            "generator": "可灵 Kling",
            "sei_uuid": kling[0].uuid,
            "sei_text": _printable(kling[0].payload),
        }
        findings.append(Finding(NAME, "kling_sei", "strong", text, kling_data))
    findings += _dreamina(photo)
    if not any(f.strength == "strong" for f in findings):
        text = Text(
            "未发现已知生成器的痕迹（不确定：重新编码会去掉码流痕迹）。",
            "No known generator trace found (inconclusive: re-encoding removes stream traces).",
        )
        encoders = sorted({ENCODER_UUIDS[m.uuid] for m in messages if m.uuid in ENCODER_UUIDS})
        data: dict[str, Any] = {
            "sei_user_data": [
                {"uuid": m.uuid, "text": _printable(m.payload)} for m in messages[:16]
            ],
            "encoders_in_stream": encoders,
        }
        findings.append(Finding(NAME, "no_trace", "none", text, data))
    return findings


def _dreamina(video: VideoData) -> list[Finding]:
    ai, zero, doubao = [], [], []
    for item in video.movie.items:
        flat = item.value.replace("\\", "")
        types = [int(t) for t in _LABEL_TYPE.findall(flat)]
        products = [p.lower() for p in _PRODUCT.findall(flat)]
        if any(t >= 1 for t in types) or ("dreamina" in products and "generation" in flat):
            ai.append({**placement(item), "value": item.value[:500]})
        elif types or "DreaminaMetaInfo" in item.key or "DreaminaMetaInfo" in flat:
            zero.append({**placement(item), "value": item.value[:500]})
        elif "doubao" in products:
            doubao.append({**placement(item), "value": item.value[:500]})
    out = []
    if doubao:
        text = Text(
            "元数据中写有 product:doubao（豆包 App 导出视频时写入，与其 AI 生成视频的隐式标识一同出现），"
            "没有签名；单独出现时只是辅助证据。",
            "The metadata says product:doubao (written by the Doubao app when it exports a video, "
            "beside the implicit label of its AI-generated videos), unsigned; on its own it is "
            "supporting evidence only.",
        )
        data = {"generator": "豆包 Doubao", "items": doubao}
        out.append(Finding(NAME, "doubao_export", "supporting", text, data))
    if ai:
        text = Text(
            "元数据中有即梦（Dreamina）的生成记录（product:dreamina 或 aigc_label_type≥1），"
            "没有签名。",
            "The metadata holds Dreamina's generation record (product:dreamina or "
            "aigc_label_type ≥ 1), unsigned.",
        )
        data = {"generator": "即梦 Dreamina", "items": ai}
        out.append(Finding(NAME, "dreamina_metadata", "strong", text, data))
    elif zero:
        text = Text(
            "元数据中有剪映/抖音的导出信息（DreaminaMetaInfo 或 aigc_label_type:0）：实拍视频经这些"
            "应用导出也会带上，不是 AI 声明。",
            "The metadata holds CapCut/Douyin export information (DreaminaMetaInfo or "
            "aigc_label_type:0): real footage exported by these apps carries it too; it is not "
            "an AI declaration.",
        )
        out.append(Finding(NAME, "editor_export_not_ai", "none", text, {"items": zero}))
    return out

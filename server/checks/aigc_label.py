"""GB 45438-2025 implicit label (隐式标识) in the file's metadata, in every known placement.

Limits: reads only what the file carries; a screenshot, re-save or platform re-encode strips
the label, so its absence proves nothing. An unsigned label can be forged or removed.
"""

from __future__ import annotations

from typing import Any

from ..domain.cases import Finding, Photo
from ..domain.contract import Strength
from ..formats import gb45438
from ..formats.exif_fields import T, text, user_comment
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData

NAME = "aigc_label"
VERSION = "1"
TITLE = Text("GB 45438 隐式标识", "GB 45438 implicit label")
LIMITS = Text(
    "只读取文件自带的元数据标识。截图、另存或平台重新压缩都会去掉隐式标识，所以“未发现标识”不能说明"
    "图片是真实拍摄的；ReservedCode 为空的标识没有签名，可以被伪造或删除。",
    "Reads only the metadata label the file carries. Screenshots, re-saves and platform "
    "re-encoding strip implicit labels, so 'no label found' does not mean the photo is a real "
    "capture; a label with empty ReservedCode is unsigned and can be forged or removed.",
)


LABEL_SIGNALS = ("gb45438_label", "aigc_label_nonstandard")


MAX_CANDIDATES = 64  # values read per photo: a real file has one label, a crafted one thousands


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def _candidates(photo: PhotoData) -> list[tuple[dict[str, Any], str]]:
    """(placement, raw value) of every metadata value that may hold a label."""
    out: list[tuple[dict[str, Any], str]] = []
    for p in photo.xmp:
        raw = p.block.text()
        if "AIGC" in raw and not any("AIGC" in prop.name.upper() for prop in p.packet.props):
            # XMP too broken to read the field: keep the raw text after it, so the seller still
            # learns a (damaged) label is there.
            out.append(
                ({**p.block.describe(), "field": "AIGC (damaged XMP)"}, raw[raw.find("AIGC") :])
            )
        for prop in p.packet.props:
            if "AIGC" in prop.name.upper():
                where = {
                    **p.block.describe(),
                    "field": f"{prop.name} ({prop.form})",
                    "namespace": prop.ns,
                }
                out.append((where, prop.value))
    for b in photo.texts():
        if b.oversized:
            continue
        value = b.text()
        if "AIGC" in b.key.upper() or ("AIGC" in value and "{" in value):
            out.append((b.describe(), value))
    for ex in photo.exif:
        for field, found in (
            ("UserComment", user_comment(ex.exif)),
            ("ImageDescription", text(ex.exif, T.ImageDescription)),
        ):
            if found and "AIGC" in found.upper():
                out.append(({**ex.block.describe(), "field": f"EXIF {field}"}, found))
    for b in photo.blocks:
        if b.kind == "app" and b"AIGC" in b.payload:
            at = b.payload.find(b"AIGC")
            out.append(
                (
                    {**b.describe(), "field": f"bare blob at +{at}"},
                    b.payload[at:].decode("utf-8", errors="replace"),
                )
            )
    if not out:
        out = _raw_scan(photo.data)
    return out[:MAX_CANDIDATES]


def _raw_scan(data: bytes) -> list[tuple[dict[str, Any], str]]:
    """Last resort for placements the walker does not know (e.g. an uncompressed XMP item in
    a HEIF meta box): the text after each `AIGC` in the raw bytes."""
    out: list[tuple[dict[str, Any], str]] = []
    at = data.find(b"AIGC")
    while at >= 0 and len(out) < 8:
        out.append(
            (
                {"where": "raw bytes", "offset": at, "length": None},
                data[at : at + 4096].decode("utf-8", errors="replace"),
            )
        )
        at = data.find(b"AIGC", at + 4)
    return out


def _label_finding(where: dict[str, Any], fields: dict[str, Any], form: str) -> Finding:
    if "ServiceProvider" in fields or "ServiceUser" in fields:
        provider = str(fields.get("ServiceProvider", ""))
        return Finding(
            NAME,
            "aigc_label_nonstandard",
            "strong",
            Text(
                f"文件带有非标准的 AIGC 标识（腾讯云格式），服务提供者：{provider or '未写明'}。",
                f"The file carries a non-standard AIGC label (Tencent Cloud form), service provider: "
                f"{provider or 'not given'}.",
            ),
            {"placement": where, "form": form, "fields": fields},
        )
    label = str(fields.get("Label", ""))
    producer = gb45438.decode_party(str(fields.get("ContentProducer", "")))
    propagator = gb45438.decode_party(str(fields.get("ContentPropagator", "")))
    reserved = {k: fields.get(k) for k in ("ReservedCode1", "ReservedCode2")}
    signed = any(reserved.values())
    data = {
        "placement": where,
        "form": form,
        "fields": fields,
        "label_meaning": gb45438.LABEL_MEANING.get(label, ("未知取值", "unknown value"))[1],
        "producer": producer,
        "propagator": propagator,
        "produce_id": fields.get("ProduceID"),
        "reserved_code_present": signed,
        "problems": gb45438.problems(fields),
    }
    zh_mean, en_mean = gb45438.LABEL_MEANING.get(
        label, ("标识取值无法识别", "has an unknown Label value")
    )
    who_zh = producer.get("service") or producer.get("uscc") or producer["raw"] or "未写明"
    who_en = producer.get("service") or producer.get("uscc") or producer["raw"] or "not given"
    uscc = f"（统一社会信用代码 {producer['uscc']}）" if "uscc" in producer else ""
    uscc_en = f" (USCC {producer['uscc']})" if "uscc" in producer else ""
    sig_zh = (
        "标识含保护数据（ReservedCode），本工具未验证其签名。"
        if signed
        else "标识未签名（ReservedCode 为空）。"
    )
    sig_en = (
        "The label carries protection data (ReservedCode), not verified by this tool."
        if signed
        else "The label is unsigned (ReservedCode empty)."
    )
    strength: Strength = "strong" if label == "1" else "supporting"
    return Finding(
        NAME,
        "gb45438_label",
        strength,
        Text(
            f"GB 45438 隐式标识：声明该图片{zh_mean}；生成服务：{who_zh}{uscc}；内容编号 "
            f"{fields.get('ProduceID') or '无'}。{sig_zh}",
            f"GB 45438 implicit label: declares the image {en_mean}; produced by {who_en}{uscc_en}; "
            f"content id {fields.get('ProduceID') or 'none'}. {sig_en}",
        ),
        data,
    )


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    unreadable: list[Finding] = []
    for where, value in _candidates(photo):
        parsed = gb45438.parse_value(value)
        if parsed is not None:
            findings.append(_label_finding(where, *parsed))
        elif where["where"] != "raw bytes":
            unreadable.append(_unreadable({"placement": where, "value": value[:500]}))
    findings += unreadable
    labels = [f for f in findings if f.signal in LABEL_SIGNALS]
    if len(labels) > 1:
        findings.append(_several(labels))
    oversized = [b.describe() for b in photo.blocks if b.oversized]
    if oversized:
        text = Text(
            "文件含有超大的元数据块，未读取其内容。",
            "The file has oversized metadata blocks; their content was not read.",
        )
        findings.append(Finding(NAME, "oversized_metadata", "none", text, {"blocks": oversized}))
    if not labels:
        text = Text(
            "未发现 GB 45438 隐式标识（不确定：标识常在转存或截图时丢失）。",
            "No GB 45438 implicit label found (inconclusive: labels are often lost when an "
            "image is re-saved or screenshotted).",
        )
        blocks = [b.describe() | {"kind": b.kind} for b in photo.blocks]
        findings.append(Finding(NAME, "no_label", "none", text, {"metadata_blocks": blocks}))
    return findings


def _unreadable(data: dict[str, Any]) -> Finding:
    text = Text(
        "文件中有名为 AIGC 的元数据字段，但内容不是可读的标识 JSON（可能被破坏或篡改）。",
        "The file has a metadata field named AIGC whose value is not readable label JSON "
        "(possibly damaged or tampered with).",
    )
    return Finding(NAME, "aigc_field_unreadable", "supporting", text, data)


def _several(labels: list[Finding]) -> Finding:
    values = {
        (f.data["fields"].get("Label"), f.data["fields"].get("ContentProducer")) for f in labels
    }
    conflicting = len(values) > 1
    text = Text(
        f"文件中有 {len(labels)} 个隐式标识（标准要求只有一个）"
        + ("，且取值互相矛盾。" if conflicting else "，取值一致。"),
        f"The file carries {len(labels)} implicit labels (the standard expects one)"
        + (", and they conflict." if conflicting else ", with the same values."),
    )
    data = {
        "count": len(labels),
        "conflicting": conflicting,
        "placements": [f.data["placement"] for f in labels],
    }
    return Finding(NAME, "multiple_labels", "none", text, data)

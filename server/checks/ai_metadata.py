"""AI and editing traces in ordinary metadata: IPTC digital source type and AI fields,
generator metadata (SD WebUI, ComfyUI, NovelAI, Midjourney, Grok, Ideogram, Samsung), and
the editing software named in EXIF/XMP.

Limits: these fields are unsigned, easy to strip and easy to forge; most platforms remove
them. Their absence proves nothing; their presence is strong but not cryptographic.
"""

from __future__ import annotations

import json
from typing import Any

from ..domain.cases import Finding, Photo
from ..formats import source_types
from ..formats.containers import Block
from ..formats.exif_fields import T, text, user_comment
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData, XmpPacket

NAME = "ai_metadata"
VERSION = "2"  # 2: the source-type code only in the data and the English text
TITLE = Text("生成工具元数据", "Generator metadata")
LIMITS = Text(
    "这些字段没有签名，容易删除也容易伪造，多数平台会去掉它们。没有发现不代表什么；发现了是有力但"
    "非密码学的证据。",
    "These fields are unsigned, easy to strip and easy to forge; most platforms remove them. "
    "Their absence proves nothing; their presence is strong but not cryptographic evidence.",
)

IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
XMP_BASIC = "http://ns.adobe.com/xap/1.0/"
ST_EVT = "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"

# Names in Software / CreatorTool that mean an AI generator wrote the file.
AI_TOOLS = (
    "stable diffusion",
    "novelai",
    "comfyui",
    "midjourney",
    "dall-e",
    "dall·e",
    "firefly",
    "leonardo",
    "ideogram",
    "flux",
    "imagen",
    "gemini",
    "chatgpt",
    "豆包",
    "doubao",
    "即梦",
    "jimeng",
    "dreamina",
    "通义",
    "tongyi",
    "可灵",
    "kling",
    "文心",
    "liblib",
    "runninghub",
    "seedream",
)
# Names that mean an editor touched the file.
EDITORS = (
    "photoshop",
    "lightroom",
    "gimp",
    "美图",
    "meitu",
    "mtxx",
    "醒图",
    "hypic",
    "snapseed",
    "picsart",
    "canva",
    "黄油相机",
    "vsco",
    "affinity",
    "pixelmator",
    "剪映",
    "capcut",
    "facetune",
    "fotor",
    "polarr",
    "泼辣",
)


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def _match(value: str, names: tuple[str, ...]) -> str | None:
    low = value.lower()
    return next((n for n in names if n in low), None)


def _iptc(photo: PhotoData) -> list[Finding]:
    out = []
    for p in photo.xmp:
        out += [
            _source_type(p, prop.value) for prop in p.packet.find(IPTC_EXT, "DigitalSourceType")
        ]
        ai_fields = {
            f: p.packet.first(IPTC_EXT, f)
            for f in ("AISystemUsed", "AISystemVersionUsed", "AIPromptInformation")
        }
        ai_fields = {k: v for k, v in ai_fields.items() if v}
        if ai_fields:
            system = ai_fields.get("AISystemUsed", "?")
            out.append(
                Finding(
                    NAME,
                    "iptc_ai_system",
                    "strong",
                    Text(
                        f"XMP 中的 IPTC 字段写明使用了 AI 系统：{system}。",
                        f"IPTC fields in XMP name the AI system used: {system}.",
                    ),
                    {"placement": p.block.describe(), "fields": ai_fields},
                )
            )
    return out


def _source_type(p: XmpPacket, value: str) -> Finding:
    name, st = source_types.classify(value)
    data = {
        "placement": p.block.describe(),
        "field": "Iptc4xmpExt:DigitalSourceType",
        "value": value,
        "rubric": st.rubric if st else None,
    }
    if st is None:
        text = Text(f"IPTC 来源类型：{name}。", f"IPTC digital source type: {name}.")
        return Finding(NAME, "iptc_source_type", "none", text, data)
    if st.kind == "capture":
        text = Text(
            f"对买家有利：XMP 中的 IPTC 来源类型声明图片{st.meaning.zh}（未签名，可被改写）。",
            f"Speaks for the buyer: the IPTC digital source type in XMP says the image was "
            f"{st.meaning.en} (unsigned, can be rewritten).",
        )
        return Finding(NAME, "iptc_capture_declared", "counter", text, data)
    text = Text(  # the code itself stays in the data; Chinese text carries no English tags
        f"XMP 中的 IPTC 来源类型声明图片{st.meaning.zh}（元数据未签名，可被改写）。",
        f"The IPTC digital source type in XMP declares the image {st.meaning.en} ({name}; "
        "unsigned metadata, can be rewritten).",
    )
    return Finding(NAME, "iptc_ai_source_type", st.strength, text, data)


def _generator(signal: str, tool: str, data: dict[str, Any]) -> Finding:
    return Finding(
        NAME,
        signal,
        "strong",
        Text(
            f"文件中有 {tool} 生成工具留下的元数据。",
            f"The file carries generator metadata left by {tool}.",
        ),
        {"generator": tool, **data},
    )


def _sd_parameters(value: str) -> dict[str, Any]:
    """Split SD WebUI parameters: prompt lines, then 'Steps: 20, Sampler: …, Seed: …'."""
    lines = value.strip().splitlines()
    settings_line = next((ln for ln in reversed(lines) if "Steps:" in ln), "")
    settings = {}
    for part in settings_line.split(", "):
        key, sep, val = part.partition(": ")
        if sep:
            settings[key.strip()] = val.strip()
    return {"prompt": lines[0][:500] if lines else "", "settings": settings}


# The generator detectors: each reads one tool's traces and returns its findings.
TextBlocks = dict[str, Block]


def _sd_webui_text(photo: PhotoData, texts: TextBlocks) -> list[Finding]:
    b = texts.get("parameters")
    if b is None or "Steps:" not in b.text():
        return []
    data = {"placement": b.describe(), **_sd_parameters(b.text())}
    return [_generator("sd_parameters", "Stable Diffusion WebUI", data)]


def _comfyui(photo: PhotoData, texts: TextBlocks) -> list[Finding]:
    comfy = {k: texts[k] for k in ("prompt", "workflow") if k in texts}
    if not comfy or not any(_is_comfy_json(b.text()) for b in comfy.values()):
        return []
    data = {
        "placements": [b.describe() for b in comfy.values()],
        "chunks": sorted(comfy),
        "excerpt": next(iter(comfy.values())).text()[:500],
    }
    return [_generator("comfyui", "ComfyUI", data)]


def _novelai(photo: PhotoData, texts: TextBlocks) -> list[Finding]:
    novel = [texts[k] for k in ("Software", "Source", "Comment") if k in texts]
    if not any("novelai" in b.text().lower() for b in novel):
        return []
    data = {
        "placements": [b.describe() for b in novel],
        "fields": {b.key: b.text()[:500] for b in novel},
    }
    return [_generator("novelai", "NovelAI", data)]


def _midjourney(photo: PhotoData, texts: TextBlocks) -> list[Finding]:
    out = []
    for key in ("Description", "Comment"):
        b = texts.get(key)
        if b and "Job ID" in b.text():
            job = b.text().split("Job ID:", 1)[-1].strip()
            data = {"placement": b.describe(), "job_id": job, "description": b.text()[:500]}
            out.append(_generator("midjourney", "Midjourney", data))
    return out


def _exif_generators(photo: PhotoData, texts: TextBlocks) -> list[Finding]:
    """SD parameters in UserComment, Grok's signature, Ideogram's Make."""
    out = []
    for ex in photo.exif:
        where = ex.block.describe()
        comment = user_comment(ex.exif)
        if comment and "Steps:" in comment and "Sampler:" in comment:
            data = {
                "placement": {**where, "field": "EXIF UserComment"},
                **_sd_parameters(comment),
            }
            out.append(_generator("sd_parameters", "Stable Diffusion WebUI", data))
        desc = text(ex.exif, T.ImageDescription)
        if desc and desc.startswith("Signature:"):
            data = {
                "placement": {**where, "field": "EXIF ImageDescription"},
                "signature": desc[len("Signature:") :].strip()[:200],
                "artist": text(ex.exif, T.Artist),
            }
            out.append(_generator("grok_signature", "xAI Grok", data))
        make = text(ex.exif, T.Make)
        if make and "ideogram" in make.lower():
            data = {"placement": {**where, "field": "EXIF Make"}, "make": make}
            out.append(_generator("ideogram", "Ideogram", data))
    return out


def _samsung(photo: PhotoData, texts: TextBlocks) -> list[Finding]:
    at = photo.data.find(b"GenAIType")
    if at < 0:
        return []
    data = {
        "placement": {"where": "raw bytes", "offset": at},
        "excerpt": photo.data[at : at + 80].decode("latin-1"),
    }
    return [_generator("samsung_genai", "Samsung Galaxy AI", data)]


GENERATORS = (_sd_webui_text, _comfyui, _novelai, _midjourney, _exif_generators, _samsung)


def _generators(photo: PhotoData) -> list[Finding]:
    texts = {b.key: b for b in photo.texts() if b.key and not b.oversized}
    return [f for detect in GENERATORS for f in detect(photo, texts)]


def _is_comfy_json(value: str) -> bool:
    try:
        obj = json.loads(value)
    except ValueError:
        return False
    if isinstance(obj, dict) and "nodes" in obj:
        return True
    return isinstance(obj, dict) and any(
        isinstance(v, dict) and "class_type" in v for v in obj.values()
    )


def _software(photo: PhotoData) -> list[Finding]:
    """Software named in EXIF Software, XMP CreatorTool and XMP History."""
    named: list[tuple[str, dict[str, Any]]] = []
    for ex in photo.exif:
        sw = text(ex.exif, T.Software)
        if sw:
            named.append((sw, {**ex.block.describe(), "field": "EXIF Software"}))
    for p in photo.xmp:
        for prop in p.packet.find(XMP_BASIC, "CreatorTool") + p.packet.find(
            ST_EVT, "softwareAgent"
        ):
            named.append((prop.value, {**p.block.describe(), "field": f"XMP {prop.name}"}))
    by_name: dict[str, list[dict[str, Any]]] = {}
    for value, where in named:
        by_name.setdefault(value, []).append(where)
    return [_software_finding(value, wheres) for value, wheres in by_name.items()]


def _software_finding(value: str, wheres: list[dict[str, Any]]) -> Finding:
    data = {"software": value, "placements": wheres}
    if _match(value, AI_TOOLS):
        text = Text(
            f"元数据写明文件由 AI 工具处理：{value}。",
            f"The metadata names an AI tool that wrote the file: {value}.",
        )
        return Finding(NAME, "ai_software", "strong", text, data)
    if _match(value, EDITORS):
        text = Text(
            f"元数据写明图片经过编辑软件处理：{value}。",
            f"The metadata names editing software that processed the image: {value}.",
        )
        return Finding(NAME, "editing_software", "supporting", text, data)
    text = Text(f"元数据中的软件名：{value}。", f"Software named in the metadata: {value}.")
    return Finding(NAME, "software", "none", text, data)


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    findings = _iptc(photo) + _generators(photo) + _software(photo)
    if not any(f.strength != "none" for f in findings):
        findings.append(
            Finding(
                NAME,
                "no_ai_metadata",
                "none",
                Text(
                    "未发现 AI 生成工具的元数据（不确定：元数据常被平台去掉）。",
                    "No AI generator metadata found (inconclusive: platforms often strip metadata).",
                ),
                {},
            )
        )
    return findings

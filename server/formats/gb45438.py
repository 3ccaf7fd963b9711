"""GB 45438-2025 Annex E implicit label: the JSON value, its fields, and producer codes."""

from __future__ import annotations

import html
import json
import re
from typing import Any

FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
LABEL_MEANING = {
    "1": ("是人工智能生成合成内容", "is AI-generated/synthesised"),
    "2": ("可能是人工智能生成合成内容", "is possibly AI-generated/synthesised"),
    "3": ("疑似人工智能生成合成内容", "is suspected to be AI-generated/synthesised"),
}

# 统一社会信用代码 (GB 32100-2015): 18 characters from this alphabet, the last a check digit.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = f"[{_USCC_CHARS}]{{18}}"
# Producer codes seen in real files: "001" + "1" + USCC + a provider suffix.
_CODE = re.compile(rf"^(\d{{3}})(\d)({_USCC})(\w*)$")

# Which AI service a USCC was seen in. "confirmed": read from real files' labels; "reported":
# secondary sources. We name the service, not the company: legal names are not verified here.
KNOWN_PRODUCERS = {
    "91110102MACQD9K640": ("豆包 Doubao", "confirmed"),
    "9144030008867405X2": ("即梦 Jimeng", "confirmed"),
    "91440300708461136T": ("腾讯元宝 Tencent Yuanbao", "confirmed"),
    "91110108335469089C": ("可灵 Kling", "reported"),
    "91440101MA9Y9T4H7A": ("通义千问 Qwen", "reported"),
    "91110000802100433B": ("百度 Baidu", "reported"),
    "91110105MACJ6K1C8A": ("LibLibAI", "reported"),
    "91340100MAEB4N8H76": ("RunningHub", "reported"),
}


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def decode_party(code: str) -> dict[str, Any]:
    """Decode a ContentProducer / ContentPropagator value: the USCC it carries, if any."""
    out: dict[str, Any] = {"raw": code}
    if not code:
        return out
    m = _CODE.match(code)
    uscc = m.group(3) if m else (code if re.fullmatch(_USCC, code) else None)
    if m:
        out.update(prefix=m.group(1), kind=m.group(2), suffix=m.group(4))
    if uscc:
        out["uscc"] = uscc
        out["uscc_checksum_ok"] = uscc_valid(uscc)
        if uscc in KNOWN_PRODUCERS:
            service, basis = KNOWN_PRODUCERS[uscc]
            out.update(service=service, service_basis=basis)
    return out


# A real label is a few hundred characters. Reading is bounded so that a crafted value costs
# at most MAX_STARTS passes over MAX_VALUE characters: trying every "{" of a long nested value
# was quadratic (a 250 KB PNG took 52 s).
MAX_VALUE = 64 * 1024
MAX_STARTS = 32


def parse_value(text: str) -> tuple[dict[str, Any], str] | None:
    """Find the label JSON in a metadata value: bare, or wrapped as {"AIGC": {...}}; HTML
    entities and a JSON-encoded string inside are tolerated. Returns (fields, form)."""
    text = text[:MAX_VALUE]
    if "&quot;" in text or "&#" in text:
        text = html.unescape(text)
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _ in range(MAX_STARTS):
        if start < 0:
            break
        try:
            obj, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        if not isinstance(obj, dict):
            return None
        inner = obj.get("AIGC")
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                inner = None
        if isinstance(inner, dict):
            return inner, "wrapped"
        if any(k in obj for k in FIELDS):
            return obj, "bare"
        return None
    return None


def problems(fields: dict[str, Any]) -> list[str]:
    """Departures from Annex E: missing or extra keys, non-string or non-ASCII values."""
    out = [f"missing {k}" for k in FIELDS if k not in fields]
    out += [f"extra key {k}" for k in fields if k not in FIELDS]
    for k, v in fields.items():
        if not isinstance(v, str):
            out.append(f"{k} is not a string")
        elif any(not (32 <= ord(c) < 127) for c in v):
            out.append(f"{k} has characters outside printable ASCII")
    return out

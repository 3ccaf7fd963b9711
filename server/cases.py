"""The domain: cases, photos, findings and verdicts. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Strengths, strongest first. `counter` is evidence that speaks for the buyer; `none` is a
# fact that weighs nothing either way; `error` means a check could not run.
STRENGTHS = ("decisive", "strong", "supporting", "counter", "none", "error")
INCRIMINATING = ("decisive", "strong", "supporting")

ROLES = ("evidence", "listing", "page_capture")
ROLE_NAMES = {
    "evidence": ("退款凭证", "refund evidence"),
    "listing": ("商品图", "listing photo"),
    "page_capture": ("页面截图", "page capture"),
}

STRENGTH_NAMES = {
    "decisive": ("确定", "decisive"),
    "strong": ("有力", "strong"),
    "supporting": ("辅助", "supporting"),
    "counter": ("有利买家", "for the buyer"),
    "none": ("信息", "info"),
    "error": ("出错", "error"),
}

# Case timeline fields, in the order events happen.
TIMELINE = ("ordered_at", "shipped_at", "delivered_at", "refund_requested_at")
TIMELINE_NAMES = {
    "ordered_at": ("下单", "order"),
    "shipped_at": ("发货", "shipment"),
    "delivered_at": ("签收", "delivery"),
    "refund_requested_at": ("申请退款", "refund request"),
}
CASE_FACTS = (
    "platform",
    "order_id",
    "refund_id",
    "buyer",
    "amount",
    "reason",
    "title",
    *TIMELINE,
)

FACT_NAMES = {
    "platform": ("平台", "Platform"),
    "order_id": ("订单编号", "Order number"),
    "refund_id": ("退款编号", "Refund number"),
    "buyer": ("买家", "Buyer"),
    "amount": ("退款金额（元）", "Refund amount (CNY)"),
    "reason": ("退款原因", "Refund reason"),
    "title": ("商品", "Item"),
    **{k: (f"{zh}时间", f"{en.capitalize()} time") for k, (zh, en) in TIMELINE_NAMES.items()},
}

# How the bytes were obtained: the report must say when they are not the original file.
METHOD_NAMES = {
    "original_fetch": (
        "从平台图片地址下载的原始文件",
        "original file downloaded from the image URL",
    ),
    "blob_read": ("从页面 blob 读取的文件", "file read from a blob: URL on the page"),
    "canvas_copy": (
        "从页面画布复制（重新编码，非原始字节）",
        "copied from a page canvas (re-encoded, not the original bytes)",
    ),
    "page_capture": ("浏览器截取的可见页面", "capture of the visible browser tab"),
    "upload": ("卖家上传的文件", "file uploaded by the seller"),
    "cli_file": ("卖家在本机选择的文件", "local file chosen by the seller"),
}

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """A sentence in both languages: Chinese first, English second."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class Finding:
    check: str
    signal: str
    strength: str
    summary: Text
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.strength not in STRENGTHS:
            raise ValueError(f"unknown strength {self.strength!r}")

    def to_json(self, lang: str) -> dict[str, Any]:
        return {
            "check": self.check,
            "signal": self.signal,
            "strength": self.strength,
            "summary": self.summary.get(lang),
            "summaries": {"zh-CN": self.summary.zh, "en": self.summary.en},
            "data": self.data,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Finding:
        s = d["summaries"]
        return cls(d["check"], d["signal"], d["strength"], Text(s["zh-CN"], s["en"]), d["data"])


@dataclass
class Verdict:
    level: str
    summary: Text
    reasons: list[Text] = field(default_factory=list)
    counter: list[Text] = field(default_factory=list)

    def to_json(self, lang: str) -> dict[str, Any]:
        return {
            "level": self.level,
            "summary": self.summary.get(lang),
            "summaries": {"zh-CN": self.summary.zh, "en": self.summary.en},
            "reasons": [r.get(lang) for r in self.reasons],
            "counter_evidence": [c.get(lang) for c in self.counter],
        }


@dataclass
class Source:
    """Where a photo's bytes came from (法发〔2016〕22号 第十四条: source, time, method)."""

    method: str = "upload"  # a key of METHOD_NAMES
    source_url: str | None = None
    page_url: str | None = None
    fetched_at: str | None = None
    http_headers: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Photo:
    sha256: str
    role: str
    format: str
    mime: str
    width: int
    height: int
    size: int
    source: Source
    received_at: str
    phash: str = ""  # 64-bit perceptual hash (hex) of the picture as shown, for reuse checks

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"] = self.source.to_json()
        return d


def strongest_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: STRENGTHS.index(f.strength))

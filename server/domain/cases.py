"""The domain: cases, photos, findings and verdicts. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, get_args

from ..errors import Problem
from ..text import Lang, Text
from . import dates
from .contract import FindingJSON, Kind, Role, SourceJSON, Strength, VerdictJSON

# Strengths, strongest first. `counter` is evidence that speaks for the buyer; `none` is a
# fact that weighs nothing either way; `error` means a check could not run.
STRENGTHS: tuple[Strength, ...] = get_args(Strength)
INCRIMINATING: tuple[Strength, ...] = ("decisive", "strong", "supporting")

ROLES: tuple[Role, ...] = get_args(Role)
ROLE_NAMES: dict[Role, Text] = {
    "evidence": Text("退款凭证", "refund evidence"),
    "listing": Text("商品图", "listing photo"),
    "page_capture": Text("页面截图", "page capture"),
}

STRENGTH_NAMES: dict[Strength, Text] = {
    "decisive": Text("确定", "decisive"),
    "strong": Text("有力", "strong"),
    "supporting": Text("辅助", "supporting"),
    "counter": Text("有利买家", "for the buyer"),
    "none": Text("信息", "info"),
    "error": Text("出错", "error"),
}

# Case timeline fields, in the order events happen.
TIMELINE = ("ordered_at", "shipped_at", "delivered_at", "refund_requested_at")
TIMELINE_NAMES = {
    "ordered_at": Text("下单", "order"),
    "shipped_at": Text("发货", "shipment"),
    "delivered_at": Text("签收", "delivery"),
    "refund_requested_at": Text("申请退款", "refund request"),
}
# The facts a case holds; the extension reads the same list (a test compares them).
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
    "platform": Text("平台", "Platform"),
    "order_id": Text("订单编号", "Order number"),
    "refund_id": Text("退款编号", "Refund number"),
    "buyer": Text("买家", "Buyer"),
    "amount": Text("退款金额（元）", "Refund amount (CNY)"),
    "reason": Text("退款原因", "Refund reason"),
    "title": Text("商品", "Item"),
    **{k: Text(f"{t.zh}时间", f"{t.en.capitalize()} time") for k, t in TIMELINE_NAMES.items()},
}


def timeline_value(key: str, value: str) -> str:
    """A timeline fact as it is stored (ISO 8601 with its offset, or a whole day), or a
    Problem that names the field and says how to write it."""
    try:
        return dates.parse(value).iso()
    except Problem as e:
        name = FACT_NAMES[key]
        raise Problem(e.code, Text(f"{name.zh}：", f"{name.en}: ") + e.text) from e


# How the bytes were obtained, and by whom (the extension from the page, the seller by hand):
# the report must say when they are not the original file, and says it in these words only.
METHOD_NAMES = {
    "original_fetch": Text(
        "浏览器扩展从平台图片地址下载的原始文件",
        "original file the browser extension downloaded from the platform's image URL",
    ),
    "blob_read": Text(
        "浏览器扩展从页面 blob 读取的文件", "file the browser extension read from a blob: URL"
    ),
    "canvas_copy": Text(
        "浏览器扩展从页面画布复制（重新编码，非原始字节）",
        "copied by the browser extension from a page canvas (re-encoded, not the original bytes)",
    ),
    "page_capture": Text(
        "浏览器扩展截取的可见页面", "capture of the visible tab by the browser extension"
    ),
    "upload": Text("卖家上传的文件", "file uploaded by the seller"),
    "cli_file": Text(
        "卖家在本机用命令行选择的文件", "local file the seller chose on the command line"
    ),
}


def method_name(method: str) -> Text:
    """A method the extension may name that this version does not know reads as itself."""
    return METHOD_NAMES.get(method) or Text.same(method)


@dataclass
class Finding:
    check: str
    signal: str
    strength: Strength
    summary: Text
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.strength not in STRENGTHS:
            raise ValueError(f"unknown strength {self.strength!r}")

    def to_json(self, lang: Lang) -> FindingJSON:
        return {
            "check": self.check,
            "signal": self.signal,
            "strength": self.strength,
            "strength_name": STRENGTH_NAMES[self.strength].get(lang),
            "summary": self.summary.get(lang),
            "summaries": self.summary.to_json(),
            "data": self.data,
        }

    @classmethod
    def from_json(cls, d: FindingJSON) -> Finding:
        return cls(
            d["check"], d["signal"], d["strength"], Text.from_json(d["summaries"]), d["data"]
        )


@dataclass
class Verdict:
    level: Strength  # a verdict's level is its strongest finding's strength
    summary: Text
    reasons: list[Text] = field(default_factory=list)
    counter: list[Text] = field(default_factory=list)
    found: Text = field(default_factory=lambda: Text("", ""))  # what kind of evidence
    # (kind, detail) of the evidence at this level, strongest first: what a case counts
    parts: list[tuple[Kind, Text]] = field(default_factory=list)

    def to_json(self, lang: Lang) -> VerdictJSON:
        return {
            "level": self.level,
            "summary": self.summary.get(lang),
            "summaries": self.summary.to_json(),
            "found": self.found.get(lang),
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

    def to_json(self) -> SourceJSON:
        return {
            "method": self.method,
            "source_url": self.source_url,
            "page_url": self.page_url,
            "fetched_at": self.fetched_at,
            "http_headers": dict(self.http_headers),
            "file_name": self.file_name,
        }


@dataclass
class Photo:
    sha256: str
    role: Role
    format: str
    mime: str
    width: int
    height: int
    size: int
    source: Source
    received_at: str
    phash: str = ""  # 64-bit perceptual hash (hex) of the picture as shown, for reuse checks
    # why the pixels could not be decoded (the file is kept: its metadata is evidence)
    pixels_error: str | None = None
    # what was mended before the pixels decoded (a JPEG's missing end marker, …): the codes
    # of server/formats/repair.py; the file itself is kept as it came
    pixels_repairs: list[str] = field(default_factory=list)
    # "photo" or "video": which checks apply (server/checks REGISTRY / VIDEO_REGISTRY); a
    # video's phash is its middle frame's, its width × height the frame size
    media: str = "photo"
    duration: float = 0.0  # seconds, videos only
    # a video's keyframes: when each is (s) and its perceptual hash, for the reuse pool
    frame_times: list[float] = field(default_factory=list)
    frame_hashes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"] = self.source.to_json()
        return d


def strongest_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: STRENGTHS.index(f.strength))

"""The text of visible AI marks (显式标识), as phrases: what a line of OCR text must say to be
a mark, which vendor's it is, and when a line at the frame edge is what is left of one.

A mark is one phrase, never a bag of characters: "AI" and "生成" apart in one line ("AI 通话降噪
蛋白质合成皮耳罩") are ordinary packaging text. Chinese is matched on the line squashed of
spaces and punctuation (Chinese has no spaces, and OCR drops them); Latin is matched as whole
words, never across word boundaries ("Handmade with love" is not "made with AI").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# OCR's usual slips on the AI term: l/1/| for I, and ＡＩ widths (NFKC folds those).
_AI = r"(?:AI|A1|AL|A\||人工智能)"
_MADE = r"(?:生成|合成|生戍|生戌|牛成)"
# 由AI生成 / 内容由AI生成 / 本图由人工智能合成 / AI生成 / 人工智能生成 …
CHINESE_PHRASE = re.compile(rf"(?:(?:内容|本图|图片|此图)?由)?{_AI}{_MADE}")

# Latin phrases as word sequences; each may also arrive squashed into one word by the OCR.
LATIN_PHRASES: tuple[tuple[str, ...], ...] = (
    ("AI", "GENERATED"),
    ("GENERATED", "WITH", "AI"),
    ("GENERATED", "BY", "AI"),
    ("GENERATED", "USING", "AI"),
    ("MADE", "WITH", "AI"),
    ("CREATED", "WITH", "AI"),
    ("EDITED", "WITH", "AI"),
    ("IMAGINED", "WITH", "AI"),
    # Samsung Galaxy AI's localized marks (reported forms; accents folded)
    ("CONTENUTI", "GENERATI", "DALL", "IA"),
    ("CONTENU", "GENERE", "PAR", "L", "IA"),
    ("CONTENIDO", "GENERADO", "POR", "IA"),
    ("CONTEUDO", "GERADO", "POR", "IA"),
    ("KI", "GENERIERTE", "INHALTE"),
)


@dataclass(frozen=True)
class Columns:
    """A mark's glyphs seen as columns of ink, left to right: what is left of it when the
    frame's edge cuts through its glyphs (the tops of the glyphs keep their widths). Widths
    and the whole span are in units of the median column's width; each column has a range."""

    widths: tuple[tuple[float, float], ...]
    span: tuple[float, float]
    gaps: tuple[float, float]  # between neighbouring columns
    height: float  # the whole mark's height, in median column widths


# 豆包AI生成, measured on a real 豆包 download (2048×2048, the white mark at the bottom-right,
# 321×69 px): columns 54, 49, 51, 13, 52, 56 px wide, gaps 8–12 px; cut through at 30–75 % of
# its height the columns stay within a pixel or two, except "A", which narrows to its apex.
DOUBAO_COLUMNS = Columns(
    widths=((0.85, 1.15), (0.85, 1.15), (0.35, 1.15), (0.15, 0.4), (0.85, 1.15), (0.85, 1.15)),
    span=(5.4, 7.2),
    gaps=(0.1, 0.6),
    height=1.35,
)


@dataclass(frozen=True)
class Vendor:
    name: str
    names: tuple[str, ...]  # how its name appears in the mark, squashed and upper-cased
    marks: tuple[str, ...]  # its full mark texts, squashed and upper-cased
    corner: str  # where it puts the mark (DOMAIN.md §3)
    wordmark: bool = False  # a logo that reads as the name alone ("即梦" under the star)
    latin: tuple[tuple[str, ...], ...] = ()  # its Latin phrases
    cut: Columns | None = None  # its glyph columns, for a mark the frame cuts through


VENDORS: tuple[Vendor, ...] = (
    Vendor("豆包 Doubao", ("豆包",), ("豆包AI生成",), "bottom-right", cut=DOUBAO_COLUMNS),
    Vendor("即梦 Jimeng", ("即梦",), ("即梦AI", "即梦AI生成"), "bottom-right", wordmark=True),
    Vendor("千问 Qwen", ("千问", "通义"), ("千问AI生成", "通义AI生成"), "bottom-right"),
    Vendor("可灵 Kling", ("可灵",), ("可灵AI", "可灵AI生成"), "bottom-right", wordmark=True),
    Vendor("腾讯元宝 Yuanbao", ("元宝",), ("元宝AI生成",), "bottom-right"),
    Vendor("百度 Baidu", ("百度", "文心"), ("百度AI生成",), "bottom-right"),
    Vendor("RunningHub", ("RUNNINGHUB",), ("RUNNINGHUBAI生成",), "top-left"),
    Vendor("LibLibAI", ("LIBLIBAI", "LIBLIB"), ("LIBLIBAI",), "bottom"),
    Vendor("Meta AI", (), (), "bottom-left", latin=(("IMAGINED", "WITH", "AI"),)),
    Vendor(
        "Samsung Galaxy AI",
        (),
        (),
        "bottom-left",
        latin=(("AI", "GENERATED", "CONTENT"), *LATIN_PHRASES[8:]),
    ),
)


# A faint vendor mark often loses the thin "I" of its AI to the OCR ("豆包A生成"): right
# after a vendor's name, that is still its mark; "A生成" alone is not.
VENDOR_SLIP = re.compile(
    "(?:" + "|".join(f"(?<={n})" for v in VENDORS for n in v.names) + rf")A{_MADE}"
)


@dataclass(frozen=True)
class MarkText:
    kind: str  # "mark" or "partial"
    vendor: str | None
    phrase: str  # the part of the line that is the mark


def squash(text: str) -> str:
    """Upper-cased, full-width folded, spaces and punctuation gone: how Chinese is compared."""
    text = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[\s\-_.·•★☆✦✧*|:：,，、'\"“”‘’()（）\[\]【】]+", "", text)


def words(text: str) -> list[str]:
    """Latin words, upper-cased, accents folded; anything else separates them."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).upper())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.findall(r"[A-Z0-9]+", folded)


def classify(text: str, touches_edge: bool) -> MarkText | None:
    """What a line of OCR text is: a mark (with its vendor when named), what is left of a
    vendor's mark cut by the frame edge, or None for ordinary text."""
    flat = squash(text)
    found = CHINESE_PHRASE.search(flat) or VENDOR_SLIP.search(flat)
    if found:
        return MarkText("mark", _vendor_before(flat, found.start()), found.group())
    latin = _latin(words(text))
    if latin:
        return MarkText("mark", latin[0], latin[1])
    for vendor in VENDORS:
        if vendor.wordmark and any(flat == m for m in vendor.marks):
            return MarkText("mark", vendor.name, flat)
    if touches_edge:
        return _cut(flat)
    return None


def wordmark_alone(text: str) -> Vendor | None:
    """A vendor whose logo reads as its name alone ("即梦" on a bright background): a mark only
    where that vendor puts it, which the caller checks."""
    flat = squash(text)
    return next((v for v in VENDORS if v.wordmark and flat in v.names), None)


def _vendor_before(flat: str, start: int) -> str | None:
    head = flat[:start]
    return next((v.name for v in VENDORS if any(head.endswith(n) for n in v.names)), None)


def _latin(tokens: list[str]) -> tuple[str | None, str] | None:
    for vendor in (*VENDORS, None):
        phrases = vendor.latin if vendor else LATIN_PHRASES
        for phrase in phrases:
            if _has_phrase(tokens, phrase):
                return (vendor.name if vendor else None), " ".join(phrase)
    return None


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    return _aligned(tokens, phrase) or _slipped(tokens, phrase)


def _aligned(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """The phrase in the words run together, starting and ending where words do: the OCR
    often drops or misplaces spaces ("Madewith AI")."""
    run, bounds = "", {0}
    for token in tokens:
        run += token
        bounds.add(len(run))
    # a stray glyph is allowed before the phrase (a border the OCR read as "o"), never after
    # it: "Made with AIR" is not a mark
    starts = bounds | {b + 1 for b in bounds}
    for variant in {"".join(phrase), "".join("AL" if w == "AI" else w for w in phrase)}:
        at = run.find(variant)
        while at >= 0:
            if at in starts and at + len(variant) in bounds:
                return True
            at = run.find(variant, at + 1)
    return False


def _slipped(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """The phrase word for word, with one OCR slip allowed in each long word."""
    n = len(phrase)
    return any(
        all(_same_word(t, p) for t, p in zip(tokens[i : i + n], phrase, strict=True))
        for i in range(len(tokens) - n + 1)
    )


def _same_word(token: str, word: str) -> bool:
    """Equal, or one OCR slip in a word of six letters or more (never in a short word); the
    OCR reads the I of AI as l or 1."""
    if token == word or (word == "AI" and token in ("AL", "A1")):
        return True
    if len(word) < 6 or abs(len(token) - len(word)) > 1:
        return False
    return _edits(token, word) <= 1


def _edits(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _cut(flat: str) -> MarkText | None:
    """A line at the frame edge that is the start or the end of a vendor's mark, with the
    vendor's name in it: what is left after the rest was cropped away."""
    if len(flat) < 2:
        return None
    for vendor in VENDORS:
        for mark in vendor.marks:
            if flat == mark or not (mark.startswith(flat) or mark.endswith(flat)):
                continue
            # the vendor's name and at least one more glyph ("豆包" alone is also a bun)
            if any(n in flat and len(flat) > len(n) for n in vendor.names):
                return MarkText("partial", vendor.name, flat)
    return None

"""Visible AI labels (显式标识) anywhere in the photo, read with OCR (RapidOCR, offline models
inside its package): vendor marks, generic 「AI生成」 prompts, English "AI-generated", and
marks cut by the frame edge. GB 45438 §5.2 wants the prompt on an edge or corner, at least
5% of the shortest side tall; we report whether it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ..domain.cases import Finding, Photo
from ..formats import visible_marks
from ..imaging import edge_fragments, local_contrast, pixels, sparkle
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData

NAME = "visible_mark"
# 2: marks are phrases, not similar characters; 3: faint marks, Gemini's icon, cut 豆包 marks
VERSION = "3"
TITLE = Text("可见 AI 标识（OCR）", "Visible AI mark (OCR)")
LIMITS = Text(
    "只能读出没有被裁掉或涂掉的文字标识；买家常把标识裁掉或涂掉，所以“未发现”不能说明什么。"
    "标识文字也可能被贴到任何图片上，或本来就是画面中的内容（如海报），因此是有力而非确定的证据。"
    "只认完整的标识短语（如“AI生成”“Made with AI”），包装上分开出现的“AI”和“合成”不算。"
    "Gemini 的四角星图标只按形状比对（右下角），是辅助证据；其他图标类标识识别不到。"
    "亮背景上的白色标识和暗背景上的深色标识会在四个常用角落提高对比度再读一遍，但对比度只差几个灰度级"
    "或背景纹理很密时仍会漏掉。字形被画面底边截断、读不出的标识，目前只有豆包的能按字宽认出（辅助证据），"
    "其他厂商的截断标识认不出。",
    "Reads only text marks that were not cropped or painted out; buyers often remove them, so "
    "finding none proves nothing. Mark text can also be pasted onto any photo or be part of the "
    "scene (a poster), so a mark is strong, not decisive, evidence. Only whole mark phrases "
    'count ("AI生成", "Made with AI"); "AI" and "合成" apart on packaging do not. Gemini\'s '
    "sparkle is matched by shape only (bottom-right), as supporting evidence; other icon-only "
    "marks are not recognised. White marks on bright corners and dark ones on dark corners are "
    "read again with their contrast raised, but a mark a few grey levels from its background, "
    "or on a dense texture, is still missed. Of marks cut through their glyphs by the bottom "
    "edge (too little left to read), only 豆包's is recognised, by its glyph widths "
    "(supporting); other vendors' are missed.",
)

FULL_SIDE = 1024  # px: the whole photo; a 5%-tall mark is still ≥ 38 px here
PIECE_ASPECT = 3  # longest piece of a long photo read at once, in widths
MIN_SIDE = 8  # px: a narrower picture holds no readable line
TILE_SIDE = 512  # px: each corner tile of a large photo, for marks smaller than the rule
TILE_FRACTION = 0.3  # of width and height, per corner
# Where the apps put their marks (DOMAIN.md §3): bottom-right (豆包, 即梦), top-left (即梦's
# pill, RunningHub), bottom-left (Samsung), bottom-centre (LibLibAI); (x, y) as fractions.
TILE_CORNERS = ((1.0, 1.0), (0.0, 0.0), (0.0, 1.0), (0.5, 1.0))
TILE_ABOVE = 2.5  # downscale factor beyond which small corner marks need the tiles (≥ ~6 MP)
EDGE_MARGIN = 0.015  # a box this close to the frame counts as touching it
# The bottom edge's strip where a cut vendor mark is looked for: (share of the width from
# the right, share of the short side up from the bottom)
CUT_STRIP = (0.5, 0.12)

POSITIONS = {
    ("top", "left"): ("左上角", "top-left corner"),
    ("top", "center"): ("顶部", "top edge"),
    ("top", "right"): ("右上角", "top-right corner"),
    ("middle", "left"): ("左侧", "left edge"),
    ("middle", "center"): ("中部", "centre"),
    ("middle", "right"): ("右侧", "right edge"),
    ("bottom", "left"): ("左下角", "bottom-left corner"),
    ("bottom", "center"): ("底部", "bottom edge"),
    ("bottom", "right"): ("右下角", "bottom-right corner"),
}


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


@cache
def _engine() -> Any:
    """The OCR models load once per process (about 0.3 s); sessions are thread-safe."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


@dataclass
class Line:
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the photo's pixels
    height: float


def classify(text: str, touches_edge: bool) -> dict[str, Any] | None:
    """What a line of OCR text says (formats/visible_marks.py), or None for ordinary text."""
    what = visible_marks.classify(text, touches_edge)
    if what is None:
        return None
    return {"kind": what.kind, "vendor": what.vendor, "pattern": what.phrase}


def _ocr(image: Image.Image, scale: float, offset: tuple[int, int]) -> list[Line]:
    result, _ = _engine()(pixels.bgr(image), use_cls=False)
    lines = []
    for quad, text, score in result or []:
        xs = [p[0] * scale + offset[0] for p in quad]
        ys = [p[1] * scale + offset[1] for p in quad]
        left = ((quad[3][0] - quad[0][0]) ** 2 + (quad[3][1] - quad[0][1]) ** 2) ** 0.5
        right = ((quad[2][0] - quad[1][0]) ** 2 + (quad[2][1] - quad[1][1]) ** 2) ** 0.5
        lines.append(
            Line(
                text, float(score), (min(xs), min(ys), max(xs), max(ys)), (left + right) / 2 * scale
            )
        )
    return lines


def _pieces(image: Image.Image) -> list[tuple[Image.Image, tuple[int, int]]]:
    """The photo in pieces no longer than PIECE_ASPECT times their width (a long screenshot
    in overlapping parts): the OCR's detector scales the short side up to 736 px, so a very
    long strip sent whole would need gigabytes."""
    w, h = image.size
    short, long = min(w, h), max(w, h)
    if long <= PIECE_ASPECT * short:
        return [(image, (0, 0))]
    step = (PIECE_ASPECT - 1) * short  # one short side of overlap: a line cut by one is whole
    out = []
    for start in range(0, long - short, step):
        end = min(long, start + PIECE_ASPECT * short)
        box = (0, start, w, end) if h > w else (start, 0, end, h)
        out.append((image.crop(box), (box[0], box[1])))
    return out


Tile = tuple[Image.Image, float, tuple[int, int]]  # a corner, its scale, its offset


def read_lines(image: Image.Image, corners: Callable[[], list[Tile]] | None = None) -> list[Line]:
    """The whole photo downscaled; for a large photo with no mark found that way, also the
    corners where apps put their marks, at higher resolution, for marks under the 5% rule.
    `corners` gives the corner tiles, cut once however many passes read them."""
    if min(image.size) < MIN_SIDE:
        return []
    corners = corners or cache(partial(_corners, image))
    lines = []
    for piece, (x, y) in _pieces(image):
        small, scale = pixels.downscaled(piece, FULL_SIDE)
        lines += _ocr(small, scale, (x, y))
    if scale > TILE_ABOVE and not _found(lines):
        for tile, tscale, (x, y) in corners():
            lines += _ocr(tile, tscale, (x, y))
    if not _found(lines):
        lines += _faint_lines(image, corners())
    return _dedupe(lines)


def _found(lines: list[Line]) -> bool:
    return any(classify(line.text, False) for line in lines)


def _corners(image: Image.Image) -> list[Tile]:
    """The places apps put their marks, each at most TILE_SIDE: (tile, scale, offset)."""
    tw, th = int(image.width * TILE_FRACTION), int(image.height * TILE_FRACTION)
    tw, th = min(tw, PIECE_ASPECT * th), min(th, PIECE_ASPECT * tw)  # corners, not strips
    out = []
    for fx, fy in TILE_CORNERS:
        x, y = round(fx * (image.width - tw)), round(fy * (image.height - th))
        tile, tscale = pixels.downscaled(image.crop((x, y, x + tw, y + th)), TILE_SIDE)
        out.append((tile, tscale, (x, y)))
    return out


def _faint_lines(image: Image.Image, corners: list[Tile]) -> list[Line]:
    """Light marks on bright corners and dark ones on dark corners, read again with their
    contrast brought up (imaging/local_contrast.py); only corners that hold a row of
    glyph-sized shapes are read, so a photo without one pays a few milliseconds."""
    lines = []
    for tile, tscale, offset in corners:
        grey = np.asarray(tile.convert("L"))
        light = local_contrast.polarity(grey)
        if light is None:
            continue
        short = min(image.size) / tscale
        hat = local_contrast.stand_out(grey, light == "light", round(short))
        if local_contrast.has_text_row(hat, round(short)):
            flat = Image.fromarray(local_contrast.for_ocr(hat)).convert("RGB")
            lines += _ocr(flat, tscale, offset)
    return lines


def _wordmark(text: str, position: str) -> dict[str, Any] | None:
    """A vendor's logo read as its name alone ("即梦"), where that vendor puts it."""
    vendor = visible_marks.wordmark_alone(text)
    if vendor is None or not position.startswith(vendor.corner):
        return None
    return {"kind": "mark", "vendor": vendor.name, "pattern": vendor.marks[0]}


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _dedupe(lines: list[Line]) -> list[Line]:
    kept: list[Line] = []
    for line in sorted(lines, key=lambda x: -x.score):
        if all(_iou(line.box, k.box) < 0.3 for k in kept):
            kept.append(line)
    return kept


def glyph_height(image: Image.Image, line: Line) -> float:
    """Height of the characters themselves: the detector's box has padding around them, and
    the 5% rule is about the text. Otsu splits glyphs from the background inside the box."""
    x0, y0, x1, y1 = (round(v) for v in line.box)
    crop = np.asarray(image.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))).convert("L"))
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return line.height
    _, mask = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if mask.mean() > 0.5:  # the glyphs are the smaller class
        mask = 1 - mask
    rows = np.flatnonzero(mask.mean(axis=1) > 0.02)
    if rows.size == 0:
        return line.height
    measured = float(rows[-1] - rows[0] + 1)
    return measured if measured >= 0.3 * line.height else line.height


def _position(box: tuple[float, ...], w: int, h: int) -> tuple[str, str]:
    cx, cy = (box[0] + box[2]) / 2 / w, (box[1] + box[3]) / 2 / h
    col = "left" if cx < 1 / 3 else "right" if cx > 2 / 3 else "center"
    row = "top" if cy < 1 / 3 else "bottom" if cy > 2 / 3 else "middle"
    return POSITIONS[(row, col)]


def _touches_edge(box: tuple[float, ...], w: int, h: int) -> bool:
    mx, my = w * EDGE_MARGIN, h * EDGE_MARGIN
    return box[0] <= mx or box[1] <= my or box[2] >= w - mx or box[3] >= h - my


def mark_hit(image: Image.Image, line: Line, wordmarks: bool = True) -> dict[str, Any] | None:
    """A line read on `image` as a mark's finding data, or None when it is no mark. A vendor's
    bare wordmark counts only with `wordmarks` (a video's fixed pixels have no such rule)."""
    w, h = image.size
    touches = _touches_edge(line.box, w, h)
    zh_pos, en_pos = _position(line.box, w, h)
    what = classify(line.text, touches) or (_wordmark(line.text, en_pos) if wordmarks else None)
    if what is None:
        return None
    ratio = glyph_height(image, line) / min(w, h)
    return {
        **what,
        "text": line.text,
        "ocr_confidence": round(line.score, 3),
        "box": [round(v) for v in line.box],
        "position": en_pos,
        "position_zh": zh_pos,
        "touches_edge": touches,
        "height_ratio": round(ratio, 4),
        "meets_5pct_rule": ratio >= 0.05,
    }


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    if photo.photo.role != "evidence":
        return []
    image = photo.rgb
    hits = []
    corners = cache(partial(_corners, image))
    lines = read_lines(image, corners)
    for line in lines:
        hit = mark_hit(image, line)
        if hit is not None:
            hits.append(hit)
    if not hits:
        other = _cut_vendor_mark(image, lines) or _gemini_icon(image, corners()[0])
        hits = [other] if other else []
    if not hits:
        return [
            Finding(
                NAME,
                "no_visible_mark",
                "none",
                Text(
                    "图片中未读出可见的 AI 标识文字（不确定：标识常被裁掉或涂掉）。",
                    "No visible AI mark was read in the photo (inconclusive: marks are often "
                    "cropped or painted out).",
                ),
            )
        ]
    figure = photo.add_figure(
        _draw(image, hits),
        Text("红框：读出的 AI 标识文字", "Red boxes: the AI mark text that was read"),
    )
    return [_finding(hit, figure) for hit in hits]


def _cut_vendor_mark(image: Image.Image, lines: list[Line]) -> dict[str, Any] | None:
    """A vendor's mark cut through its glyphs by the bottom edge (the buyer cropped the
    strip that held it): too little of each glyph for the OCR, but the columns of ink keep
    the glyphs' widths (imaging/edge_fragments.py). What the OCR did read there overrules
    the columns: ordinary words are not a mark because their glyphs are as wide."""
    w, h = image.size
    short = min(w, h)
    x, y = round(w * (1 - CUT_STRIP[0])), round(h - short * CUT_STRIP[1])
    grey = np.asarray(image.crop((x, y, w, h)).convert("L"))
    hat = local_contrast.stand_out(grey, True, short)
    for vendor in visible_marks.VENDORS:
        if vendor.cut is None or vendor.corner != "bottom-right":
            continue
        found = edge_fragments.at_bottom_edge(hat, vendor.cut)
        if found is None:
            continue
        box = (x + found.box[0], y + found.box[1], x + found.box[2], y + found.box[3])
        mark = vendor.marks[0]
        if any(_contradicts(line, box, mark) for line in lines):
            continue
        zh_pos, en_pos = _position(box, w, h)
        return {
            "kind": "cut",
            "vendor": vendor.name,
            "pattern": mark,
            "text": mark,
            "columns": list(found.widths),
            "visible_share": round((box[3] - box[1]) / found.whole_height, 2),
            "box": [round(v) for v in box],
            "position": en_pos,
            "position_zh": zh_pos,
            "touches_edge": True,
            "height_ratio": round(found.whole_height / short, 4),
            "meets_5pct_rule": False,  # what is left of it does not
        }
    return None


def _contradicts(line: Line, box: tuple[float, ...], mark: str) -> bool:
    """An OCR line over the fragment that read two or more CJK characters, none of them
    the mark's: the columns belong to other words."""
    lx0, ly0, lx1, ly1 = line.box
    if not (lx0 < box[2] and box[0] < lx1 and ly0 < box[3] and box[1] < ly1):
        return False
    cjk = [c for c in line.text if "\u4e00" <= c <= "\u9fff"]
    return len(cjk) >= 2 and not any(c in mark for c in cjk)


def _gemini_icon(image: Image.Image, bottom_right: Tile) -> dict[str, Any] | None:
    """Gemini's sparkle, by its shape, in the bottom-right corner where Gemini puts it
    (TILE_CORNERS starts there)."""
    tile, tscale, (x, y) = bottom_right
    grey = np.asarray(tile.convert("L"))
    short = round(min(image.size) / tscale)
    hat = local_contrast.stand_out(grey, True, short, sparkle.WINDOW)
    found = sparkle.find(hat, short)
    if found is None:
        return None
    x0, y0, x1, y1 = found.box
    box = (x + x0 * tscale, y + y0 * tscale, x + x1 * tscale, y + y1 * tscale)
    w, h = image.size
    zh_pos, en_pos = _position(box, w, h)
    ratio = (box[3] - box[1]) / min(w, h)
    return {
        "kind": "icon",
        "vendor": "Gemini",
        "pattern": "sparkle",
        "text": "✦",
        "shape_fit": found.fit,
        "other_shape_fit": found.runner_up,
        "box": [round(v) for v in box],
        "position": en_pos,
        "position_zh": zh_pos,
        "touches_edge": _touches_edge(box, w, h),
        "height_ratio": round(ratio, 4),
        "meets_5pct_rule": False,  # the rule asks for text; an icon alone does not meet it
    }


def _finding(hit: dict[str, Any], figure: dict[str, Any]) -> Finding:
    vendor = f"（{hit['vendor']}）" if hit["vendor"] else ""
    vendor_en = f" ({hit['vendor']})" if hit["vendor"] else ""
    rule = "，达到" if hit["meets_5pct_rule"] else "，低于"
    rule_en = "meets" if hit["meets_5pct_rule"] else "is below"
    pct = f"{hit['height_ratio'] * 100:.1f}%"
    data = {**hit, "figure": figure}
    if hit["kind"] == "icon":
        return Finding(
            NAME,
            "visible_ai_icon",
            "supporting",
            Text(
                f"图片{hit['position_zh']}有一个形状与 Gemini 的四角星标识相符的亮色图标"
                f"（形状吻合度 {hit['shape_fit']:.2f}，其他形状最高 {hit['other_shape_fit']:.2f}）。"
                "只凭形状判断：贴纸、表情或画面里的光斑也可能是这个形状，所以只是辅助证据。",
                f"A light icon at the {hit['position']} shaped like Gemini's four-pointed sparkle "
                f"(shape fit {hit['shape_fit']:.2f}; any other shape at most "
                f"{hit['other_shape_fit']:.2f}). Judged by shape alone: a sticker, an emoji or a "
                "highlight in the scene can look the same, so it is supporting evidence only.",
            ),
            data,
        )
    if hit["kind"] == "cut":
        share = f"{hit['visible_share'] * 100:.0f}%"
        return Finding(
            NAME,
            "cut_visible_mark",
            "supporting",
            Text(
                f"图片{hit['position_zh']}底边有一行被画面截断的亮色字形，只剩上部约 {share}；"
                f"它的字宽和字距与 {hit['vendor']} 的标识「{hit['text']}」每个字一一吻合"
                "（按真实样本量得的字宽比对），像是把标识裁掉后剩下的部分。"
                "文字本身没有读出，只凭字形宽度判断，所以只是辅助证据。",
                f"At the {hit['position']}, a line of light glyphs is cut by the bottom edge, "
                f"about {share} of their height left; the width of each glyph and the gaps "
                f"match the {hit['vendor']} mark “{hit['text']}” glyph for glyph (widths "
                "measured on a real download), what is left after cropping a mark away. The "
                "text itself was not read; judged by glyph widths alone, so supporting "
                "evidence only.",
            ),
            data,
        )
    if hit["kind"] == "partial":
        return Finding(
            NAME,
            "partial_visible_mark",
            "supporting",
            Text(
                f"图片{hit['position_zh']}边缘有被画面截断的 AI 标识残留「{hit['text']}」{vendor}："
                "像是把标识裁掉后剩下的部分。",
                f"A partial AI mark cut by the frame edge at the {hit['position']}: "
                f"“{hit['text']}”{vendor_en}, what is left after cropping a mark away.",
            ),
            data,
        )
    return Finding(
        NAME,
        "visible_ai_mark",
        "strong",
        Text(
            f"图片{hit['position_zh']}有可见的 AI 生成标识「{hit['text']}」{vendor}，"
            f"文字高度为短边的 {pct}{rule} GB 45438 的 5% 要求。",
            f"A visible AI-generation mark “{hit['text']}”{vendor_en} at the {hit['position']}; "
            f"its text is {pct} of the shortest side, which {rule_en} the 5% of GB 45438.",
        ),
        data,
    )


def _draw(image: Image.Image, hits: list[dict[str, Any]]) -> Image.Image:
    canvas = image.copy()
    draw = ImageDraw.Draw(canvas)
    width = max(3, round(min(canvas.size) / 200))
    for hit in hits:
        x0, y0, x1, y1 = hit["box"]
        pad = width * 2
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), outline=(230, 0, 30), width=width)
    return canvas

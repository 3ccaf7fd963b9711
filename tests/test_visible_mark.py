"""visible_mark: AI marks drawn with a real CJK font, the real Doubao mark, cut marks, and
ordinary Chinese text that must not be called a mark."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from server.checks import CheckContext, visible_mark
from server.demo import samples
from server.imaging import pixels

from .pixels_util import jpeg, parsed

MARKS = [
    ("豆包AI生成", "豆包 Doubao"),
    ("即梦AI", "即梦 Jimeng"),
    ("千问AI生成", "千问 Qwen"),
    ("可灵AI", "可灵 Kling"),
    ("AI生成", None),
    ("人工智能生成", None),
    ("Made with AI", None),
    ("AI-generated", None),
]
CORNERS = ["bottom-right", "bottom-left", "top-left", "top-right"]


def _marks(data: bytes) -> list:
    return [f for f in visible_mark.run(parsed(data), CheckContext()) if f.strength != "none"]


@pytest.mark.parametrize(
    "text,vendor,corner,share",
    [(t, v, CORNERS[i % 4], (0.075, 0.03)[i % 2]) for i, (t, v) in enumerate(MARKS)],
)
def test_drawn_mark_resized_and_recompressed(text, vendor, corner, share):
    base = samples.product_shot(1600, 1200, seed=len(text))
    marked, box = samples.draw_text(base, text, int(1200 * share), corner)
    drawn_ratio = (box[3] - box[1]) / 1200
    small = marked.resize((1200, 900), Image.Resampling.LANCZOS)
    found = _marks(jpeg(small, 70))
    assert found, text
    f = found[0]
    assert f.signal == "visible_ai_mark"
    assert f.strength == "strong"
    assert f.data["vendor"] == vendor
    assert f.data["position"] == f"{corner} corner"
    assert abs(f.data["height_ratio"] - drawn_ratio) < 0.35 * drawn_ratio
    assert f.data["meets_5pct_rule"] == (share > 0.05)
    assert f.data["figure"]["sha256"]


def test_real_doubao_mark(real):
    found = _marks((real / "doubao_black.png").read_bytes())
    assert len(found) == 1
    f = found[0]
    assert f.data["vendor"] == "豆包 Doubao"
    assert f.data["position"] == "bottom-right corner"
    assert f.data["ocr_confidence"] > 0.9
    x0, y0, _, _ = f.data["box"]
    assert x0 > 1500
    assert y0 > 1800


def test_mark_half_cut_by_the_edge():
    base = samples.product_shot(1200, 900, seed=3)
    marked, box = samples.draw_text(base, "豆包AI生成", 60, "bottom-right", margin=0)
    # shift the picture so the first half of the mark hangs outside the right edge
    width = box[2] - box[0]
    cut = marked.crop((0, 0, marked.width - width // 2, marked.height))
    found = _marks(jpeg(cut, 85))
    assert found
    f = found[0]
    assert f.data["touches_edge"]
    assert f.signal in ("partial_visible_mark", "visible_ai_mark")
    assert f.data["vendor"] in ("豆包 Doubao", None)


@pytest.mark.parametrize(
    "text",
    [
        "生产日期：2026-10-01",
        "特价 ¥39.9 包邮",
        "净含量 500g 保质期12个月",
        "AI智能音箱 新品",
        "合格证 检验员 03",
    ],
)
def test_ordinary_chinese_text_is_not_a_mark(text):
    base = samples.product_shot(1200, 900, seed=11)
    labelled, _ = samples.draw_text(base, text, 50, "bottom-left", fill=(20, 20, 20))
    labelled, _ = samples.draw_text(labelled, text, 40, "top-right", fill=(250, 250, 250))
    assert _marks(jpeg(labelled, 80)) == []


def test_no_mark_says_inconclusive():
    findings = visible_mark.run(parsed(jpeg(samples.photo(800, 600))), CheckContext())
    assert [f.signal for f in findings] == ["no_visible_mark"]
    assert "不确定" in findings[0].summary.zh


def test_listing_photos_are_not_read():
    marked, _ = samples.draw_text(samples.photo(800, 600), "AI生成", 60, "top-left")
    assert visible_mark.run(parsed(jpeg(marked), role="listing"), CheckContext()) == []


def test_figure_is_a_jpeg_of_the_photo():
    marked, _ = samples.draw_text(samples.photo(800, 600), "AI生成", 60, "top-left")
    photo = parsed(jpeg(marked))
    visible_mark.run(photo, CheckContext())
    (figure,) = photo.figures
    shown = Image.open(io.BytesIO(figure.data))
    assert shown.format == "JPEG"
    assert shown.size == (800, 600)
    # the photo itself with the box drawn on it: close to the photo, far from another one
    grey = np.asarray(shown.convert("L"), dtype=float)
    same = np.abs(grey - np.asarray(marked.convert("L"), dtype=float)).mean()
    other = np.abs(grey - np.asarray(samples.photo(800, 600, seed=9).convert("L"), dtype=float))
    assert same < 8
    assert other.mean() > 2 * same


def test_tiny_mark_on_a_large_photo_is_found_in_the_corner_tiles():
    marked, _ = samples.draw_text(samples.backdrop(4000, 3000, seed=3), "AI生成", 20, "bottom-left")
    photo = parsed(jpeg(marked, 80))
    small, scale = pixels.downscaled(photo.rgb, visible_mark.FULL_SIDE)
    whole = visible_mark._ocr(small, scale, (0, 0))
    assert not any(visible_mark.classify(line.text, False) for line in whole)  # too small there
    found = [f for f in visible_mark.run(photo, CheckContext()) if f.strength != "none"]
    assert found
    assert found[0].data["position"] == "bottom-left corner"
    assert not found[0].data["meets_5pct_rule"]


@pytest.mark.parametrize(
    "text",
    [
        "AI 通话降噪 蛋白质合成皮耳罩",
        "Handmade with love",
        "ECONYL REGENERATED NYLON",
        "人工智能音箱",
        "AI生活",
    ],
)
def test_ordinary_text_at_the_frame_edge_is_not_a_mark(text):
    """The false alarms a review found: AI and 合成 apart in one line, Latin words squashed
    into a look-alike of a mark, and ordinary words touching the edge read as a cut mark."""
    base = samples.product_shot(1200, 900, seed=12)
    labelled, _ = samples.draw_text(base, text, 48, "bottom-right", fill=(250, 250, 250), margin=0)
    labelled, _ = samples.draw_text(labelled, text, 44, "top-left", fill=(20, 20, 20))
    assert _marks(jpeg(labelled, 85)) == []


def test_the_jimeng_logo_read_as_its_name_alone_is_found_where_it_sits():
    bright = Image.new("RGB", (1200, 900), (236, 232, 226))
    logo, _ = samples.draw_text(bright, "即梦", 54, "bottom-right", fill=(255, 255, 255))
    (f,) = _marks(jpeg(logo, 85))
    assert f.data["vendor"] == "即梦 Jimeng"
    # the same two characters elsewhere are just text
    elsewhere, _ = samples.draw_text(bright, "即梦", 54, "top-left", fill=(40, 40, 40))
    assert _marks(jpeg(elsewhere, 85)) == []


def test_samsungs_localized_mark():
    base = samples.product_shot(1200, 900, seed=13)
    marked, _ = samples.draw_text(base, "Contenuti generati dall'IA", 40, "bottom-left")
    (f,) = _marks(jpeg(marked, 85))
    assert f.data["vendor"] == "Samsung Galaxy AI"


def _stone(level: int, amp: float, seed: int, size=(1200, 900)) -> Image.Image:
    """A pale (or dark) textured surface like stone or a tabletop: grain at two scales."""
    w, h = size
    rng = np.random.default_rng(seed)
    coarse = rng.normal(0, 1, (h // 8 + 1, w // 8 + 1))
    coarse = (coarse - coarse.min()) / np.ptp(coarse) * 255
    big = np.asarray(Image.fromarray(coarse.astype(np.uint8)).resize((w, h), Image.BICUBIC))
    grain = (big / 255 - 0.5) * 2 + rng.normal(0, 0.25, (h, w))
    base = np.array([level, level - 2, level - 6], float)
    return Image.fromarray(np.clip(base + grain[..., None] * amp, 0, 255).astype(np.uint8))


def _overlay(im: Image.Image, mask: Image.Image, xy, colour, alpha: float) -> Image.Image:
    """Paint `colour` through `mask` at `alpha`, as the apps blend their marks in."""
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    paint = Image.new("RGBA", mask.size, (*colour, 255))
    paint.putalpha(mask.point(lambda v: int(v * alpha)))
    layer.paste(paint, xy)
    return Image.alpha_composite(im.convert("RGBA"), layer).convert("RGB")


def _faint_text(im: Image.Image, text: str, colour, alpha: float) -> Image.Image:
    """A mark without a shadow, 48 px tall, in the bottom-right corner, blended in."""
    font = ImageFont.truetype(samples.cjk_font_path(), 55)
    mask = Image.new("L", im.size)
    d = ImageDraw.Draw(mask)
    x0, y0, x1, y1 = d.textbbox((0, 0), text, font=font)
    d.text(
        (im.width - (x1 - x0) - 24 - x0, im.height - (y1 - y0) - 24 - y0), text, font=font, fill=255
    )
    return _overlay(im, mask, (0, 0), colour, alpha)


@pytest.mark.parametrize(
    "what,level,amp,colour,alpha",
    [
        ("white on pale stone", 236, 12, (255, 255, 255), 0.45),
        ("black on dark stone", 30, 8, (0, 0, 0), 0.3),
    ],
)
def test_faint_marks_on_bright_or_dark_corners_are_read(what, level, amp, colour, alpha):
    """A mark a dozen grey levels from its background: the plain OCR pass reads nothing, the
    contrast-raised pass over the corners reads it."""
    faint = jpeg(_faint_text(_stone(level, amp, seed=5), "豆包AI生成", colour, alpha), 85)
    small, _ = pixels.downscaled(Image.open(io.BytesIO(faint)).convert("RGB"), 1024)
    assert not any(
        visible_mark.classify(line.text, False) for line in visible_mark._ocr(small, 1.0, (0, 0))
    ), f"{what}: the plain pass already reads it; the case no longer tests the faint pass"
    (f,) = _marks(faint)
    assert f.signal == "visible_ai_mark" and f.data["vendor"] == "豆包 Doubao", what
    assert f.data["position"] == "bottom-right corner"


def _shape(kind: str, side: int) -> Image.Image:
    n = side * 4
    axis = np.linspace(-1, 1, n)
    x, y = np.meshgrid(axis, axis)
    masks = {
        "sparkle": np.abs(x) ** 0.55 + np.abs(y) ** 0.55 <= 1,  # Gemini's four points
        "circle": x**2 + y**2 <= 1,
        "diamond": np.abs(x) + np.abs(y) <= 1,
        "square": np.maximum(np.abs(x), np.abs(y)) <= 0.9,
        "starburst": ((np.abs(x) < 0.05) | (np.abs(y) < 0.05)) & (x**2 + y**2 <= 1),
    }
    big = Image.fromarray((masks[kind] * 255).astype(np.uint8))
    return big.resize((side, side), Image.LANCZOS)


def _with_icon(base: Image.Image, kind: str, share: float) -> bytes:
    side = int(min(base.size) * share)
    margin = int(min(base.size) * 0.03)
    xy = (base.width - side - margin, base.height - side - margin)
    return jpeg(_overlay(base, _shape(kind, side), xy, (255, 255, 255), 0.75), 85)


@pytest.mark.parametrize("share", [0.03, 0.06])
def test_geminis_sparkle_is_found_by_its_shape(share):
    (f,) = _marks(_with_icon(samples.photo(1200, 900, seed=3), "sparkle", share))
    assert f.signal == "visible_ai_icon" and f.strength == "supporting"
    assert f.data["vendor"] == "Gemini" and f.data["position"] == "bottom-right corner"
    assert f.data["shape_fit"] - f.data["other_shape_fit"] >= 0.08
    assert "形状" in f.summary.zh  # says it is judged by shape alone


@pytest.mark.parametrize("kind", ["circle", "diamond", "square", "starburst"])
@pytest.mark.parametrize("share", [0.03, 0.06])
def test_other_light_shapes_in_the_corner_are_not_the_sparkle(kind, share):
    """A round highlight, a tag, a lens's thin starburst: light shapes a photo may hold."""
    assert _marks(_with_icon(samples.photo(1200, 900, seed=3), kind, share)) == []


# The real 豆包 download's mark: 321×69 px at x 1693, y 1938 of its 2048×2048 picture.
DOUBAO_MARK_TOP, DOUBAO_MARK_BOTTOM = 1938, 2006


def _cropped_through_the_mark(picture: Image.Image, keep: float) -> Image.Image:
    """What a buyer sends after cropping the bottom strip: the frame's new bottom edge runs
    through the mark's glyphs, `keep` of their height left."""
    bottom = int(DOUBAO_MARK_TOP + keep * (DOUBAO_MARK_BOTTOM - DOUBAO_MARK_TOP))
    return picture.crop((0, bottom - 1600, picture.width, bottom))


@pytest.mark.parametrize("keep", [0.55, 0.35])
@pytest.mark.parametrize("on_photo", [False, True])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_a_real_doubao_mark_cut_through_its_glyphs_is_found(real, keep, on_photo, scale):
    """The real mark (on its black picture, or laid over a photo with its own light as the
    blend), cropped through, resized and recompressed: the OCR reads nothing at this cut,
    the glyph columns still match 豆包's."""
    picture = Image.open(real / "doubao_black.png").convert("RGB")
    if on_photo:
        mark = picture.convert("L")
        picture = samples.product_shot(*picture.size, seed=4)
        picture.paste(Image.new("RGB", picture.size, (255, 255, 255)), (0, 0), mark)
    sent = _cropped_through_the_mark(picture, keep)
    sent = sent.resize((round(sent.width * scale), round(sent.height * scale)), Image.LANCZOS)
    (f,) = _marks(jpeg(sent, 80))
    assert f.signal == "cut_visible_mark" and f.strength == "supporting"
    assert f.data["vendor"] == "豆包 Doubao"
    assert abs(f.data["visible_share"] - keep) < 0.1
    assert "字宽" in f.summary.zh  # says it judged by glyph widths, not by reading


@pytest.mark.parametrize(
    "text",
    [
        "华为AI音箱",
        "人工智能音箱",
        "生产日期 2026",
        "合格证 检验员 01",
        "ECONYL REGENERATED",
        "豆包 AI 早餐",
    ],
)
@pytest.mark.parametrize("keep", [0.6, 0.4])
def test_ordinary_words_cut_by_the_bottom_edge_are_not_a_cut_mark(text, keep):
    base = samples.product_shot(1200, 1000, seed=3)
    marked, box = samples.draw_text(base, text, 40, "bottom-right")
    bottom = int(box[1] + keep * (box[3] - box[1]))
    assert _marks(jpeg(marked.crop((0, bottom - 900, 1200, bottom)), 85)) == []

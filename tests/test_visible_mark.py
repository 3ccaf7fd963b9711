"""visible_mark: AI marks drawn with a real CJK font, the real Doubao mark, cut marks, and
ordinary Chinese text that must not be called a mark."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

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

"""Visible AI marks (显式标识) in a video: Kling, Hailuo, Seedance and Veo lay a fixed mark over
a corner or the bottom edge. The pixels that stay fixed while the rest of the picture moves
are found first, over frames sampled across the clip; their temporal median (the moving scene
averaged away, the mark left sharp) is read by the same OCR and phrase rules as photos
(visible_mark.py, formats/visible_marks.py). The first frame is read whole too, for a still
scene. GB 45438 §5.4: text at least 5 % of the short side, shown at least the first 2 s; both
are measured and reported."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from ..domain.cases import Finding, Photo
from ..domain.contract import Strength
from ..formats.frames import Frame
from ..imaging import pixels, strip
from ..text import Text
from . import visible_mark
from .base import CheckContext
from .parsed import PhotoData
from .video_parsed import FIRST_SECONDS, VideoData

NAME = "video_mark"
VERSION = "1"
TITLE = Text("视频可见 AI 标识（OCR）", "Visible AI mark in the video (OCR)")
LIMITS = Text(
    "只看抽取的约 9 帧（前 2 秒 3 帧，其余均匀分布）：在画面其余部分移动时保持不动的像素里找标识，"
    "再用和图片相同的 OCR 读文字；画面整体静止时只读第一帧。会移动的标识（如 Sora）和只出现在"
    "未抽到的帧里的标识读不到；标识常被裁掉或遮住，“未发现”不能说明什么。",
    "Looks at about 9 sampled frames only (3 in the first 2 s, the rest spread evenly): marks "
    "are sought among the pixels that stay fixed while the rest of the picture moves, then read "
    "with the same OCR as photos; when the whole picture is still, only the first frame is "
    "read. A moving mark (Sora's) and a mark only in frames not sampled are missed; marks are "
    "often cropped or covered, so finding none proves nothing.",
)

STABILITY_SIDE = 480  # px: the frames are compared at this width
STILL = 3.0  # grey levels of standard deviation over time: a pixel this steady is fixed
MOVING = 10.0  # and one above this moves
MIN_MOVING = 0.15  # share of the picture that must move for "fixed" to single a mark out
MAX_REGIONS = 6
EARLY = 2.0  # seconds: GB 45438 §5.4


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def _grey(frame: Frame, width: int) -> np.ndarray:
    image = frame.image
    height = max(1, round(image.height * width / image.width))
    return np.asarray(image.convert("L").resize((width, height), Image.Resampling.BILINEAR))


def fixed_regions(frames: list[Frame]) -> list[tuple[int, int, int, int]]:
    """Boxes (frame pixels) of detailed pixels that stay fixed while enough of the rest moves;
    nothing when the scene is still or too few frames are given."""
    if len(frames) < 3:
        return []
    size = frames[0].image.size
    width = min(STABILITY_SIDE, size[0])
    stack = np.stack([_grey(f, width) for f in frames if f.image.size == size]).astype(np.float32)
    if stack.shape[0] < 3:
        return []
    spread = stack.std(axis=0)
    if float((spread > MOVING).mean()) < MIN_MOVING:
        return []
    mean = stack.mean(axis=0).astype(np.uint8)
    edges = cv2.Canny(mean, 60, 160) > 0
    fixed = (spread < STILL) & cv2.dilate(edges.astype(np.uint8), np.ones((3, 3))).astype(bool)
    joined = cv2.morphologyEx(fixed.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 9), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    scale = size[0] / width
    h, w = spread.shape
    boxes = []
    for x, y, bw, bh, area in stats[1:count]:
        if area < 12 or bw > 0.7 * w or bh > 0.4 * h:  # specks; a still wall, not a mark
            continue
        pad_x, pad_y = bw * 0.3 + 2, bh * 0.5 + 2
        box = (
            max(0, round((x - pad_x) * scale)),
            max(0, round((y - pad_y) * scale)),
            min(size[0], round((x + bw + pad_x) * scale)),
            min(size[1], round((y + bh + pad_y) * scale)),
        )
        boxes.append((int(area), box))
    return [b for _, b in sorted(boxes, reverse=True)[:MAX_REGIONS]]


def _median_crop(frames: list[Frame], box: tuple[int, int, int, int]) -> Image.Image:
    size = frames[0].image.size
    crops = [np.asarray(f.image.crop(box)) for f in frames if f.image.size == size]
    return Image.fromarray(np.median(np.stack(crops), axis=0).astype(np.uint8))


def _recognise(image: Image.Image, box: tuple[int, int, int, int]) -> list[visible_mark.Line]:
    """The text of a fixed region read as one line (recognition only): a detector pass would
    scale a small region up to 736 px and cost a second; a corner mark is one line."""
    if min(image.size) < visible_mark.MIN_SIDE:
        return []
    result, _ = visible_mark._engine()(pixels.bgr(image), use_det=False, use_cls=False)
    x0, y0, x1, y1 = (float(v) for v in box)
    return [
        visible_mark.Line(str(text), float(score), (x0, y0, x1, y1), y1 - y0)
        for text, score in result or []
        if text
    ]


def _hits(
    lines: list[visible_mark.Line], picture: Image.Image, source: str
) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        hit = visible_mark.mark_hit(picture, line, wordmarks=False)
        if hit is not None:
            out.append({**hit, "found_in": source})
    return out


def _early(frames: list[Frame], hit: dict[str, Any]) -> dict[str, Any]:
    """Whether the mark is read again in each sampled frame of the first 2 seconds."""
    x0, y0, x1, y1 = hit["box"]  # already padded around the glyphs
    box = (x0, y0, x1, y1)
    early = [f for f in frames if f.time < EARLY]
    # the frames nearest the start, 1 s and the end of the 2 s: enough to say "throughout"
    chosen = (
        {min(early, key=lambda f: abs(f.time - t)).time for t in FIRST_SECONDS} if early else set()
    )
    seen = []
    for f in (f for f in early if f.time in chosen):
        lines = _recognise(f.image.crop(box), box)
        read = any(visible_mark.classify(line.text, True) for line in lines)
        seen.append({"time": f.time, "read": read})
    return {
        "early_frames": seen,
        "shown_first_2s": bool(seen) and all(s["read"] for s in seen),
    }


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    assert isinstance(photo, VideoData)
    if photo.photo.role != "evidence":
        return []
    frames = photo.frames
    first = frames[0]
    size = first.image.size
    regions = fixed_regions(frames)
    hits: list[dict[str, Any]] = []
    for box in regions:
        crop = _median_crop(frames, box)
        lines = _recognise(crop, box)
        canvas = Image.new("RGB", size)
        canvas.paste(crop, (box[0], box[1]))
        hits += _hits(lines, canvas, "fixed pixels")
    if not hits:  # a still scene, or a mark that moves: the first frame, read whole
        lines = visible_mark.read_lines(first.image)
        hits = _hits(lines, first.image, f"frame at {first.time} s")
    hits = [
        h
        for i, h in enumerate(hits)
        if all(visible_mark._iou(h["box"], k["box"]) < 0.3 for k in hits[:i])
    ]
    strip = strip_figure(photo, [tuple(h["box"]) for h in hits])
    data_common = {
        "frames_sampled": [f.time for f in frames],
        "fixed_regions": [list(b) for b in regions],
    }
    if not hits:
        text = Text(
            "抽取的视频帧中未读出可见的 AI 标识文字（不确定：标识常被裁掉或遮住）。",
            "No visible AI mark was read in the sampled frames (inconclusive: marks are often "
            "cropped or covered).",
        )
        data = {**data_common, "figure": strip}
        return [Finding(NAME, "no_visible_mark", "none", text, data)]
    return [_finding({**hit, **_early(frames, hit), **data_common}, strip) for hit in hits]


def strip_figure(video: VideoData, boxes: list[tuple[float, ...]]) -> dict[str, Any]:
    """The sampled frames as a strip, marks boxed: the figure of this check's finding and the
    picture of the video in the reports (reports/render.py)."""
    pairs = [(f.time, f.image) for f in video.frames if f.image.size == video.frames[0].image.size]
    boxed = [(b[0], b[1], b[2], b[3]) for b in boxes]
    caption = (
        Text("抽取的视频帧；红框：读出的 AI 标识", "Sampled frames; red boxes: the AI mark read")
        if boxes
        else Text("抽取的视频帧", "Sampled frames of the video")
    )
    return video.add_figure(strip.frames_strip(pairs, boxed), caption)


def _finding(hit: dict[str, Any], figure: dict[str, Any]) -> Finding:
    vendor = f"（{hit['vendor']}）" if hit["vendor"] else ""
    vendor_en = f" ({hit['vendor']})" if hit["vendor"] else ""
    pct = f"{hit['height_ratio'] * 100:.1f}%"
    size_zh = "达到" if hit["meets_5pct_rule"] else "低于"
    size_en = "meets" if hit["meets_5pct_rule"] else "is below"
    early_zh = "前 2 秒抽到的帧里都有" if hit["shown_first_2s"] else "前 2 秒抽到的帧里并非都能读出"
    early_en = (
        "it is read in every sampled frame of the first 2 s"
        if hit["shown_first_2s"]
        else "it is not read in every sampled frame of the first 2 s"
    )
    fixed_zh = "（画面移动时位置固定）" if hit["found_in"] == "fixed pixels" else ""
    fixed_en = " (fixed while the picture moves)" if hit["found_in"] == "fixed pixels" else ""
    strength: Strength = "supporting" if hit["kind"] == "partial" else "strong"
    text = Text(
        f"视频{hit['position_zh']}有可见的 AI 生成标识「{hit['text']}」{vendor}{fixed_zh}；"
        f"文字高度为短边的 {pct}，{size_zh} GB 45438 的 5% 要求；{early_zh}。",
        f"A visible AI-generation mark “{hit['text']}”{vendor_en} at the {hit['position']} of "
        f"the video{fixed_en}; its text is {pct} of the short side, which {size_en} the 5% of "
        f"GB 45438; {early_en}.",
    )
    return Finding(NAME, "visible_ai_mark", strength, text, {**hit, "figure": figure})

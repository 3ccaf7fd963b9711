"""A strip of video frames side by side, each with its time under it and boxes drawn on it:
how a report shows a video on paper."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

FRAME_WIDTH = 400  # px per frame: four across fill a figure's 1600 px
MOST = 4
LABEL = 28  # px under each frame for its time
GAP = 6


def frames_strip(
    frames: Sequence[tuple[float, Image.Image]],
    boxes: Sequence[tuple[float, float, float, float]] = (),
) -> Image.Image:
    """Up to MOST (time, frame) pairs, evenly chosen, left to right; `boxes` (in the frames'
    own pixels) drawn in red on every one: a fixed mark is in the same place in each."""
    step = max(1, len(frames) / MOST)
    chosen = [frames[int(i * step)] for i in range(min(MOST, len(frames)))]
    first = chosen[0][1]
    height = round(first.height * FRAME_WIDTH / first.width)
    canvas = Image.new("RGB", (len(chosen) * (FRAME_WIDTH + GAP) - GAP, height + LABEL), "white")
    draw = ImageDraw.Draw(canvas)
    scale = FRAME_WIDTH / first.width
    for n, (time, frame) in enumerate(chosen):
        x = n * (FRAME_WIDTH + GAP)
        canvas.paste(frame.convert("RGB").resize((FRAME_WIDTH, height)), (x, 0))
        for x0, y0, x1, y1 in boxes:
            draw.rectangle(
                (x + x0 * scale - 3, y0 * scale - 3, x + x1 * scale + 3, y1 * scale + 3),
                outline=(230, 0, 30),
                width=3,
            )
        draw.text((x + 4, height + 6), f"{time:.1f} s", fill=(0, 0, 0))
    return canvas

"""Generated catalogue pictures and the copies a fraudster makes of them: what the catalogue
tests and bench/catalog.py look up. Never used by verification."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from . import samples

EDIT_BOX = (0.42, 0.38, 0.72, 0.62)  # of the picture: where the painted damage goes


def listing(seed: int, width: int = 900, height: int = 900) -> Image.Image:
    """A distinct product shot per seed (its own backdrop and its own product)."""
    return samples.product_shot(width, height, seed=seed, product_seed=10_000 + seed)


def detail_page(seed: int, width: int = 750, parts: int = 4) -> Image.Image:
    """A tall detail image: several product shots stacked with captions between them."""
    shots = [listing(seed * 31 + k, width, width) for k in range(parts)]
    page = Image.new("RGB", (width, parts * (width + 120)), (250, 250, 248))
    draw = ImageDraw.Draw(page)
    for k, shot in enumerate(shots):
        y = k * (width + 120)
        draw.rectangle((0, y, width, y + 119), fill=(240, 236, 230))
        draw.text((30, y + 40), f"DETAIL {seed}-{k}", fill=(60, 50, 40))
        page.paste(shot, (0, y + 120))
    return page


def recoloured(im: Image.Image, hue_turn: int) -> Image.Image:
    """The same picture in another colour (a colour variant of the listing)."""
    hsv = np.asarray(im.convert("HSV")).copy()
    hsv[:, :, 0] = (hsv[:, :, 0].astype(np.int32) + hue_turn) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


def jpeg_bytes(im: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _requality(im: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(im, quality))).convert("RGB")


def painted(im: Image.Image, seed: int = 3, share: float = 0.09) -> Image.Image:
    """Damage painted over `share` of the picture (the crack-and-stain filter)."""
    w, h = im.size
    side = (share * w * h) ** 0.5
    cx, cy = w * 0.55, h * 0.5
    box = (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))
    return samples.paint_damage(im, box, seed=seed)


def _perspective(im: Image.Image) -> Image.Image:
    w, h = im.size
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = np.array([[0.06 * w, 0.03 * h], [0.97 * w, 0], [w, h], [0.02 * w, 0.94 * h]], np.float32)
    coeffs = samples._perspective_coeffs(src, dst)
    return im.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)


def screenshot(im: Image.Image) -> Image.Image:
    """The picture as a phone shows it: a 1080 × 2340 screen with a status bar, the app's
    title bar and buttons, the picture letterboxed in between."""
    screen = Image.new("RGB", (1080, 2340), (18, 18, 18))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, 1080, 90), fill=(0, 0, 0))
    draw.text((40, 30), "9:41", fill=(255, 255, 255))
    draw.text((900, 30), "5G 87%", fill=(255, 255, 255))
    draw.rectangle((0, 90, 1080, 250), fill=(255, 255, 255))
    draw.text((60, 150), "< 商品详情", fill=(0, 0, 0))
    shown = im.resize((1080, round(1080 * im.height / im.width)), Image.Resampling.LANCZOS)
    screen.paste(shown, (0, 250 + (1800 - shown.height) // 2))
    draw.rectangle((0, 2100, 1080, 2340), fill=(250, 250, 250))
    draw.rounded_rectangle((600, 2150, 1040, 2290), 60, fill=(255, 80, 0))
    return screen


def crop_share(im: Image.Image, share: float = 0.3) -> Image.Image:
    w, h = im.size
    f = share**0.5
    x0, y0 = int(w * (1 - f) * 0.6), int(h * (1 - f) * 0.45)
    return im.crop((x0, y0, x0 + int(w * f), y0 + int(h * f)))


# Each kind of copy the catalogue must find, made from the catalogue picture as stored.
COPIES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop30": crop_share,
    "rotate15": lambda im: im.rotate(
        15, Image.Resampling.BICUBIC, expand=False, fillcolor=(0, 0, 0)
    ),
    "rotate-15": lambda im: im.rotate(-15, Image.Resampling.BICUBIC, fillcolor=(255, 255, 255)),
    "perspective": _perspective,
    "rescale": lambda im: im.resize(
        (im.width * 11 // 20, im.height * 11 // 20), Image.Resampling.LANCZOS
    ),
    "q60": lambda im: _requality(im, 60),
    "mirror": ImageOps.mirror,
    "screenshot": screenshot,
    "edit30": lambda im: painted(im, share=0.3),
}


def cut_from(page: Image.Image, part: int, width: int = 750) -> Image.Image:
    """One product shot (with a little of the caption above it) cut out of a detail page."""
    y = part * (width + 120) + 60
    return page.crop((0, y, width, y + width))

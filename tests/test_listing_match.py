"""listing_match: derived copies of the seller's listing photo with damage painted in, and
the photos that must not be called copies."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from server.checks import CheckContext, listing_match
from server.demo import samples

from .pixels_util import iou, jpeg, parsed

DAMAGE = (560, 330, 760, 530)  # where the crack and stain are painted, in listing pixels


def _listing() -> Image.Image:
    return samples.product_shot(1200, 900, seed=1)


def _mask() -> Image.Image:
    m = Image.new("L", (1200, 900), 0)
    m.paste(255, DAMAGE)
    return m


TRANSFORMS = {
    "crop": lambda im, fill: im.crop((150, 100, 1100, 820)),
    "rotate": lambda im, fill: im.rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=fill),
    "rescale": lambda im, fill: im.resize((720, 540), Image.Resampling.LANCZOS),
    "recompress": lambda im, fill: im,
    "exposure": lambda im, fill: im,
}


def _run(evidence: bytes, *listings: bytes) -> list:
    ctx = CheckContext(
        listings=tuple(parsed(b, "listing", f"listing{i}.jpg") for i, b in enumerate(listings))
    )
    return listing_match.run(parsed(evidence), ctx)


@pytest.mark.parametrize("how", list(TRANSFORMS))
def test_derived_copy_with_painted_damage_is_found_and_located(how):
    listing = _listing()
    fake = TRANSFORMS[how](samples.paint_damage(listing, DAMAGE, seed=3), (0, 0, 0))
    truth = np.asarray(TRANSFORMS[how](_mask(), 0)) > 128
    if how == "exposure":
        fake = ImageEnhance.Brightness(fake).enhance(1.25)
    quality = 60 if how == "recompress" else 80
    (f,) = _run(jpeg(fake, quality), jpeg(listing, 92))
    assert f.signal == "derived_from_listing", f.data
    assert f.strength == "decisive", f.data
    ys, xs = np.nonzero(truth)
    true_box = (xs.min(), ys.min(), xs.max(), ys.max())
    assert f.data["regions"], "the painted damage must be located"
    assert max(iou(r, true_box) for r in f.data["regions"]) >= 0.5, (f.data["regions"], true_box)
    assert f.data["figure"]["sha256"]
    for key in ("inliers", "inlier_ratio", "coverage", "aligned_share", "transform", "thresholds"):
        assert key in f.data


def test_rotation_and_scale_are_reported():
    listing = _listing()
    fake = listing.rotate(3, resample=Image.Resampling.BICUBIC).resize((900, 675))
    (f,) = _run(jpeg(fake), jpeg(listing))
    assert f.signal == "derived_from_listing"
    assert abs(abs(f.data["transform"]["rotation_deg"]) - 3) < 0.5
    assert abs(f.data["transform"]["scale"] - 0.75) < 0.05


def test_listing_photo_itself_is_derived_with_no_edit():
    listing = jpeg(_listing(), 90)
    (f,) = _run(jpeg(_listing(), 75), listing)
    assert f.signal == "derived_from_listing"
    assert f.data["regions"] == []
    assert "就是商品图本身" in f.summary.zh


def test_the_same_object_photographed_again_is_not_a_copy():
    other_view = samples.product_shot(1200, 900, seed=6, view=1.0)
    (f,) = _run(jpeg(other_view), jpeg(_listing()))
    assert f.strength == "none"
    # it is recognised as the same product (many consistent matches), and refused as a copy
    # because too little of it lines up pixel for pixel
    assert f.signal == "same_subject_not_copy"
    assert f.data["inliers"] >= f.data["thresholds"]["inliers"]
    assert f.data["aligned_share"] < f.data["thresholds"]["aligned_share"]


def test_unrelated_photo_is_not_a_copy():
    (f,) = _run(jpeg(samples.photo(1000, 750, seed=3)), jpeg(_listing()))
    assert f.signal == "no_listing_match"
    assert f.strength == "none"


def test_best_of_several_listings_is_named():
    listing = _listing()
    fake = samples.paint_damage(listing, DAMAGE).crop((0, 0, 1000, 800))
    (f,) = _run(
        jpeg(fake), jpeg(samples.product_shot(1200, 900, seed=8, product_seed=3)), jpeg(listing)
    )
    assert f.signal == "derived_from_listing"
    assert f.data["listing_file"] == "listing1.jpg"


def test_without_listing_photos_it_says_so():
    (f,) = _run(jpeg(_listing()))
    assert f.signal == "no_listing_photos"
    assert f.strength == "none"


def _crack(im: Image.Image, box) -> Image.Image:
    from PIL import ImageDraw

    out = im.copy()
    x0, y0, x1, y1 = box
    ImageDraw.Draw(out).line(
        [(x0, y0), (x0 + 60, y0 + 70), (x0 + 40, y0 + 130), (x1, y1)], fill=(20, 15, 10), width=2
    )
    return out


def _mould(im: Image.Image, box) -> Image.Image:
    from PIL import ImageDraw

    rng = np.random.default_rng(5)
    out = im.copy()
    d = ImageDraw.Draw(out)
    x0, y0, x1, y1 = box
    for _ in range(60):  # scattered dark-green specks, each too small to count alone
        cx, cy, r = rng.uniform(x0, x1), rng.uniform(y0, y1), rng.uniform(1.5, 3.5)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(40, 70, 30))
    return out


def _stain(im: Image.Image, box) -> Image.Image:
    from PIL import ImageDraw

    out = im.copy()
    ImageDraw.Draw(out).ellipse(box, fill=(110, 80, 40))
    return out


def _scuff(im: Image.Image, box) -> Image.Image:
    out = im.copy()
    patch = ImageEnhance.Brightness(out.crop(box)).enhance(1.6)
    out.paste(patch, box[:2])
    return out


def _inpainted(im: Image.Image, box) -> Image.Image:
    """What an AI inpainting leaves: the area replaced by smooth, plausible new content."""
    from PIL import ImageFilter

    out = im.copy()
    patch = out.crop(box).transpose(Image.Transpose.ROTATE_180).filter(ImageFilter.GaussianBlur(6))
    out.paste(patch, box[:2])
    return out


EDITS = {
    "crack": _crack,
    "mould": _mould,
    "stain": _stain,
    "scuff": _scuff,
    "inpainted": _inpainted,
}
EDIT_BOX = (500, 300, 640, 470)


@pytest.mark.parametrize("kind", list(EDITS))
def test_each_kind_of_edit_is_boxed(kind):
    listing = _listing()
    fake = EDITS[kind](listing, EDIT_BOX)
    (f,) = _run(jpeg(fake, 85), jpeg(listing, 92))
    assert f.signal == "derived_from_listing", f.data
    regions = f.data["regions"]
    assert regions, f"the {kind} must be boxed"
    union = [min(r[0] for r in regions), min(r[1] for r in regions)]
    union += [max(r[2] for r in regions), max(r[3] for r in regions)]
    assert iou(union, EDIT_BOX) >= 0.5, (kind, regions)
    assert "就是商品图本身" not in f.summary.zh


def test_the_copy_itself_is_said_only_when_nothing_differs():
    listing = _listing()
    (same,) = _run(jpeg(listing, 80), jpeg(listing, 92))
    assert "就是商品图本身" in same.summary.zh
    assert same.data["regions"] == []

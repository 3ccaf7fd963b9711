"""forensics: JPEG tables, double compression, a pasted patch; and hostile input for every
pixel check."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from server.checks import CheckContext, forensics
from server.demo import samples
from server.domain.cases import Source

from .pixels_util import iou, jpeg, parsed


def _signals(data: bytes) -> dict:
    return {f.signal: f for f in forensics.run(parsed(data), CheckContext())}


@pytest.mark.parametrize("quality", [50, 75, 95])
def test_quality_of_standard_tables(quality):
    f = _signals(jpeg(samples.photo(640, 480), quality))["jpeg_encoding"]
    assert f.data["estimated_quality"] == quality
    assert f.data["ijg_standard"]


def test_double_compression_signs():
    shot = samples.product_shot(1200, 900, seed=2)
    once = _signals(jpeg(shot, 90))["jpeg_encoding"]
    twice = _signals(jpeg(Image.open(io.BytesIO(jpeg(shot, 60))), 90))["jpeg_encoding"]
    assert not once.data["double_compression"]
    assert twice.data["double_compression"]
    assert "二次压缩" in twice.summary.zh
    assert twice.strength == "none"  # platforms re-encode too: it weighs nothing alone


def test_pasted_flat_patch_is_located_as_supporting():
    photo = Image.open(io.BytesIO(jpeg(samples.product_shot(1200, 900, seed=2), 90))).convert("RGB")
    photo.paste(Image.new("RGB", (250, 200), (180, 60, 60)), (100, 100))
    f = _signals(jpeg(photo, 90))["noise_anomaly"]
    assert f.strength == "supporting"
    assert iou(f.data["box"], (100, 100, 350, 300)) >= 0.5
    assert f.data["figure"]["sha256"]


def test_an_ordinary_photo_has_no_anomaly():
    s = _signals(jpeg(samples.product_shot(1200, 900, seed=9, view=0.5), 85))
    assert "noise_anomaly" not in s
    assert "no_local_anomaly" in s


def _hostile() -> dict[str, bytes]:
    def png(im, **kw):
        b = io.BytesIO()
        im.save(b, "PNG", **kw)
        return b.getvalue()

    frames = [samples.photo(120, 90, seed=i) for i in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    cmyk = io.BytesIO()
    samples.photo(400, 300).convert("CMYK").save(cmyk, "JPEG", quality=85)
    deep = np.asarray(samples.photo(300, 200).convert("L"), dtype=np.uint16) * 257
    return {
        "1x1": png(Image.new("RGB", (1, 1), (9, 9, 9))),
        "strip": jpeg(Image.new("RGB", (20000, 200), (120, 130, 140))),
        "black": jpeg(Image.new("RGB", (800, 600), (0, 0, 0))),
        "animated_gif": gif.getvalue(),
        "cmyk_jpeg": cmyk.getvalue(),
        "png_16bit": png(Image.fromarray(deep)),  # mode I;16
    }


@pytest.mark.parametrize("name", list(_hostile()))
def test_hostile_input_gives_a_result_for_every_pixel_check(service, name):
    case = service.create_case({})
    data = _hostile()[name]
    service.add_photo(case["id"], data, "listing", Source(file_name="l.png"))
    service.add_photo(case["id"], samples.jpeg(samples.photo(64, 48, seed=2)), "evidence", Source())
    other = service.create_case({})
    service.add_photo(other["id"], data, "evidence", Source(file_name=name))
    service.verify(other["id"])
    service.add_photo(case["id"], data, "evidence", Source(file_name=name))
    result = service.verify(case["id"])
    pixel_checks = {"visible_mark", "listing_match", "reuse", "forensics"}
    for photo in result["photos"]:
        errors = [f for f in photo["findings"] if f["strength"] == "error"]
        assert errors == [], (name, errors)
        statuses = {c["check"]: c["status"] for c in photo["checks"]}
        assert all(statuses[c] == "ok" for c in pixel_checks)

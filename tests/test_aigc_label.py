"""GB 45438 labels written the ways real generators write them, in every container."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from PIL.ExifTags import IFD, Base

from server.demo import samples
from server.formats.gb45438 import uscc_valid

from .conftest import signals, verify_bytes

LABEL = samples.DOUBAO_LABEL
WRAPPED = json.dumps({"AIGC": LABEL}).encode()
BARE = json.dumps(LABEL).encode()


def _img() -> Image.Image:
    return samples.photo(96, 64, seed=2)


def _gif_with_xmp(xmp: bytes) -> bytes:
    buf = io.BytesIO()
    _img().convert("P").save(buf, "GIF")
    data = buf.getvalue()
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    trailer = bytes([1, *range(255, -1, -1), 0])  # the XMP "magic trailer" of 258 bytes
    ext = b"\x21\xff\x0bXMP DataXMP" + xmp + trailer
    return data[:at] + ext + data[at:]


def _user_comment(text: str) -> Image.Exif:
    ex = Image.Exif()
    ex.get_ifd(IFD.Exif)[Base.UserComment] = b"ASCII\x00\x00\x00" + text.encode()
    return ex


def _save(fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    _img().save(buf, fmt, **kw)
    return buf.getvalue()


PLACEMENTS = {
    "png_xmp_element": lambda: samples.png(
        _img(), [samples.png_text_chunk("XML:com.adobe.xmp", samples.tc260_xmp(LABEL), "iTXt")]
    ),
    "png_xmp_attribute": lambda: samples.png(
        _img(),
        [
            samples.png_text_chunk(
                "XML:com.adobe.xmp", samples.tc260_xmp(LABEL, "attribute"), "iTXt"
            )
        ],
    ),
    "png_xmp_malformed_xpacket": lambda: samples.png(
        _img(),
        [
            samples.png_text_chunk(
                "XML:com.adobe.xmp", samples.tc260_xmp(LABEL, malformed=True), "iTXt"
            )
        ],
    ),
    "png_text_bare": lambda: samples.png(_img(), [samples.png_text_chunk("AIGC", BARE)]),
    "png_ztxt_wrapped_after_idat": lambda: samples.png(
        _img(), after_idat=[samples.png_text_chunk("AIGC", WRAPPED, "zTXt")]
    ),
    "png_itxt_wrapped": lambda: samples.png(
        _img(), [samples.png_text_chunk("AIGC", WRAPPED, "iTXt")]
    ),
    "jpeg_xmp": lambda: samples.jpeg(_img(), xmp=samples.tc260_xmp(LABEL, wrapped=True)),
    "jpeg_exif_usercomment": lambda: samples.jpeg(_img(), exif=_user_comment(WRAPPED.decode())),
    "jpeg_bare_app_blob": lambda: samples.jpeg(_img(), app_segments=[(10, b"AIGC" + BARE)]),
    "webp_xmp": lambda: _save("WEBP", xmp=samples.tc260_xmp(LABEL)),
    "gif_xmp": lambda: _gif_with_xmp(samples.tc260_xmp(LABEL)),
    "tiff_xmp": lambda: _save("TIFF", tiffinfo={700: samples.tc260_xmp(LABEL)}),
    "heif_xmp": lambda: _save("HEIF", xmp=samples.tc260_xmp(LABEL)),
    "avif_xmp": lambda: _save("AVIF", xmp=samples.tc260_xmp(LABEL)),
}


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_label_found_in_every_placement(service, placement):
    photo = verify_bytes(service, PLACEMENTS[placement]())
    found = signals(photo, "aigc_label")
    assert "gb45438_label" in found, found
    label = found["gb45438_label"]
    assert label["data"]["fields"] == LABEL
    assert label["data"]["producer"]["uscc"] == "91110102MACQD9K640"
    assert label["strength"] == "strong"
    assert "multiple_labels" not in found
    assert photo["verdict"]["level"] == "strong"


def test_placement_names_the_offset(service):
    data = PLACEMENTS["png_ztxt_wrapped_after_idat"]()
    label = signals(verify_bytes(service, data), "aigc_label")["gb45438_label"]
    where = label["data"]["placement"]
    assert where["where"] == "PNG zTXt 'AIGC'"
    assert data[where["offset"] + 4 : where["offset"] + 8] == b"zTXt"
    assert label["data"]["form"] == "wrapped"


def test_tencent_image_description_variant(service):
    ex = Image.Exif()
    ex[Base.ImageDescription] = json.dumps(
        {"AIGC": {"ServiceProvider": "腾讯云", "ServiceUser": "u1"}}
    )
    found = signals(verify_bytes(service, samples.jpeg(_img(), exif=ex)), "aigc_label")
    assert found["aigc_label_nonstandard"]["strength"] == "strong"
    assert found["aigc_label_nonstandard"]["data"]["fields"]["ServiceProvider"] == "腾讯云"


def test_conflicting_labels_flagged(service):
    other = {**LABEL, "Label": "3", "ContentProducer": "00119144030008867405X210001"}
    data = samples.png(
        _img(),
        [samples.png_text_chunk("XML:com.adobe.xmp", samples.tc260_xmp(LABEL), "iTXt")],
        [samples.png_text_chunk("AIGC", json.dumps(other).encode())],
    )
    found = signals(verify_bytes(service, data), "aigc_label")
    assert found["multiple_labels"]["data"]["count"] == 2
    assert found["multiple_labels"]["data"]["conflicting"] is True


def test_label_2_is_supporting_and_reserved_code_reported(service):
    signed = {**LABEL, "Label": "2", "ReservedCode1": "MEUCIQDx"}
    data = samples.png(_img(), [samples.png_text_chunk("AIGC", json.dumps(signed).encode())])
    label = signals(verify_bytes(service, data), "aigc_label")["gb45438_label"]
    assert label["strength"] == "supporting"
    assert label["data"]["reserved_code_present"] is True
    assert "ReservedCode" in label["summary"]


def test_broken_xmp_and_unreadable_aigc_do_not_crash(service):
    broken = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF <<< TC260:AIGC="{not json'
    data = samples.png(_img(), [samples.png_text_chunk("XML:com.adobe.xmp", broken, "iTXt")])
    photo = verify_bytes(service, data)
    assert all(f["strength"] != "error" for f in photo["findings"])
    assert "aigc_field_unreadable" in signals(photo, "aigc_label")


def test_no_label_is_inconclusive_not_authentic(service):
    photo = verify_bytes(service, samples.jpeg(_img()))
    assert signals(photo, "aigc_label")["no_label"]["strength"] == "none"
    assert photo["verdict"]["level"] == "none"
    assert "不确定" in photo["verdict"]["summary"]
    assert "真实" not in photo["verdict"]["summary"].replace("不代表图片真实", "")


def test_uscc_checksum():
    assert uscc_valid("91110102MACQD9K640")
    assert not uscc_valid("91110102MACQD9K641")


def _nested_then_long() -> bytes:
    """A 250 KB PNG whose AIGC value opens 1,000 nested objects, then a string that never
    closes: trying each "{" in turn re-read the whole value (52 s in the CLI on one photo)."""
    value = ('{"AIGC":' * 1000 + '"' + "a" * 240_000).encode()
    return samples.png(_img(), before_idat=[samples.png_text_chunk("AIGC", value)])


def test_a_crafted_label_value_costs_seconds_and_every_check_runs(tmp_path):
    import subprocess
    import sys
    import time

    photo = tmp_path / "label.png"
    photo.write_bytes(_nested_then_long())
    assert photo.stat().st_size > 240_000
    env = {**__import__("os").environ, "REFUNDPROOF_HOME": str(tmp_path / "home")}
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify", str(photo), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    seconds = time.monotonic() - started
    assert out.returncode == 0, out.stderr[-500:]
    checks = json.loads(out.stdout)["photos"][0]["checks"]
    assert {c["check"]: c["status"] for c in checks if c["status"] != "ok"} == {}
    assert seconds < 10

"""Pixels a strict decoder refuses but every viewer shows: two bytes cut from a JPEG, or a PNG
text chunk past Pillow's limit, must not switch the pixel checks off (an evasion a buyer can
make by hand). A picture that truly does not decode is a finding of its own, and the reuse
check names a candidate it cannot confirm instead of failing."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

from PIL import Image, PngImagePlugin

from server.demo import samples
from server.domain.cases import Source
from server.domain.limits import Limits
from server.formats import repair
from server.intake import check_image
from server.service import Service
from server.settings import Config

from .conftest import signals, verify_bytes
from .pixels_util import jpeg
from .test_report import flat, pdftotext


def _marked(seed: int = 3) -> Image.Image:
    base = samples.product_shot(1200, 900, seed=seed)
    return samples.draw_text(base, "豆包AI生成", 70, "bottom-right")[0]


def _zTXt_bomb_after_idat(im: Image.Image) -> bytes:
    """A 1 KB zTXt after IDAT that inflates past Pillow's text limit."""
    body = b"Comment\x00\x00" + zlib.compress(b" " * (PngImagePlugin.MAX_TEXT_CHUNK + 1024), 9)
    chunk = (
        struct.pack(">I", len(body))
        + b"zTXt"
        + body
        + struct.pack(">I", zlib.crc32(b"zTXt" + body))
    )
    assert len(chunk) < 2048
    return samples.png(im, after_idat=[chunk])


def _strict_refuses(data: bytes) -> None:
    try:
        Image.open(io.BytesIO(data)).load()
    except Exception:
        return
    raise AssertionError("a strict decode accepted it: the test no longer tests a mend")


def test_a_jpeg_without_its_end_marker_keeps_its_mark(service):
    cut = jpeg(_marked(), 88)[:-2]
    _strict_refuses(cut)
    photo = verify_bytes(service, cut)
    mark = signals(photo, "visible_mark")["visible_ai_mark"]
    assert mark["strength"] == "strong" and mark["data"]["vendor"] == "豆包 Doubao"
    assert photo["verdict"]["level"] == "strong"
    mended = signals(photo, "decoding")["pixels_decoded_after_mending"]
    assert mended["data"]["repairs"] == [repair.JPEG_END_ADDED]
    assert "结束标记" in mended["summaries"]["zh-CN"]


def test_a_png_with_a_text_chunk_past_the_limit_keeps_its_mark(service):
    data = _zTXt_bomb_after_idat(_marked(4))
    _strict_refuses(data)
    seen = check_image(data, Limits())
    assert seen.pixels_error is None and seen.phash and seen.width == 1200
    photo = verify_bytes(service, data)
    assert signals(photo, "visible_mark")["visible_ai_mark"]["strength"] == "strong"


def test_the_cut_jpeg_keeps_its_reuse(service):
    """Used in one refund as the cut file, then in another as the same bytes and as a
    recompressed copy: both are found, decisively."""
    picture = samples.product_shot(1000, 750, seed=11)
    cut = jpeg(picture, 90)[:-2]
    first = service.create_case({"platform": "淘宝", "order_id": "A-1"})
    service.add_photo(first["id"], cut, "evidence", Source(file_name="cut.jpg"))
    service.verify(first["id"])
    same = verify_bytes(service, cut, {"platform": "拼多多", "order_id": "B-2"})
    again = verify_bytes(service, jpeg(picture, 70), {"platform": "京东", "order_id": "C-3"})
    for photo in (same, again):
        reused = signals(photo, "reuse")["reused_in_other_refund"]
        assert reused["strength"] == "decisive"


def _undecodable_jpeg() -> bytes:
    """A well-formed JPEG whose scan names a Huffman table it never defines: every decoder
    gives up (a truncated scan, by contrast, shows with a grey end and is read so)."""
    good = bytearray(jpeg(samples.photo(320, 240, seed=2), 90))
    sos = good.index(b"\xff\xda")
    good[sos + 6] = 0x33  # first component: DC and AC table 3
    return bytes(good)


def test_a_picture_that_truly_does_not_decode_is_a_finding(service):
    data = _undecodable_jpeg()
    seen = check_image(data, Limits())
    assert seen.format == "JPEG" and seen.pixels_error
    photo = verify_bytes(service, data)
    f = signals(photo, "decoding")["pixels_undecodable"]
    assert f["strength"] == "supporting"
    assert "无法解码" in f["summaries"]["zh-CN"]
    assert photo["verdict"]["level"] == "supporting"
    assert "无法显示" in photo["verdict"]["summaries"]["zh-CN"]


def test_reuse_names_a_candidate_it_cannot_confirm(service, monkeypatch):
    """An earlier photo whose pixels no longer decode must not make the check fail for every
    later near copy."""
    from server.checks import parsed

    picture = samples.product_shot(1000, 750, seed=12)
    first = service.create_case({"platform": "淘宝", "order_id": "A-9"})
    service.add_photo(first["id"], jpeg(picture, 92), "evidence", Source(file_name="a.jpg"))
    service.verify(first["id"])
    # the stored first copy becomes unreadable to the checks from here on
    original = parsed.PhotoData.features.func  # type: ignore[attr-defined]
    first_sha = service.get_case(first["id"])["photos"][0]["sha256"]

    def failing(self):
        if self.photo.sha256 == first_sha:
            raise parsed.PixelsUnavailable("damaged on disk")
        return original(self)

    monkeypatch.setattr(parsed.PhotoData, "features", property(failing))
    photo = verify_bytes(service, jpeg(picture, 65), {"platform": "拼多多", "order_id": "B-9"})
    reuse = signals(photo, "reuse")
    assert "check_error" not in reuse
    assert reuse["near_copy_unconfirmed"]["data"]["other_case"] == first["id"]


def test_a_case_holding_an_undecodable_photo_gets_both_reports(home):
    cfg = Config.load(home)
    cfg.tsa_urls = []
    cfg.save(home)
    service = Service(home)
    case = service.create_case({"platform": "淘宝", "order_id": "U-1"})
    bad = _undecodable_jpeg()
    service.add_photo(case["id"], bad, "evidence", Source(file_name="bad.jpg"))
    service.add_photo(case["id"], jpeg(_marked(5), 85), "evidence", Source(file_name="ok.jpg"))
    for variant in ("appeal", "police"):
        record = service.report(case["id"], variant)
        text = flat(pdftotext(service.report_file(record["id"], "report.pdf").read_bytes()))
        assert "画面无法解码" in text
        if variant == "police":  # the detail pages name the original it stands for
            assert hashlib.sha256(bad).hexdigest() in text

"""Hostile and awkward files, generated: bombs, loops, truncations, parser traps, and the odd
but real shapes phones and apps write. Each kind says what a seller should get: the photo kept
and checked ("kept"), or refused with a given error code."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image

from server.demo import samples
from server.formats.containers import PNG_SIG

pillow_heif.register_heif_opener()

KEPT = "kept"


@dataclass(frozen=True)
class Kind:
    make: Callable[[], bytes]
    expect: str  # KEPT or the error code
    worst: bool = False  # among the heaviest: /api/health is polled while it runs


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _png_raw(w: int, h: int, rows: bytes, depth: int = 8, colour: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0)
    return (
        PNG_SIG
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def _flat_png(w: int, h: int, depth: int = 8, colour: int = 2) -> bytes:
    """A real, decodable PNG of w×h that compresses to almost nothing."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row = b"\x00" + b"\x80" * (w * channels * depth // 8)
    return _png_raw(w, h, row * h, depth, colour)


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _photo(w: int = 640, h: int = 480, seed: int = 1) -> Image.Image:
    return samples.photo(w, h, seed=seed)


def _jpeg_segments(*segments: tuple[int, bytes]) -> bytes:
    base = samples.jpeg(_photo(320, 240))
    extra = b"".join(
        b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body
        for marker, body in segments
    )
    return base[:2] + extra + base[2:]


def _jpeg_sof(w: int, h: int) -> bytes:
    """A JPEG whose frame header claims w×h (the scan data is a tiny real one)."""
    data = bytearray(samples.jpeg(_photo(64, 48)))
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, h, w)
    return bytes(data)


def _tiff_ifd_loop() -> bytes:
    """A little-endian TIFF whose first IFD points back at itself."""
    entries = [
        (256, 3, 1, 16),  # width
        (257, 3, 1, 16),  # height
        (258, 3, 1, 8),  # bits per sample
        (262, 3, 1, 1),  # photometric: black is zero
        (273, 4, 1, 8 + 2 + 12 * 8 + 4),  # strip offset: right after the IFD
        (278, 3, 1, 16),  # rows per strip
        (279, 4, 1, 256),  # strip bytes
        (277, 3, 1, 1),  # samples per pixel
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", 8)  # next IFD: this one again
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x80" * 256


def _exif_loop_jpeg() -> bytes:
    """EXIF whose IFD0 points to an EXIF sub-IFD that points back to IFD0."""
    tiff = b"II*\x00" + struct.pack("<I", 8)
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x8769, 4, 1, 8) + struct.pack("<I", 8)
    return _jpeg_segments((0xE1, b"Exif\x00\x00" + tiff + ifd))


def _exif_huge_counts() -> bytes:
    tiff = b"II*\x00" + struct.pack("<I", 8)
    entries = [(0x010F, 2, 0x7FFFFFFF, 26), (0x9286, 7, 0x7FFFFFFF, 26)]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHII", tag, typ, count, value)
    return _jpeg_segments((0xE1, b"Exif\x00\x00" + tiff + ifd + struct.pack("<I", 0)))


def _xmp_bomb() -> bytes:
    laughs = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % (i, *([i - 1] * 10))
        for i in range(1, 10)
    )
    packet = b"<?xml version='1.0'?><!DOCTYPE x [" + laughs + b"]><x:xmpmeta>&l9;</x:xmpmeta>"
    return samples.jpeg(_photo(320, 240), xmp=packet)


def _xxe() -> bytes:
    packet = (
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>"
        b"<!ENTITY r SYSTEM 'http://127.0.0.1:9/leak'>]><x:xmpmeta>&e;&r;</x:xmpmeta>"
    )
    return samples.jpeg(_photo(320, 240), xmp=packet)


def _jumbf_garbage() -> bytes:
    # APP11 JUMBF header ("JP", instance, sequence) then a box claiming 4 GB
    body = b"JP" + struct.pack(">HI", 1, 1) + struct.pack(">I", 0xFFFFFFF0) + b"jumb" + b"\x00" * 64
    return _jpeg_segments((0xEB, body))


def _remote_manifest() -> bytes:
    # an XMP dcterms:provenance pointing at a remote C2PA manifest: must never be fetched
    packet = samples.xmp_packet(
        {"dcterms:provenance": "http://127.0.0.1:9/manifest.c2pa"},
        {"dcterms": "http://purl.org/dc/terms/"},
    )
    return samples.jpeg(_photo(320, 240), xmp=packet)


def _mpo() -> bytes:
    return _save(_photo(), "MPO", save_all=True, append_images=[_photo(320, 240, 2)])


def _cmyk() -> bytes:
    return _save(_photo().convert("CMYK"), "JPEG", quality=90)


def _progressive() -> bytes:
    return _save(_photo(), "JPEG", quality=90, progressive=True)


def _apng() -> bytes:
    frames = [_photo(320, 240, s) for s in range(4)]
    return _save(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)


def _gif_frames() -> bytes:
    frames = [_photo(200, 150, s).convert("P") for s in range(60)]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


def _gif_screen_bomb() -> bytes:
    data = bytearray(_save(_photo(32, 32).convert("P"), "GIF"))
    struct.pack_into("<HH", data, 6, 65535, 65535)  # logical screen
    at = data.find(b"\x2c")
    struct.pack_into("<HH", data, at + 5, 65535, 65535)  # the image descriptor too
    return bytes(data)


def _anim_webp() -> bytes:
    frames = [Image.new("RGB", (6000, 6000), (i * 40, 0, 0)) for i in range(3)]
    return _save(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)


def _webp_bad_chunk() -> bytes:
    data = bytearray(_save(_photo(320, 240), "WEBP"))
    struct.pack_into("<I", data, 16, 0x7FFFFFF0)  # the VP8 chunk's size
    return bytes(data)


def _heic() -> bytes:
    return _save(_photo(), "HEIF")


def _heic_no_pixels() -> bytes:
    whole = _heic()
    return whole[: whole.index(b"mdat") + 4]


def _png_16bit() -> bytes:
    arr = (np.asarray(_photo(), dtype=np.uint16) * 257).astype(">u2")
    rows = b"".join(b"\x00" + arr[y].tobytes() for y in range(arr.shape[0]))
    return _png_raw(640, 480, rows, depth=16, colour=2)


def _png_many_chunks() -> bytes:
    base = samples.png(_photo(320, 240))
    chunks = b"".join(_chunk(b"tEXt", b"k%d\x00v" % i) for i in range(20_000))
    return base[:33] + chunks + base[33:]


def _png_truncated() -> bytes:
    data = samples.png(_photo())
    return data[: len(data) // 2]


def _icc_huge() -> bytes:
    return _save(_photo(320, 240), "JPEG", icc_profile=b"\x00" * 1_000_000)


def _exif_thumbnail_bomb() -> bytes:
    return samples.with_exif_thumbnail(samples.jpeg(_photo()), Image.new("RGB", (8, 8)))[
        :-2
    ] + _jpeg_sof(60000, 60000)


def _svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


KINDS: dict[str, Kind] = {
    "empty file": Kind(lambda: b"", "empty"),
    "text named .jpg": Kind(lambda: b"not a photo\n" * 100, "not_image"),
    "html page": Kind(lambda: b"<!doctype html><title>x</title>" * 50, "not_image"),
    "zip archive": Kind(lambda: b"PK\x03\x04" + b"\x00" * 200, "not_image"),
    "pdf": Kind(lambda: b"%PDF-1.7\n" + b"0" * 500, "not_image"),
    "svg with a script": Kind(_svg, "not_image"),
    "bmp": Kind(lambda: _save(_photo(64, 48), "BMP"), "format"),
    "png header 30000²": Kind(lambda: _png_raw(30000, 30000, b"\x00" * 64), "too_many_pixels"),
    "png 99 MP, decodable": Kind(lambda: _flat_png(11000, 9000, 8, 0), "too_many_pixels"),
    "jpeg frame 60000²": Kind(lambda: _jpeg_sof(60000, 60000), "too_many_pixels"),
    "gif screen 65535²": Kind(_gif_screen_bomb, "too_many_pixels"),
    "png 16-bit 8000² grey (64 MP)": Kind(lambda: _flat_png(8000, 8000, 16, 0), KEPT, True),
    "png 80 MP RGB": Kind(lambda: _flat_png(10000, 8000), KEPT, True),
    "animated webp 6000², 3 frames": Kind(_anim_webp, KEPT, True),
    "webp with a lying chunk size": Kind(_webp_bad_chunk, KEPT),
    "tiff IFD loop": Kind(_tiff_ifd_loop, KEPT),
    "truncated jpeg": Kind(lambda: samples.jpeg(_photo())[:4000], KEPT),
    "truncated png": Kind(_png_truncated, KEPT),
    "jpeg SOI then garbage": Kind(lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40, KEPT),
    "png XMP 900 KB of a": Kind(
        lambda: samples.png(
            _photo(320, 240), [samples.png_text_chunk("XML:com.adobe.xmp", b"a" * 900_000, "iTXt")]
        ),
        KEPT,
        True,
    ),
    "png XMP <?xml repeated": Kind(
        lambda: samples.png(
            _photo(320, 240),
            [samples.png_text_chunk("XML:com.adobe.xmp", b"<?xml " * 150_000, "iTXt")],
        ),
        KEPT,
        True,
    ),
    "jpeg XMP 64 KB": Kind(lambda: samples.jpeg(_photo(), xmp=b"<?xml " * 10_900), KEPT),
    "jpeg XMP billion laughs": Kind(_xmp_bomb, KEPT),
    "jpeg XMP external entities": Kind(_xxe, KEPT),
    "jpeg 1000 APP2 segments": Kind(lambda: _jpeg_segments(*[(0xE2, b"x" * 60)] * 1000), KEPT),
    "jpeg EXIF IFD loop": Kind(_exif_loop_jpeg, KEPT),
    "jpeg EXIF counts of 2³¹": Kind(_exif_huge_counts, KEPT),
    "jpeg JUMBF box claiming 4 GB": Kind(_jumbf_garbage, KEPT),
    "jpeg remote C2PA manifest": Kind(_remote_manifest, KEPT),
    "jpeg 1 MB ICC profile": Kind(_icc_huge, KEPT),
    "jpeg thumbnail then a 60000² frame": Kind(_exif_thumbnail_bomb, KEPT),
    "png 20 000 text chunks": Kind(_png_many_chunks, KEPT),
    "png 10 MB text chunk": Kind(
        lambda: samples.png(_photo(64, 48), [samples.png_text_chunk("Comment", b"A" * 10_000_000)]),
        KEPT,
    ),
    "phone MPO jpeg": Kind(_mpo, KEPT),
    "CMYK jpeg": Kind(_cmyk, KEPT),
    "progressive jpeg": Kind(_progressive, KEPT),
    "48 MP camera jpeg": Kind(
        lambda: samples.jpeg(
            _photo(2000, 1500).resize((8000, 6000)), samples.camera_exif("2026:11:19 09:00:00")
        ),
        KEPT,
        True,
    ),
    "png 16-bit RGB": Kind(_png_16bit, KEPT),
    "apng, 4 frames": Kind(_apng, KEPT),
    "gif, 60 frames": Kind(_gif_frames, KEPT),
    "heic": Kind(_heic, KEPT),
    "heic without its picture": Kind(_heic_no_pixels, KEPT),
    "1×1 jpeg": Kind(lambda: samples.jpeg(_photo(1, 1)), KEPT),
    "1×20000 png": Kind(lambda: _flat_png(1, 20000), KEPT),
    "20000×1 png": Kind(lambda: _flat_png(20000, 1), KEPT),
    "palette png with transparency": Kind(
        lambda: _save(_photo(320, 240).convert("P"), "PNG", transparency=0), KEPT
    ),
}

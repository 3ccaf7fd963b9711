"""Generated sample material: photo-like images and the labels real AI tools write, in each
placement. Used by `refundproof demo` and by the tests; nothing here is read at run time."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import zlib
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
DOUBAO_LABEL = {
    "Label": "1",
    "ContentProducer": "001191110102MACQD9K64010000",
    "ProduceID": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "ReservedCode1": "",
    "ContentPropagator": "",
    "PropagateID": "",
    "ReservedCode2": "",
}


def photo(width: int = 640, height: int = 480, seed: int = 1) -> Image.Image:
    """A photo-like picture: smooth light, a product box, and sensor-like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            150 + 60 * np.sin(x / width * 3 + seed),
            140 + 50 * np.cos(y / height * 2),
            120 + 40 * np.sin((x + y) / (width + height) * 4),
        ],
        axis=-1,
    )
    base += rng.normal(0, 6, base.shape)
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    w, h = width // 3, height // 3
    d.rectangle(
        (w, h, 2 * w, 2 * h), fill=(200 - seed * 10 % 80, 90, 60), outline=(40, 30, 20), width=3
    )
    return sensor_noise(im, seed)


def sensor_noise(im: Image.Image, seed: int = 1, sigma: float = 5.0) -> Image.Image:
    """What every camera adds everywhere: without it, drawn shapes look pasted in."""
    rng = np.random.default_rng(seed + 77)
    arr = np.asarray(im.convert("RGB"), dtype=np.float32)
    return Image.fromarray(np.clip(arr + rng.normal(0, sigma, arr.shape), 0, 255).astype(np.uint8))


def product(size: int = 420, seed: int = 1) -> Image.Image:
    """A product with print on it (a box of tea, say): shapes, stripes and glyph-like strokes
    that give feature matching something to hold on to. RGBA, transparent around it."""
    rng = np.random.default_rng(seed)
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 12, fill=(235, 225, 200, 255))
    for _ in range(40):
        x, y = rng.integers(0, size, 2)
        r = int(rng.integers(size // 40, size // 8))
        colour = (*tuple(int(c) for c in rng.integers(20, 230, 3)), 255)
        shape = rng.integers(0, 3)
        if shape == 0:
            d.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        elif shape == 1:
            d.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
        else:
            d.line((x - r, y, x + r, y + r), fill=colour, width=max(2, r // 4))
    for row in range(6):  # "printed text"
        y = size * (0.62 + row * 0.05)
        for col in range(14):
            x = size * (0.08 + col * 0.06)
            if rng.random() < 0.8:
                d.rectangle((x, y, x + size * 0.035, y + size * 0.025), fill=(30, 30, 30, 255))
    return im


def backdrop(width: int, height: int, seed: int) -> Image.Image:
    """A table or wall: wood-like stripes and noise, different for each seed."""
    rng = np.random.default_rng(seed + 1000)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    hue = rng.uniform(0, 6.28, 3)
    base = np.stack(
        [110 + 50 * np.sin(x / (17 + 9 * seed % 13) + hue[i] + y / 230) for i in range(3)], axis=-1
    )
    base += rng.normal(0, 9, base.shape)
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for _ in range(25):
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(8, 40))
        d.ellipse(
            (cx - r, cy - r, cx + r, cy + r),
            outline=tuple(int(c) for c in rng.integers(0, 255, 3)),
            width=3,
        )
    return im


def product_shot(
    width: int = 1200, height: int = 900, seed: int = 1, view: float = 0.0, product_seed: int = 7
) -> Image.Image:
    """The product on a backdrop. view=0 is the listing's straight-on shot; view>0 tilts the
    product in perspective and moves it: the same object photographed again."""
    item = product(int(min(width, height) * 0.6), product_seed)
    scene = backdrop(width, height, seed)
    s = item.width
    src = np.array([[0, 0], [s, 0], [s, s], [0, s]], dtype=np.float32)
    cx, cy = width * (0.5 - 0.12 * view), height * (0.5 + 0.05 * view)
    k = view * s * 0.22
    dst = np.array(
        [
            [cx - s / 2 + k, cy - s / 2],
            [cx + s / 2 - k * 0.4, cy - s / 2 + k * 0.6],
            [cx + s / 2, cy + s / 2 - k * 0.3],
            [cx - s / 2 + k * 0.5, cy + s / 2],
        ],
        dtype=np.float32,
    )
    coeffs = _perspective_coeffs(dst, src)
    warped = item.transform(
        (width, height), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    scene.paste(warped, (0, 0), warped)
    return sensor_noise(scene, seed)


def _perspective_coeffs(dst: np.ndarray, src: np.ndarray) -> list[float]:
    """Pillow's PERSPECTIVE takes the map from output (dst) to input (src) pixels."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return list(np.linalg.solve(np.array(rows, np.float64), src.reshape(8).astype(np.float64)))


def paint_damage(im: Image.Image, box: tuple[int, int, int, int], seed: int = 1) -> Image.Image:
    """A crack and a stain painted inside box, the way a faked "damaged goods" photo looks."""
    rng = np.random.default_rng(seed)
    out = im.copy()
    d = ImageDraw.Draw(out)
    x0, y0, x1, y1 = box
    d.ellipse((x0, y0 + (y1 - y0) // 3, x0 + (x1 - x0) // 2, y1), fill=(70, 50, 30))
    points: list[tuple[float, float]] = [(x0 + (x1 - x0) * 0.4, y0)]
    for i in range(1, 9):
        points.append((x0 + (x1 - x0) * (0.4 + rng.uniform(-0.3, 0.55)), y0 + (y1 - y0) * i / 8))
    d.line(points, fill=(15, 10, 10), width=max(4, (x1 - x0) // 30))
    return out


@cache
def cjk_font_path() -> str:
    """Noto Sans CJK (the Makefile installs fonts-noto-cjk), found through fontconfig."""
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:style=Bold"],
        capture_output=True,
        text=True,
    ).stdout
    if "NotoSansCJK" not in found:
        raise RuntimeError(
            "找不到 Noto Sans CJK 字体（运行 make 安装 fonts-noto-cjk）。 / "
            "Noto Sans CJK not found (make installs fonts-noto-cjk)."
        )
    return found


def draw_text(
    im: Image.Image,
    text: str,
    height: int,
    corner: str,
    fill: tuple[int, int, int] = (255, 255, 255),
    margin: int | None = None,
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Text about `height` px tall in a corner, with a shadow like the apps' marks; returns
    the picture and the text's box."""
    out = im.copy()
    d = ImageDraw.Draw(out)
    font = ImageFont.truetype(cjk_font_path(), int(height * 1.15))
    x0, y0, x1, y1 = d.textbbox((0, 0), text, font=font)
    w, h = x1 - x0, y1 - y0
    m = height // 2 if margin is None else margin
    x = m if "left" in corner else out.width - w - m
    y = m if "top" in corner else out.height - h - m
    d.text((x - x0 + 2, y - y0 + 2), text, font=font, fill=(0, 0, 0))
    d.text((x - x0, y - y0), text, font=font, fill=fill)
    return out, (int(x), int(y), int(x + w), int(y + h))


def tc260_xmp(
    fields: dict[str, Any], form: str = "element", malformed: bool = False, wrapped: bool = False
) -> bytes:
    """XMP with TC260:AIGC as an element (entity-escaped JSON) or an attribute."""
    value = json.dumps({"AIGC": fields} if wrapped else fields, separators=(",", ":"))
    esc = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    head = '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"' + ("??>" if malformed else "?>")
    if form == "attribute":
        desc = f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" TC260:AIGC="{esc}"/>'
    else:
        desc = (
            f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}">'
            f"<TC260:AIGC>{esc}</TC260:AIGC></rdf:Description>"
        )
    return (
        f'{head}<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        f'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">{desc}</rdf:RDF>'
        '</x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def xmp_packet(props: dict[str, str], namespaces: dict[str, str]) -> bytes:
    """Plain XMP with the given prefixed properties as attributes."""
    ns = " ".join(f'xmlns:{p}="{u}"' for p, u in namespaces.items())
    attrs = " ".join(f'{k}="{v}"' for k, v in props.items())
    return (
        f'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {ns} {attrs}/></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>'
    ).encode()


def _png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def png_text_chunk(key: str, value: bytes, kind: str = "tEXt") -> bytes:
    k = key.encode("latin-1") + b"\x00"
    if kind == "tEXt":
        return _png_chunk(b"tEXt", k + value)
    if kind == "zTXt":
        return _png_chunk(b"zTXt", k + b"\x00" + zlib.compress(value))
    return _png_chunk(b"iTXt", k + b"\x00\x00" + b"\x00\x00" + value)


def png(
    im: Image.Image, before_idat: Sequence[bytes] = (), after_idat: Sequence[bytes] = ()
) -> bytes:
    """Encode with Pillow, then insert raw chunks before the first IDAT and before IEND."""
    buf = io.BytesIO()
    im.save(buf, "PNG")
    data = buf.getvalue()
    idat = data.find(b"IDAT") - 4
    iend = data.rfind(b"IEND") - 4
    return (
        data[:idat] + b"".join(before_idat) + data[idat:iend] + b"".join(after_idat) + data[iend:]
    )


def jpeg(
    im: Image.Image,
    exif: Image.Exif | None = None,
    xmp: bytes | None = None,
    app_segments: Sequence[tuple[int, bytes]] = (),
    quality: int = 90,
) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"quality": quality}
    if exif is not None:
        kwargs["exif"] = exif
    if xmp is not None:
        kwargs["xmp"] = xmp
    im.save(buf, "JPEG", **kwargs)
    data = buf.getvalue()
    extra = b"".join(
        b"\xff" + bytes([0xE0 + n]) + struct.pack(">H", len(body) + 2) + body
        for n, body in app_segments
    )
    return data[:2] + extra + data[2:]


def with_exif_thumbnail(jpeg_bytes: bytes, thumb: Image.Image) -> bytes:
    """Replace the APP1 Exif segment with one that carries an IFD1 JPEG thumbnail."""
    im = Image.open(io.BytesIO(jpeg_bytes))
    exif = im.getexif()
    tb = io.BytesIO()
    thumb.save(tb, "JPEG", quality=85)
    tdata = tb.getvalue()
    tiff = exif.tobytes().removeprefix(b"Exif\x00\x00")  # TIFF header + IFD0 (+ sub-IFDs)
    e = "<" if tiff[:2] == b"II" else ">"
    ifd1_at = len(tiff) + (len(tiff) & 1)
    tiff += b"\x00" * (ifd1_at - len(tiff))
    thumb_at = ifd1_at + 2 + 3 * 12 + 4
    ifd1 = struct.pack(f"{e}H", 3)
    ifd1 += struct.pack(f"{e}HHIH", 0x0103, 3, 1, 6) + b"\x00\x00"  # Compression: JPEG
    ifd1 += struct.pack(f"{e}HHII", 0x0201, 4, 1, thumb_at)
    ifd1 += struct.pack(f"{e}HHII", 0x0202, 4, 1, len(tdata))
    ifd1 += struct.pack(f"{e}I", 0)
    # Link IFD0 -> IFD1: IFD0's next-IFD pointer sits after its entries.
    (ifd0_at,) = struct.unpack(f"{e}I", tiff[4:8])
    (count,) = struct.unpack(f"{e}H", tiff[ifd0_at : ifd0_at + 2])
    nxt = ifd0_at + 2 + 12 * count
    tiff = tiff[:nxt] + struct.pack(f"{e}I", ifd1_at) + tiff[nxt + 4 :] + ifd1 + tdata
    body = b"Exif\x00\x00" + tiff
    seg = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    start = jpeg_bytes.find(b"\xff\xe1")
    (old_len,) = struct.unpack(">H", jpeg_bytes[start + 2 : start + 4])
    return jpeg_bytes[:start] + seg + jpeg_bytes[start + 2 + old_len :]


def camera_exif(taken: str, make: str = "Xiaomi", model: str = "Redmi K70") -> Image.Exif:
    """EXIF as a phone camera writes it: make, model, capture time and exposure."""
    from PIL.ExifTags import IFD, Base

    ex = Image.Exif()
    ex[Base.Make] = make
    ex[Base.Model] = model
    sub = ex.get_ifd(IFD.Exif)
    sub[Base.DateTimeOriginal] = taken
    sub[Base.ExposureTime] = 1 / 60
    sub[Base.FNumber] = 1.8
    sub[Base.ISOSpeedRatings] = 200
    sub[Base.FocalLength] = 5.6
    return ex

"""Tiny videos for the video tests, made with PyAV (libx264 in its wheels): H.264 MP4s with
the GB 45438 label in each published layout (DOMAIN.md §8), a Kling-style SEI message, a
CapCut-style aigc_label_type:0, a fixed corner mark over moving frames, and re-muxed copies.
The box layouts not every muxer writes are added by hand, exactly as the files carry them."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterable, Iterator
from itertools import chain

import av
import numpy as np
from PIL import Image

from server.demo import samples

KLING_UUID = "91ca60614aee385486142d5f73f4ae2e"
KLING_LABEL = {
    "Label": "1",
    "ContentProducer": "001191110108335469089C10100",
    "ProduceID": "KLingMuse_4f1c2a7e-8d2b-4a51-9c3e-1b2d3e4f5a6b",
    "ReservedCode1": "",
    "ContentPropagator": "001191110108335469089C10100",
    "PropagateID": "KLingMuse_4f1c2a7e-8d2b-4a51-9c3e-1b2d3e4f5a6b",
    "ReservedCode2": "",
}
DOUBAO_LABEL = {**KLING_LABEL, "ContentProducer": "001191110102MACQD9K64000000", "ProduceID": "db1"}


def sei_nal(uuid_hex: str, text: bytes, hevc: bool = False) -> bytes:
    """An Annex B SEI NAL unit (H.264, or HEVC's prefix SEI) holding one
    user_data_unregistered message."""
    payload = bytes.fromhex(uuid_hex) + text
    header = bytes([39 << 1, 1]) if hevc else bytes([6])
    return b"\x00\x00\x00\x01" + header + bytes([5, len(payload)]) + payload + b"\x80"


def panning(count: int, size: tuple[int, int], seed: int = 1) -> Iterator[Image.Image]:
    """A textured scene panning sideways, 8 px a frame: every pixel changes from frame to
    frame. Made one frame at a time (a 30 s 1080p clip would not fit in memory at once)."""
    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.integers(40, 215, (h // 8 + 2, w // 8 + count + 2, 3), dtype=np.uint8)
    for i in range(count):
        tile = Image.fromarray(np.ascontiguousarray(coarse[:, i : i + w // 8 + 2]))
        yield tile.resize((tile.width * 8, tile.height * 8)).crop((0, 0, w, h))


def frames(count: int = 6, size: tuple[int, int] = (320, 240), seed: int = 1) -> list[Image.Image]:
    return list(panning(count, size, seed))


def with_mark(
    images: Iterable[Image.Image], text: str = "可灵AI", height: int = 22
) -> Iterator[Image.Image]:
    """The same mark drawn at the same place on every frame (bottom-right, as Kling does)."""
    return (samples.draw_text(im, text, height, "bottom-right")[0] for im in images)


def encode(
    images: Iterable[Image.Image],
    fps: int = 10,
    metadata: dict[str, str] | None = None,
    sei: bytes = b"",
    gop: int = 250,
    codec: str = "libx264",
    container: str = "mp4",
) -> bytes:
    """An H.264 MP4 of the frames; `metadata` written as keys+ilst (ffmpeg's
    use_metadata_tags, the TC260 layout); `sei` put before every frame's slices."""
    buf = io.BytesIO()
    options = {"movflags": "use_metadata_tags"} if metadata else {}
    out = av.open(buf, "w", format=container, options=options)
    out.metadata.update(metadata or {})
    stream = out.add_stream(codec, rate=fps)
    images = iter(images)
    first = next(images)
    stream.width, stream.height = first.size
    stream.pix_fmt = "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "18", "g": str(gop)}  # g: frames a keyframe
    if codec == "libx265":
        stream.codec_tag = "hvc1"  # as iPhones write HEVC
        stream.options |= {"x265-params": "log-level=none"}

    def mux(packet: av.Packet) -> None:
        if sei:  # the encoder's output is Annex B; the muxer converts it, SEI included
            changed = av.Packet(sei + bytes(packet))
            changed.pts, changed.dts, changed.time_base = packet.pts, packet.dts, packet.time_base
            changed.is_keyframe = packet.is_keyframe
            changed.stream = stream
            packet = changed
        out.mux(packet)

    for im in chain([first], images):
        for packet in stream.encode(av.VideoFrame.from_image(im.convert("RGB"))):
            mux(packet)
    for packet in stream.encode():
        mux(packet)
    out.close()
    return buf.getvalue()


def remux(data: bytes) -> bytes:
    """A stream-copy re-mux into a new MP4, as `ffmpeg -c copy` does by default: the frames
    (and their SEI) are kept, the container's metadata is not."""
    src = av.open(io.BytesIO(data))
    buf = io.BytesIO()
    out = av.open(buf, "w", format="mp4")
    inp = src.streams.video[0]
    stream = out.add_stream_from_template(inp)
    for packet in src.demux(inp):
        if packet.dts is None:
            continue
        packet.stream = stream
        out.mux(packet)
    out.close()
    src.close()
    return buf.getvalue()


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def hdlr(handler: bytes) -> bytes:
    return box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"\0")


def _keys(names: list[str]) -> bytes:
    entries = b"".join(box(b"mdta", n.encode()) for n in names)
    return box(b"keys", b"\0" * 4 + struct.pack(">I", len(names)) + entries)


def _ilst(values: list[str]) -> bytes:
    items = b"".join(
        box(struct.pack(">I", i), box(b"data", b"\0\0\0\x01" + b"\0" * 4 + v.encode()))
        for i, v in enumerate(values, 1)
    )
    return box(b"ilst", items)


def doubao_layout_a(label: dict[str, str]) -> bytes:
    """Doubao iOS (A): a QuickTime-form `meta` (no version/flags) straight under `moov`, keys
    [com.apple.quicktime.artwork, AIGC]."""
    artwork = json.dumps({"source_type": "", "data": {"product": "doubao"}})
    names = ["com.apple.quicktime.artwork", "AIGC"]
    return box(b"meta", hdlr(b"mdta") + _keys(names) + _ilst([artwork, json.dumps(label)]))


def doubao_layout_b(label: dict[str, str]) -> bytes:
    """Doubao iOS (B): `udta/meta` (FullBox, hdlr mdir) whose `ilst` has a numeric item and no
    `keys` box."""
    return box(b"udta", box(b"meta", b"\0" * 4 + hdlr(b"mdir") + _ilst([json.dumps(label)])))


def apple_tags(make: str = "Apple", model: str = "iPhone 15 Pro") -> bytes:
    """Apple's keys metadata, as a laundering tool injects it (QuickTime `meta` under moov)."""
    names = ["com.apple.quicktime.make", "com.apple.quicktime.model"]
    return box(b"meta", hdlr(b"mdta") + _keys(names) + _ilst([make, model]))


def filmed_upright(data: bytes) -> bytes:
    """The file with its (first) track header turned 90° clockwise on display, as a phone
    writes a video filmed upright: frames stored sideways, the turn in the tkhd matrix."""
    at = data.index(b"tkhd") + 4 + 40  # version 0: flags, times, ids, duration, layer…
    matrix = struct.pack(">9i", 0, 1 << 16, 0, -(1 << 16), 0, 0, 0, 0, 1 << 30)
    return data[:at] + matrix + data[at + 36 :]


def add_to_moov(data: bytes, *boxes: bytes) -> bytes:
    """The file with boxes appended inside its `moov`, which must be the last box (PyAV
    writes it after `mdat`, so no chunk offset moves)."""
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if kind == b"moov":
            assert pos + size == len(data), "moov is not the last box"
            extra = b"".join(boxes)
            return data[:pos] + struct.pack(">I", size + len(extra)) + data[pos + 4 :] + extra
        pos += size
    raise ValueError("no moov")

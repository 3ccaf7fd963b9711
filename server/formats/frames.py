"""Frames of a video, decoded on the CPU with PyAV (FFmpeg inside its wheels), and the coded
samples (packets) of its video track as stored, for reading SEI messages.

Only what the checks need is decoded: a handful of frames at chosen times, each reduced to at
most FRAME_PIXELS, so a 4K clip costs a few tens of megabytes. Everything here runs inside a
check worker, under its time and memory budget (server/workers.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from math import sqrt

import av
from PIL import Image

# 1920×1080: enough for OCR of a mark of 5 % of the short side, small enough that a dozen
# frames of a 4K clip stay within a worker's memory.
FRAME_PIXELS = 1920 * 1080


@dataclass(frozen=True)
class Frame:
    time: float  # seconds from the start of the stream
    keyframe: bool
    image: Image.Image  # RGB, at most FRAME_PIXELS


def _open(data: bytes) -> av.container.InputContainer:
    return av.open(io.BytesIO(data), mode="r")


def _start(stream: av.VideoStream) -> float:
    """The stream's first time stamp in seconds (an edit list may make it non-zero)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _upright(frame: av.VideoFrame, image: Image.Image) -> Image.Image:
    """The picture as players show it: a phone filming upright stores its frames sideways and
    a rotation in the track header (the display matrix), which FFmpeg hands over per frame."""
    turn = round(frame.rotation or 0) % 360
    return image.rotate(turn, expand=True) if turn else image


def _scaled(width: int, height: int) -> tuple[int, int]:
    factor = sqrt(width * height / FRAME_PIXELS)
    if factor <= 1:
        return width, height
    return max(2, round(width / factor)) // 2 * 2, max(2, round(height / factor)) // 2 * 2


def at_times(data: bytes, times: list[float]) -> list[Frame]:
    """The first frame at or after each time (seconds), in order; a time past the end gives
    nothing. Each is reached by seeking to the keyframe before it and decoding forward."""
    out: list[Frame] = []
    with _open(data) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base
        start = _start(stream)
        last = -1.0
        for wanted in sorted(times):
            if wanted <= last:
                continue
            if base is not None:
                container.seek(int((start + wanted) / base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.pts is None or base is None:
                    continue
                t = float(frame.pts * base) - start
                if t + 1e-3 < wanted:
                    continue
                width, height = _scaled(frame.width, frame.height)
                image = _upright(frame, frame.to_image(width=width, height=height))
                out.append(Frame(round(t, 3), bool(frame.key_frame), image))
                last = t
                break
    return out


def keyframes(data: bytes, most: int, side: int) -> list[Frame]:
    """The stream's keyframes (the decoder skips every other frame), each at most `side`
    pixels on its longer side: cheap enough for intake, where their hashes are taken."""
    out: list[Frame] = []
    with _open(data) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        start = _start(stream)
        for frame in container.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            factor = max(frame.width, frame.height) / side
            width, height = (
                (max(2, round(frame.width / factor)), max(2, round(frame.height / factor)))
                if factor > 1
                else (frame.width, frame.height)
            )
            t = round(float(frame.pts * stream.time_base) - start, 3)
            out.append(Frame(t, True, _upright(frame, frame.to_image(width=width, height=height))))
            if len(out) >= most:
                break
    return out


def samples(data: bytes, most: int, most_bytes: int) -> Iterator[bytes]:
    """The video track's first coded samples as stored (length-prefixed NAL units for H.264
    and HEVC in MP4), at most `most` of them and `most_bytes` in all."""
    seen = 0
    with _open(data) as container:
        stream = container.streams.video[0]
        for count, packet in enumerate(container.demux(stream)):
            if count >= most or seen >= most_bytes:
                return
            raw = bytes(packet)
            if raw:
                seen += len(raw)
                yield raw

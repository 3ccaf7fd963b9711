"""H.264/HEVC NAL units and their SEI `user_data_unregistered` messages (a 16-byte UUID, then
free bytes): where Kling writes `kling-ai`, x264 its settings, and other encoders their
names. Read from coded samples as MP4 stores them (each NAL unit after a 1/2/4-byte length)
or as Annex B (after 00 00 01 start codes), every loop capped by the bytes it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

USER_DATA_UNREGISTERED = 5  # SEI payload type
H264_SEI = 6  # nal_unit_type
HEVC_SEI = (39, 40)  # prefix and suffix SEI
MAX_MESSAGES = 256  # per call: a sample holds a few


@dataclass(frozen=True)
class UserData:
    uuid: str  # 32 hex digits
    payload: bytes  # what follows the UUID, at most 4 KB kept


def units(sample: bytes, length_size: int) -> Iterator[bytes]:
    """The NAL units of one sample: length-prefixed when length_size is 1, 2 or 4, else
    Annex B start codes."""
    if length_size in (1, 2, 4):
        pos = 0
        while pos + length_size <= len(sample):
            size = int.from_bytes(sample[pos : pos + length_size], "big")
            pos += length_size
            if size == 0 or pos + size > len(sample):
                return
            yield sample[pos : pos + size]
            pos += size
        return
    for piece in sample.split(b"\x00\x00\x01"):
        piece = piece.rstrip(b"\x00")
        if piece:
            yield piece


def _unescape(rbsp: bytes) -> bytes:
    """Remove emulation prevention bytes (00 00 03 -> 00 00)."""
    return rbsp.replace(b"\x00\x00\x03", b"\x00\x00")


def sei_messages(unit: bytes, hevc: bool) -> Iterator[tuple[int, bytes]]:
    """(payload type, payload) of each SEI message in one NAL unit; nothing if it is not SEI."""
    if not unit:
        return
    if hevc:
        if len(unit) < 2 or (unit[0] >> 1) & 0x3F not in HEVC_SEI:
            return
        body = _unescape(unit[2:])
    else:
        if unit[0] & 0x1F != H264_SEI:
            return
        body = _unescape(unit[1:])
    pos = 0
    for _ in range(MAX_MESSAGES):
        if pos >= len(body) or body[pos] == 0x80:  # rbsp trailing bits
            return
        kind = size = 0
        while pos < len(body) and body[pos] == 0xFF:
            kind += 255
            pos += 1
        if pos >= len(body):
            return
        kind += body[pos]
        pos += 1
        while pos < len(body) and body[pos] == 0xFF:
            size += 255
            pos += 1
        if pos >= len(body):
            return
        size += body[pos]
        pos += 1
        yield kind, body[pos : pos + size]
        pos += size


def config_units(config: bytes, hevc: bool) -> list[bytes]:
    """The NAL units an hvcC carries in its arrays (parameter sets, and SEI some encoders put
    there); an avcC holds parameter sets only, so nothing is read from it."""
    if not hevc or len(config) < 23:
        return []
    out: list[bytes] = []
    pos = 23
    for _ in range(config[22]):
        if pos + 3 > len(config):
            break
        count = int.from_bytes(config[pos + 1 : pos + 3], "big")
        pos += 3
        for _ in range(count):
            size = int.from_bytes(config[pos : pos + 2], "big")
            if size == 0 or pos + 2 + size > len(config):
                return out
            out.append(config[pos + 2 : pos + 2 + size])
            pos += 2 + size
    return out


def user_data(nal_units: Iterable[bytes], hevc: bool) -> list[UserData]:
    """Every distinct user_data_unregistered message in the NAL units, in order."""
    out: list[UserData] = []
    seen: set[tuple[str, bytes]] = set()
    for unit in nal_units:
        for kind, payload in sei_messages(unit, hevc):
            if kind != USER_DATA_UNREGISTERED or len(payload) < 16:
                continue
            key = (payload[:16].hex(), payload[16 : 16 + 4096])
            if key not in seen and len(out) < MAX_MESSAGES:
                seen.add(key)
                out.append(UserData(*key))
    return out

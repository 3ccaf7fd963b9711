"""Bytes in -> a validated, hashed Photo. Every intake limit is enforced here."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import pillow_heif
from PIL import Image

from .domain.cases import METHOD_NAMES, ROLES, Photo, Source
from .domain.limits import DECODE_BUDGET, Limits
from .errors import Problem
from .files import now_iso
from .formats import containers, isobmff, repair
from .imaging import pixels
from .intake_video import MIME as VIDEO_MIME
from .intake_video import keyframe_hashes, middle_frame_hash, structure, video_format
from .text import Text

pillow_heif.register_heif_opener()

# Pillow format name -> MIME type, for the formats a buyer's photo arrives in.
ACCEPTED = {
    "JPEG": "image/jpeg",
    # a JPEG with an MPF index and further images appended (depth maps, previews): what many
    # phones write. Its first image is the photo; it is kept and checked as a JPEG.
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "HEIF": "image/heif",
    "AVIF": "image/avif",
}


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


@dataclass(frozen=True)
class Inspection:
    format: str
    width: int
    height: int
    phash: str  # "" when the pixels do not decode
    pixels_error: str | None  # why the pixels do not decode; the file is kept all the same
    # what had to be mended before the pixels decoded (server/formats/repair.py), if anything
    repairs: tuple[str, ...] = ()
    media: str = "photo"
    duration: float = 0.0  # seconds, videos only
    keyframes: tuple[tuple[float, str], ...] = ()  # (time, pHash) of a video's keyframes


def check_image(data: bytes, limits: Limits) -> Inspection:
    """Validate the bytes as an image within the limits. Only a small copy of the first frame
    is decoded, for the perceptual hash (a JPEG straight at 1/8 scale): the pixel checks decode
    what they need later, in a worker. Pixels that a strict decoder refuses but every viewer
    shows (a JPEG without its end marker, a PNG with a text chunk past Pillow's limit) are
    read from a mended copy, and the repair is recorded. A file that announces an image format
    but whose pixels still do not decode (truncated, damaged, a HEIC holding only metadata) is
    accepted: its metadata is evidence, and the pixel checks say they could not run."""
    if not data:
        raise Problem("empty", Text("文件是空的（0 字节）。", "The file is empty (0 bytes)."))
    if isobmff.is_movie(data):
        return check_video(data, limits)
    if len(data) > limits.max_bytes:
        raise Problem(
            "too_large",
            Text(
                f"文件太大：{_mb(len(data))}，上限 {_mb(limits.max_bytes)}。",
                f"File too large: {_mb(len(data))}, the limit is {_mb(limits.max_bytes)}.",
            ),
            413,
        )
    sniffed = containers.sniff(data)
    seen = _inspect(data, limits, sniffed)
    if seen.pixels_error is None or seen.pixels_error.startswith(DECODE_BUDGET):
        return seen
    mended, repairs = repair.decodable(data, seen.format)
    if not repairs:
        return seen
    again = _inspect(mended, limits, sniffed)
    return replace(again, repairs=repairs) if again.pixels_error is None else seen


def check_video(data: bytes, limits: Limits) -> Inspection:
    """Validate the bytes as an MP4/MOV video within the video limits (server/intake_video.py);
    the middle frame and the keyframes (small) are decoded for their perceptual hashes.
    Frames that do not decode leave the file kept as evidence, as for photos."""
    info = structure(data, limits)
    track = info.video
    assert track is not None  # structure() refuses a file without one
    phash, error = middle_frame_hash(data, info)
    duration = round(max(info.duration, track.duration), 3)
    fmt = video_format(info)
    keyframes = keyframe_hashes(data) if error is None else ()
    # the size as shown: a phone's upright video is stored sideways and turned on display
    width, height = (
        (track.height, track.width) if track.rotation in (90, 270) else (track.width, track.height)
    )
    return Inspection(
        fmt,
        width,
        height,
        phash,
        error,
        media="video",
        duration=duration,
        keyframes=keyframes,
    )


def _inspect(data: bytes, limits: Limits, sniffed: str | None) -> Inspection:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise _too_many_pixels(None, limits) from e
    except Exception as e:
        if sniffed is None:
            raise _not_image() from e
        return Inspection(sniffed, 0, 0, "", _why(e))
    with im:
        fmt = im.format or ""
        if fmt not in ACCEPTED:
            raise Problem(
                "format",
                Text(
                    f"不支持的图片格式 {fmt}（支持 JPEG、PNG、WebP、GIF、TIFF、HEIC、AVIF）。",
                    f"Unsupported image format {fmt} (JPEG, PNG, WebP, GIF, TIFF, HEIC, AVIF).",
                ),
                415,
            )
        fmt = "JPEG" if fmt == "MPO" else fmt
        width, height = im.size
        if width * height > limits.max_pixels:
            raise _too_many_pixels((width, height), limits)
        need = limits.decode_bytes(fmt, width, height)
        if need > limits.max_decode_bytes:
            why = f"{DECODE_BUDGET}: {need >> 20} MB needed, {limits.max_decode_bytes >> 20} MB"
            return Inspection(fmt, width, height, "", why)
        try:
            return Inspection(fmt, width, height, pixels.phash(im), None)
        except Exception as e:
            return Inspection(fmt, width, height, "", _why(e))


def _why(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"[:300]


def _not_image() -> Problem:
    return Problem(
        "not_image",
        Text(
            "这不是可识别的图片文件（支持 JPEG、PNG、WebP、GIF、TIFF、HEIC、AVIF）。",
            "This is not a recognised image file (JPEG, PNG, WebP, GIF, TIFF, HEIC, AVIF).",
        ),
        415,
    )


def _too_many_pixels(size: tuple[int, int] | None, limits: Limits) -> Problem:
    dims = f"{size[0]}×{size[1]}，" if size else ""
    dims_en = f"{size[0]}×{size[1]}, " if size else ""
    return Problem(
        "too_many_pixels",
        Text(
            f"图片像素过多（{dims}上限 {limits.max_pixels // 1_000_000} 百万像素），可能是解压炸弹。",
            f"Too many pixels ({dims_en}limit {limits.max_pixels // 1_000_000} MP): "
            "possibly a decompression bomb.",
        ),
        413,
    )


# What may come with an uploaded photo, and how long each text may be.
META_TEXT = {"source_url": 4096, "page_url": 4096, "fetched_at": 64, "file_name": 255}
MAX_HEADERS, MAX_HEADER = 64, 4096


def file_name(name: str) -> str:
    """A file's name as a person reads it, within META_TEXT's cap. Bytes the system could not
    decode (the GBK names a zip made on Chinese Windows extracts to, which Python keeps as
    lone surrogates) are read as GB 18030; whatever still cannot be written as UTF-8 becomes
    U+FFFD; a name over the cap keeps its end (the extension)."""
    if any("\udc80" <= c <= "\udcff" for c in name):
        raw = name.encode("utf-8", "surrogateescape")
        try:
            name = raw.decode("gb18030")
        except UnicodeDecodeError:
            name = raw.decode("utf-8", "replace")
    name = name.encode("utf-8", "replace").decode("utf-8")
    most = META_TEXT["file_name"]
    return name if len(name) <= most else "…" + name[-(most - 1) :]


def _meta_problem(field: str, zh: str, en: str) -> Problem:
    return Problem("meta", Text(f"meta 字段 {field}：{zh}", f"The meta field {field}: {en}"))


def photo_meta(meta: dict[str, object]) -> tuple[str, Source, str | None]:
    """(role, source, the client's SHA-256) from an upload's `meta`, every value checked:
    a wrong type, an unknown name or value, or an overlong text is refused (400), never
    stored to break a later report."""
    unknown = sorted(set(meta) - {"role", "sha256", "method", "http_headers", *META_TEXT})
    if unknown:
        raise _meta_problem(", ".join(unknown)[:200], "未知的字段。", "unknown field.")
    role = meta.get("role", "evidence")
    if not isinstance(role, str) or role not in ROLES:
        raise _meta_problem("role", f"只能是 {'、'.join(ROLES)}。", f"one of {', '.join(ROLES)}.")
    sha = meta.get("sha256")
    if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha)):
        raise _meta_problem("sha256", "须为 64 位十六进制。", "64 hexadecimal digits.")
    method = meta.get("method", "upload")
    if not isinstance(method, str) or method not in METHOD_NAMES:
        raise _meta_problem(
            "method", f"只能是 {'、'.join(METHOD_NAMES)}。", f"one of {', '.join(METHOD_NAMES)}."
        )
    texts: dict[str, str | None] = {}
    for field, most in META_TEXT.items():
        value = meta.get(field)
        if value is not None and not (isinstance(value, str) and len(value) <= most):
            raise _meta_problem(
                field, f"须为不超过 {most} 字符的文本。", f"text of at most {most} characters."
            )
        texts[field] = value
    headers = meta.get("http_headers") or {}
    if not (
        isinstance(headers, dict)
        and len(headers) <= MAX_HEADERS
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        and all(len(k) + len(v) <= MAX_HEADER for k, v in headers.items())
    ):
        raise _meta_problem(
            "http_headers",
            f"须为最多 {MAX_HEADERS} 项的“名称: 文本”对象。",
            f"an object of at most {MAX_HEADERS} name: text pairs.",
        )
    return str(role), Source(method=str(method), http_headers=dict(headers), **texts), sha


def receive(
    data: bytes,
    role: str,
    source: Source,
    limits: Limits,
    client_sha256: str | None = None,
    inspect: Callable[[bytes, Limits], Inspection] = check_image,
) -> Photo:
    """Validate and hash one photo; `inspect` decodes it (in a worker, in the server).
    Raises Problem; stores nothing."""
    if role not in ROLES:
        raise Problem(
            "role",
            Text(
                f"未知的图片角色 {role!r}（可选：{'、'.join(ROLES)}）。",
                f"Unknown photo role {role!r} (one of: {', '.join(ROLES)}).",
            ),
        )
    sha = hashlib.sha256(data).hexdigest()
    if client_sha256 is not None and client_sha256.strip().lower() != sha:
        raise Problem(
            "hash_mismatch",
            Text(
                "收到的字节与浏览器计算的 SHA-256 不一致：传输中内容改变了，已拒收。",
                "The bytes received do not match the SHA-256 the client computed: "
                "they changed in transit, so they were refused.",
            ),
            422,
        )
    seen = inspect(data, limits)
    return Photo(
        sha256=sha,
        role=role,
        format=seen.format,
        mime=VIDEO_MIME[seen.format] if seen.media == "video" else ACCEPTED[seen.format],
        width=seen.width,
        height=seen.height,
        size=len(data),
        source=source,
        received_at=now_iso(),
        phash=seen.phash,
        pixels_error=seen.pixels_error,
        pixels_repairs=list(seen.repairs),
        media=seen.media,
        duration=seen.duration,
        frame_times=[t for t, _ in seen.keyframes],
        frame_hashes=[h for _, h in seen.keyframes],
    )

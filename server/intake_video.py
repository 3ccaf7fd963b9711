"""Bytes in -> a validated video (MP4/MOV): the video limits, enforced before anything is
decoded. The box structure is read by our own capped reader first (a nested-box bomb is
refused in microseconds), then one frame is decoded for the perceptual hash."""

from __future__ import annotations

from .domain.limits import Limits
from .errors import Problem
from .formats import frames, isobmff, movie
from .imaging import pixels
from .text import Text

MIME = {"MP4": "video/mp4", "MOV": "video/quicktime"}

_STRUCTURE = {
    "too_deep": Text("盒子嵌套过深", "boxes nested too deep"),
    "too_many": Text("盒子数量过多", "too many boxes"),
    "malformed": Text("盒子长度与文件不符", "box sizes do not fit the file"),
}


def video_format(info: movie.MovieInfo) -> str:
    """MOV for QuickTime files (brand `qt  `, or no ftyp at all), MP4 otherwise."""
    return "MOV" if not info.brands or info.brands[0] == "qt  " else "MP4"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def structure(data: bytes, limits: Limits) -> movie.MovieInfo:
    """The movie's boxes and facts, within the limits; Problem when refused."""
    if len(data) > limits.max_video_bytes:
        raise Problem(
            "too_large",
            Text(
                f"视频太大：{_mb(len(data))}，上限 {_mb(limits.max_video_bytes)}。"
                "请提交平台上买家视频的文件（平台已压缩），而不是相机原片。",
                f"Video too large: {_mb(len(data))}, the limit is "
                f"{_mb(limits.max_video_bytes)}. Send the buyer's video as the platform "
                "keeps it (compressed), not a camera original.",
            ),
            413,
        )
    try:
        layout = isobmff.read(data)
        info = movie.info(data, layout)
    except isobmff.BoxError as e:
        why = _STRUCTURE[e.code]
        raise Problem(
            "video_structure",
            Text(
                f"视频文件的结构异常（{why.zh}），已拒收：文件可能经过特殊构造。",
                f"The video file's structure is abnormal ({why.en}), so it was refused: the "
                "file may be specially crafted.",
            ),
            422,
        ) from e
    except (ValueError, IndexError) as e:  # no moov, or a box body shorter than its fields
        raise Problem(
            "video_incomplete",
            Text(
                "视频文件不完整（缺少或损坏了描述视频的 moov 部分），无法读取。请重新下载原文件。",
                "The video file is incomplete (the moov part that describes the video is "
                "missing or damaged), so it cannot be read. Download the original again.",
            ),
            422,
        ) from e
    track = info.video
    if track is None:
        raise Problem(
            "no_video_track",
            Text("这个文件里没有视频画面（只有音频或数据）。", "This file holds no video track."),
            415,
        )
    if max(info.duration, track.duration) > limits.max_video_seconds:
        seconds = max(info.duration, track.duration)
        most = limits.max_video_seconds / 60
        raise Problem(
            "too_long",
            Text(
                f"视频太长：{seconds / 60:.1f} 分钟，上限 {most:.0f} 分钟。",
                f"Video too long: {seconds / 60:.1f} minutes, the limit is {most:.0f}.",
            ),
            413,
        )
    if track.width * track.height > limits.max_video_pixels:
        raise Problem(
            "too_many_pixels",
            Text(
                f"视频画面过大（{track.width}×{track.height}），超出上限 8K。",
                f"The video's frames are too large ({track.width}×{track.height}), over the 8K "
                "limit.",
            ),
            413,
        )
    return info


# Keyframes hashed per video for the reuse pool: a 10-minute clip with a keyframe every 2 s
# has 300; the first KEYFRAMES spread over a refund video's length are enough to meet it again.
KEYFRAMES = 16
KEYFRAME_SIDE = 256  # px: what a perceptual hash looks at anyway


def keyframe_hashes(data: bytes) -> tuple[tuple[float, str], ...]:
    """(time, pHash) of the video's first keyframes (none when they do not decode)."""
    try:
        found = frames.keyframes(data, KEYFRAMES, KEYFRAME_SIDE)
    except Exception:
        return ()
    return tuple((f.time, pixels.phash(f.image)) for f in found)


def middle_frame_hash(data: bytes, info: movie.MovieInfo) -> tuple[str, str | None]:
    """(pHash of the frame in the middle, why the frames do not decode): the frame the reuse
    pool knows the video by. A video whose frames do not decode is kept all the same."""
    try:
        found = frames.at_times(data, [max(info.duration, 0.0) / 2])
        if not found:
            found = frames.at_times(data, [0.0])
        if not found:
            return "", "no frame decodes"
        return pixels.phash(found[0].image), None
    except Exception as e:
        return "", f"{type(e).__name__}: {e}"[:300]

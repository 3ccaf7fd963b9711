"""Benchmark (not a test): a 30 s 1080p H.264 clip end to end, as a buyer's refund video
arrives: intake, each video check, a whole verification in the server's check workers (with
their peak memory), the same again from the cache, and a police report.

    .venv/bin/python -m bench.video
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from server.checks import VIDEO_REGISTRY, CheckContext
from server.checks.video_parsed import open_media
from server.domain.cases import Source
from server.domain.limits import Limits
from server.intake import receive
from server.service import Service
from server.workers import Workers
from tests import video_util as v

SECONDS, FPS, SIZE = 30, 30, (1920, 1080)


def clip() -> bytes:
    """A panning scene with Kling's fixed corner mark, label and SEI."""
    frames = v.with_mark(v.panning(SECONDS * FPS, SIZE), height=60)
    return v.encode(
        frames,
        fps=FPS,
        metadata={"AIGC": json.dumps(v.KLING_LABEL)},
        sei=v.sei_nal(v.KLING_UUID, b"kling-ai"),
    )


def ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def main() -> None:
    started = time.perf_counter()
    data = clip()
    out: dict[str, object] = {"clip": f"{SECONDS} s {SIZE[0]}×{SIZE[1]} {FPS} fps H.264"}
    out["bytes"], out["make_ms"] = len(data), ms(started)
    limits = Limits()
    t = time.perf_counter()
    photo = receive(data, "evidence", Source(file_name="clip.mp4"), limits)
    out["intake_ms"] = ms(t)
    video = open_media(data, photo, limits)
    t = time.perf_counter()
    video.frames  # noqa: B018 — decoded once, shared by the checks: timed on its own
    out["decode_frames_ms"] = ms(t)
    checks = {}
    for check in VIDEO_REGISTRY:
        t = time.perf_counter()
        check.run(video, CheckContext())
        checks[check.NAME] = ms(t)
    out["checks_ms"] = checks
    with tempfile.TemporaryDirectory() as home:
        workers = Workers()
        service = Service(Path(home), runner=workers)
        case = service.create_case({"platform": "taobao", "refund_id": "BENCH"})
        t = time.perf_counter()
        service.add_photo(case["id"], data, "evidence", Source(file_name="clip.mp4"))
        out["server_intake_ms"] = ms(t)
        t = time.perf_counter()
        result = service.verify(case["id"])
        out["server_verify_ms"] = ms(t)
        out["verdict"] = result["photos"][0]["verdict"]["level"]
        t = time.perf_counter()
        service.verify(case["id"])
        out["server_verify_cached_ms"] = ms(t)
        t = time.perf_counter()
        service.report(case["id"], "police")
        out["police_report_ms"] = ms(t)
        out["worker_peak_rss_mb"] = round(workers.peak_rss / 2**20)
        workers.close()
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    main()

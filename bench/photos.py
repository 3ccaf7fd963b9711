"""Benchmark: one refund photo from nothing to its result, per size, and the whole-process
cost of `refundproof verify` on a small camera JPEG.

Per size (1, 3, 12 MP camera JPEGs): a fresh process verifies 3 distinct photos, each its own
case, in-process (the CLI's way); the time is the median of the three, the peak RSS that of
the process (the OCR models are loaded by the first). The CLI rows run the real command in
a new process per photo, on a data folder that already exists, so the cost is what a seller
waits for; one photo without text, one with a line of text (the OCR then reads it).

    .venv/bin/python -m bench.photos
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from server.demo import samples
from server.domain.cases import Source
from server.service import Service

SIZES = {"1 MP": (1200, 900), "3 MP": (2000, 1500), "12 MP": (4000, 3000)}
EXIF = "2026:11:19 09:00:00"


def camera_jpeg(width: int, height: int, seed: int, text: str | None = None) -> bytes:
    im = samples.backdrop(width, height, seed=seed)
    if text:
        im, _ = samples.draw_text(im, text, height // 14, "top-left", fill=(20, 20, 20))
    return samples.jpeg(im, samples.camera_exif(EXIF))


def one_size(name: str) -> dict:
    w, h = SIZES[name]
    photos = [camera_jpeg(w, h, seed=100 + n) for n in range(3)]
    times = []
    with tempfile.TemporaryDirectory() as home:
        service = Service(Path(home))
        for n, data in enumerate(photos):
            started = time.perf_counter()
            case = service.create_case({"order_id": f"bench-{n}"})
            service.add_photo(case["id"], data, "evidence", Source())
            service.verify(case["id"])
            times.append((time.perf_counter() - started) * 1000)
    return {
        "photo": name,
        "bytes": f"{statistics.median(len(p) for p in photos) / 1e6:.1f} MB",
        "first (loads OCR) ms": round(times[0]),
        "median ms": round(statistics.median(times)),
        "peak RSS": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB",
    }


def peak_rss(command: list[str], env: dict[str, str]) -> int:
    """Run the command to its end; the largest its resident memory was (sampled every 10 ms)."""
    process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.01)
    if process.wait() != 0:
        raise RuntimeError(process.stderr.read().decode() if process.stderr else "failed")
    return peak


def cli_rows() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {"REFUNDPROOF_HOME": str(home), "PATH": "/usr/bin:/bin"}
        # the data folder and its keys exist already, as on a seller's computer
        warm = Path(tmp) / "warm.jpg"
        warm.write_bytes(camera_jpeg(1200, 900, seed=1))
        subprocess.run(
            [sys.executable, "-m", "server.cli", "verify", str(warm)],
            env=env,
            check=True,
            capture_output=True,
        )
        for label, text in (("no text", None), ("one line of text", "收货时外箱破损")):
            times, peaks = [], []
            for n in range(3):
                path = Path(tmp) / f"{label}-{n}.jpg"
                path.write_bytes(camera_jpeg(1200, 900, seed=200 + n, text=text))
                started = time.perf_counter()
                peak = peak_rss([sys.executable, "-m", "server.cli", "verify", str(path)], env)
                times.append(time.perf_counter() - started)
                peaks.append(peak)
            rows.append(
                {
                    "refundproof verify (1 MP camera JPEG)": label,
                    "wall time": f"{statistics.median(times):.2f} s",
                    "peak RSS": f"{max(peaks) >> 20} MB",
                }
            )
    return rows


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one_size(sys.argv[2])))
        return
    from .run import in_own_process, table

    rows = [in_own_process("bench.photos", "--one", name) for name in SIZES]
    print("One photo, intake to result (in-process)\n")
    print(table(rows))
    print("\nWhole-process CLI cost\n")
    print(table(cli_rows()))


if __name__ == "__main__":
    main()

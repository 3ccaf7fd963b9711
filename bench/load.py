"""Benchmark: the server under load. `refundproof serve` on a fresh data folder; 8 clients at
once, each making 10 cases of one distinct 1–3 MP camera JPEG (upload, then verify); meanwhile
/api/health is asked every 100 ms. Reports the verification latency (upload + verify), errors,
the health answers, and the peak resident memory of the server with its check workers.

    .venv/bin/python -m bench.load
"""

from __future__ import annotations

import contextlib
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from server.settings import Config
from tests.server_proc import ServerProcess

from .photos import camera_jpeg
from .run import table

CLIENTS, EACH = 8, 10
SIZES = [(1200, 900), (1600, 1200), (2000, 1500)]  # 1, 2 and 3 MP


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker that just exited
            total += p.memory_info().rss
    return total


def main() -> None:
    photos = [camera_jpeg(*SIZES[n % len(SIZES)], seed=5000 + n) for n in range(CLIENTS * EACH)]
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp)).start()
        token = Config.load(Path(tmp)).token
        headers = {"Authorization": f"Bearer {token}"}
        process = psutil.Process(server.proc.pid)  # type: ignore[union-attr]
        peak, health, stop = [0], [], threading.Event()

        def watch() -> None:
            with httpx.Client(base_url=server.url, timeout=10) as c:
                while not stop.is_set():
                    peak[0] = max(peak[0], _tree_rss(process))
                    t = time.perf_counter()
                    c.get("/api/health")
                    health.append((time.perf_counter() - t) * 1000)
                    time.sleep(0.1)

        def client(k: int) -> list[float | str]:
            out: list[float | str] = []
            with httpx.Client(base_url=server.url, headers=headers, timeout=300) as c:
                for n in range(EACH):
                    data = photos[k * EACH + n]
                    started = time.perf_counter()
                    case = c.post("/api/cases", json={"order_id": f"load-{k}-{n}"}).json()
                    up = c.post(
                        f"/api/cases/{case['id']}/photos",
                        files={"file": ("p.jpg", data)},
                        data={"meta": json.dumps({})},
                    )
                    v = c.post(f"/api/cases/{case['id']}/verify")
                    ok = up.status_code == 201 and v.status_code == 200
                    out.append(time.perf_counter() - started if ok else f"{v.status_code}")
            return out

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [r for rs in pool.map(client, range(CLIENTS)) for r in rs]
        wall = time.perf_counter() - started
        stop.set()
        watcher.join()
        server.stop()
    times = sorted(r for r in results if isinstance(r, float))
    errors = [r for r in results if not isinstance(r, float)]
    print(f"{CLIENTS} clients × {EACH} verifications of 1–3 MP photos, 2 check workers\n")
    print(
        table(
            [
                {
                    "verifications": len(results),
                    "errors": len(errors),
                    "wall": f"{wall:.0f} s",
                    "p50": f"{statistics.median(times):.1f} s",
                    "p95": f"{times[int(len(times) * 0.95) - 1]:.1f} s",
                    "server peak (with workers)": f"{peak[0] >> 20} MB",
                    "/api/health p95": f"{sorted(health)[int(len(health) * 0.95) - 1]:.0f} ms",
                    "/api/health max": f"{max(health):.0f} ms",
                }
            ]
        )
    )


if __name__ == "__main__":
    main()

"""Benchmarks (not tests): intake, each check, whole and cached verification, on a 12 MP JPEG
and a 2048² PNG; then reports (bench/report.py). Each scenario runs in a fresh process so
its peak RSS is its own.

    make bench            # or: .venv/bin/python -m bench.run
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from server.checks import REGISTRY, CheckContext
from server.checks.parsed import PhotoData
from server.demo import samples
from server.domain.cases import Source
from server.domain.limits import Limits
from server.intake import receive
from server.service import Service

RUNS = 5


def material(name: str) -> bytes:
    if name == "jpeg_12mp":
        return samples.jpeg(
            samples.photo(4000, 3000, seed=1), samples.camera_exif("2026:11:19 09:00:00")
        )
    return samples.png(
        samples.photo(2048, 2048, seed=2),
        [
            samples.png_text_chunk(
                "XML:com.adobe.xmp", samples.tc260_xmp(samples.DOUBAO_LABEL), "iTXt"
            )
        ],
    )


def median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def one(name: str) -> dict:
    data = material(name)
    limits = Limits()
    photo = receive(data, "evidence", Source(), limits)
    out = {
        "photo": name,
        "bytes": len(data),
        "intake_ms": median_ms(lambda: receive(data, "evidence", Source(), limits)),
    }
    for check in REGISTRY:
        # a fresh PhotoData each run: the parse is part of what the first check pays
        out[f"{check.NAME}_ms"] = median_ms(
            lambda c=check: c.run(PhotoData(data, photo, limits), CheckContext())
        )
    with tempfile.TemporaryDirectory() as home:
        service = Service(Path(home))

        def fresh():
            case = service.create_case({})
            service.add_photo(case["id"], data, "evidence", Source())
            shutil.rmtree(service.store.cache().root, ignore_errors=True)
            return service.verify(case["id"])

        out["verify_uncached_ms"] = median_ms(fresh)
        case = service.create_case({})
        service.add_photo(case["id"], data, "evidence", Source())
        service.verify(case["id"])
        out["verify_cached_ms"] = median_ms(lambda: service.verify(case["id"]))
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    rows = [in_own_process("bench.run", "--one", name) for name in ("jpeg_12mp", "png_2048")]
    print("Verification\n")
    print(table(rows))
    from . import pixels, report

    sizes, case = pixels.rows()
    print("\nPixel checks\n")
    print(table(sizes))
    print()
    print(table(case))
    print("\nReports (render + sign + page images + summary image)\n")
    print(table(report.rows()))
    from . import load, photos

    print()
    photos.main()
    print()
    load.main()


def in_own_process(module: str, *args: str) -> dict:
    """A scenario run in a fresh process, so its peak RSS is its own; its JSON answer."""
    r = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=True
    )
    return json.loads(r.stdout)


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

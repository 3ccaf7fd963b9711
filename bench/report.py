"""Benchmark: render + sign + page images of a report with 1, 10 and 30 photos (1 MP JPEGs),
each size in a fresh process so its peak RSS is its own.

    .venv/bin/python -m bench.report
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from server.demo import samples
from server.domain.cases import Source
from server.service import Service

from .run import median_ms

SIZES = (1, 10, 30)
RUNS = 3


def one(n: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        service = Service(Path(home))
        # a report names its shop
        service.set_identity({"shop": "基准测试店铺", "operator": "基准"})
        case = service.create_case({"order_id": "1", "platform": "淘宝"})
        for i in range(n):
            data = samples.jpeg(
                samples.photo(1200, 900, seed=i), samples.camera_exif("2026:11:19 09:00:00")
            )
            service.add_photo(case["id"], data, "evidence", Source(file_name=f"{i}.jpg"))
        service.verify(case["id"])
        service.report(case["id"], "appeal")  # first report makes the signing key
        out: dict = {"photos": n}
        for variant in ("appeal", "police"):
            out[f"{variant}_ms"] = median_ms(lambda v=variant: service.report(case["id"], v), RUNS)
            out[f"{variant}_pages"] = service.list_reports(case["id"])[0]["pages"]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def rows() -> list[dict]:
    out = []
    for n in SIZES:
        r = subprocess.run(
            [sys.executable, "-m", "bench.report", "--one", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(json.loads(r.stdout))
    return out


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(int(sys.argv[2]))))
    else:
        from .run import table

        print(table(rows()))

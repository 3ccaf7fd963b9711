"""The shop catalogue at scale: import rate, lookup time, recall per kind of copy, index size.

    .venv/bin/python -m bench.catalog [SIZES…]      # default: 1000 10000

The catalogue is grown with distinct generated listing pictures (server/demo/copies.py, each
its own backdrop and product, 640 × 640 JPEG) through the real import (validation, features,
write-once files, one batch per 100 pictures, no time-stamp service asked). At each size:
import rate (pictures/s), lookup p50/p95 (one refund photo: features, vote, geometric
re-rank; the pixel confirmation is timed apart), recall per kind of copy (the copy's source
named by the check), the index on disk and the resident memory the loaded index adds.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from server.catalog_service import Incoming
from server.checks import CheckContext, catalog_match
from server.checks.parsed import PhotoData
from server.demo import copies
from server.domain.cases import Photo, Source
from server.domain.limits import Limits
from server.imaging import retrieval
from server.service import Service
from server.store.catalog import Catalog

SIDE = 640
PROBES = 12  # catalogue pictures each kind of copy is made from


def _picture(k: int) -> bytes:
    return copies.jpeg_bytes(copies.listing(k, SIDE, SIDE), 88)


def _parsed(data: bytes) -> PhotoData:
    photo = Photo(
        sha256="0" * 64,
        role="evidence",
        format="JPEG",
        mime="image/jpeg",
        width=0,
        height=0,
        size=len(data),
        source=Source(method="cli_file"),
        received_at="",
    )
    return PhotoData(data, photo, Limits())


def measure(home: Path, size: int) -> dict[str, object]:
    process = psutil.Process()
    before = process.memory_info().rss
    snap = Catalog(home).snapshot()
    assert snap is not None
    loaded = process.memory_info().rss
    lookups, checks, recall = [], [], {}
    probes = [int(k) for k in np.linspace(0, size - 1, PROBES)]
    for kind, make in copies.COPIES.items():
        found = 0
        for k in probes:
            source = copies.listing(k, SIDE, SIDE)
            copy = make(
                source if kind in ("crop30", "edit30") else copies.painted(source, share=0.04)
            )
            data = copies.jpeg_bytes(copy, 85)
            photo = _parsed(data)
            t = time.perf_counter()
            grey, scale = retrieval.grey_at(photo.rgb, retrieval.QUERY_SIDE)
            snap.lookup(retrieval.query_of(grey, scale, snap.vocabulary))
            lookups.append(time.perf_counter() - t)
            t = time.perf_counter()
            (f,) = catalog_match.run(_parsed(data), CheckContext(catalog=snap))
            checks.append(time.perf_counter() - t)
            found += (
                f.signal == "derived_from_catalog"
                and f.data["catalog_entry"]["origin"]["file_name"] == f"p{k}.jpg"
            )
        recall[kind] = f"{found}/{len(probes)}"
    after = process.memory_info().rss
    index = home / "catalog" / "index"
    return {
        "pictures": snap.pictures,
        "lookup_p50_s": round(float(np.percentile(lookups, 50)), 3),
        "lookup_p95_s": round(float(np.percentile(lookups, 95)), 3),
        "check_p50_s": round(float(np.percentile(checks, 50)), 3),
        "check_p95_s": round(float(np.percentile(checks, 95)), 3),
        "recall": recall,
        "index_disk_mb": round(sum(p.stat().st_size for p in index.rglob("*.npy")) / 2**20, 1),
        "index_memory_mb": round((loaded - before) / 2**20, 1),
        "memory_after_lookups_mb": round((after - before) / 2**20, 1),
    }


def main(sizes: list[int]) -> None:
    home = Path(tempfile.mkdtemp(prefix="rp-catalog-"))
    service = Service(home)
    service.change_settings(tsa_urls=[])
    have = 0
    for size in sizes:
        importing = 0.0  # the import alone: generating the pictures is not counted
        for first in range(have, size, 100):
            batch = [
                Incoming(_picture(k), {"file_name": f"p{k}.jpg"}, f"p{k}.jpg")
                for k in range(first, min(size, first + 100))
            ]
            t = time.perf_counter()
            service.catalog.add(batch, stamp=False)
            importing += time.perf_counter() - t
            print(f"  {first + len(batch)} pictures", file=sys.stderr)
        rate = (size - have) / importing
        have = size
        result = {"size": size, "import_per_s": round(rate, 1), **measure(home, size)}
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
    os._exit(0)

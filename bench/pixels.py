"""Benchmark: the pixel checks (visible_mark, listing_match, reuse, forensics) on 1, 3 and
12 MP photos, and one whole case (6 refund photos of 1–3 MP + 4 listing photos), each in a
fresh process so its peak RSS is its own.

    .venv/bin/python -m bench.pixels
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from server.checks import CheckContext, forensics, listing_match, reuse, visible_mark
from server.checks.base import PhotoPool
from server.checks.parsed import PhotoData
from server.demo import samples
from server.domain.cases import Source
from server.domain.limits import Limits
from server.intake import receive
from server.service import Service

from .run import in_own_process, median_ms

SIZES = {"1mp": (1200, 900), "3mp": (2000, 1500), "12mp": (4000, 3000)}


def _parsed(data: bytes, role: str) -> PhotoData:
    return PhotoData(data, receive(data, role, Source(), Limits()), Limits())


def one_size(name: str) -> dict:
    w, h = SIZES[name]
    listing = samples.product_shot(w, h, seed=1)
    fake = samples.paint_damage(listing, (w // 2, h // 3, w // 2 + w // 6, h // 3 + h // 5))
    evidence = samples.jpeg(samples.draw_text(fake, "豆包AI生成", h // 20, "bottom-right")[0])
    listing_bytes = samples.jpeg(listing)
    unmarked = samples.jpeg(fake)  # no mark: every pass of the OCR runs
    pale = samples.jpeg(samples.backdrop(w, h, seed=3).point(lambda v: 200 + v // 5))
    other = _parsed(samples.jpeg(samples.product_shot(w, h, seed=2)), "evidence")
    others = PhotoPool([("other", "0" * 64, other.photo.phash, "", {})], lambda c, s: other)
    out: dict = {"photo": name}
    # a fresh PhotoData each run: decoding and features are part of what a check pays
    checks = {
        "visible_mark": lambda: visible_mark.run(_parsed(evidence, "evidence"), CheckContext()),
        "visible_mark_unmarked": lambda: visible_mark.run(
            _parsed(unmarked, "evidence"), CheckContext()
        ),
        "visible_mark_pale": lambda: visible_mark.run(_parsed(pale, "evidence"), CheckContext()),
        "listing_match": lambda: listing_match.run(
            _parsed(evidence, "evidence"),
            CheckContext(listings=(_parsed(listing_bytes, "listing"),)),
        ),
        "reuse": lambda: reuse.run(_parsed(evidence, "evidence"), CheckContext(others=others)),
        "forensics": lambda: forensics.run(_parsed(evidence, "evidence"), CheckContext()),
    }
    visible_mark.run(_parsed(evidence, "evidence"), CheckContext())  # load the OCR models once
    for check, fn in checks.items():
        out[f"{check}_ms"] = median_ms(fn, 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def whole_case() -> dict:
    with tempfile.TemporaryDirectory() as home:
        service = Service(Path(home))
        case = service.create_case({"order_id": "1"})
        sizes = [(1200, 900), (1600, 1200), (2000, 1500)]
        for i in range(4):
            shot = samples.product_shot(*sizes[i % 3], seed=10 + i)
            service.add_photo(case["id"], samples.jpeg(shot), "listing", Source())
        for i in range(6):
            w, h = sizes[i % 3]
            base = (
                samples.product_shot(w, h, seed=10 + i % 4)
                if i < 2
                else samples.photo(w, h, seed=i)
            )
            if i == 0:
                base = samples.paint_damage(base, (w // 3, h // 3, w // 2, h // 2))
            service.add_photo(case["id"], samples.jpeg(base), "evidence", Source())
        t = time.perf_counter()
        service.verify(case["id"])  # first verification: OCR models load, nothing cached
        first = (time.perf_counter() - t) * 1000
        shutil.rmtree(service.store.cache().root, ignore_errors=True)
        t = time.perf_counter()
        service.verify(case["id"])
        warm = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        service.verify(case["id"])
        cached = (time.perf_counter() - t) * 1000
    return {
        "case": "6 refund (1–3 MP) + 4 listing",
        "first_ms": round(first),
        "uncached_ms": round(warm),
        "cached_ms": round(cached),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def rows() -> tuple[list[dict], list[dict]]:
    sizes = [in_own_process("bench.pixels", "--size", n) for n in SIZES]
    return sizes, [in_own_process("bench.pixels", "--case")]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--size":
        print(json.dumps(one_size(sys.argv[2])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--case":
        print(json.dumps(whole_case()))
    else:
        from .run import table

        sizes, case = rows()
        print(table(sizes))
        print()
        print(table(case))

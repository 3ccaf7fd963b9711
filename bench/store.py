"""Store growth: does a verification cost the same with 10,000 cases stored as with none?

    .venv/bin/python -m bench.store [SIZES…]      # default: 0 1000 10000

The store is grown with cases of 3 photos each (2 refund photos, 1 listing photo): every
photo is a distinct generated JPEG that goes through the real intake (decode, SHA-256,
pHash) and is written as evidence. What is replayed instead of recomputed: the checks. One
real verification of a template case gives the findings, and each grown case stores a copy
of that record under its own photo hashes (running every check on 30,000 photos would take
hours and measure the checks, not the store); case documents are written as the store
writes them and the index is rebuilt from them once (Store.rebuild_index), not row by row.

At each size it measures, through Service: a standard case verified from nothing (open the
case, add 2 refund photos of 1–2 MP and 1 listing photo, run every check), the same case
verified again (cached), listing and searching cases (by order id, platform, verdict, date,
text; paged; cold = a new process's first call, warm = the next), server start (spawn to
/api/health answering) and its RSS after one listing call, and the data folder's size.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.run import median_ms
from server.demo import samples
from server.domain.cases import Source
from server.intake import receive
from server.service import Service
from server.store import FORMAT, case_key

PLATFORMS = ("淘宝/天猫", "拼多多", "京东", "抖店", "快手小店", "微信小店")


def _small(seed: int) -> bytes:
    """A distinct small photo. Noise, not samples.photo: that generator's scenes share most
    of their perceptual hash, so every grown photo would be "near" the measured ones and the
    reuse check would confirm 5 candidates per photo, measuring a store of look-alikes."""
    pixels = np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    return samples.jpeg(Image.fromarray(pixels), quality=80)


def grow(service: Service, upto: int, template: dict[str, Any]) -> float:
    """Add cases until the store holds `upto`; returns the seconds it took."""
    store = service.store
    start = time.monotonic()
    have = len(store.case_ids())
    for n in range(have, upto):
        facts = {
            "platform": PLATFORMS[n % len(PLATFORMS)],
            "order_id": f"4{n:018d}",
            "refund_id": f"RF{n:012d}",
            "buyer": f"buyer_{n % 997}",
            "amount": f"{(n % 500) + 9}.90",
        }
        photos = []
        for k, role in enumerate(("evidence", "evidence", "listing")):
            data = _small(n * 3 + k + 10_000)
            photo = receive(data, role, Source(method="upload"), service.limits)
            store.evidence.put(data, photo.sha256)
            photos.append(photo.to_json())
        verification = {
            **template,
            "photos": [{**template["photos"][0], "sha256": p["sha256"]} for p in photos],
        }
        created = f"2026-{(n % 12) + 1:02d}-{(n % 28) + 1:02d}T10:00:00.000+00:00"
        case = {
            "format": FORMAT,
            "id": f"RP2026{(n % 12) + 1:02d}{(n % 28) + 1:02d}-{n:06X}",
            "key": case_key(facts),
            "no_facts": False,
            "created_at": created,
            "facts": facts,
            "photos": photos,
            "verifications": [
                {
                    "verified_at": created,
                    "results": store.save_verification_file(verification),
                    "level": ("none", "strong", "decisive")[n % 3],
                }
            ],
            "reports": [],
        }
        store._save_case(case)
    store.rebuild_index()
    return time.monotonic() - start


def standard_case(service: Service, seed: int) -> tuple[str, float, float]:
    """2 refund photos + 1 listing photo, verified from nothing, then again (cached)."""
    # a product of its own and a scene of its own for each run (their perceptual hashes are
    # 22-38 bits apart), so one measured case is not a near copy of the one measured before
    listing = samples.product_shot(1200, 900, seed=seed, product_seed=seed + 3)
    damaged = samples.paint_damage(listing, (500, 300, 700, 500)).crop((100, 80, 1100, 830))
    photos = [
        ("evidence", samples.jpeg(damaged)),
        ("evidence", samples.jpeg(samples.backdrop(1600, 1200, seed=seed + 1))),
        ("listing", samples.jpeg(listing)),
    ]
    t = time.perf_counter()
    case, _ = service.open_case({"platform": "淘宝/天猫", "refund_id": f"BENCH-{seed}"})
    for role, data in photos:
        service.add_photo(case["id"], data, role, Source(method="upload"))
    service.verify(case["id"])
    first = time.perf_counter() - t
    t = time.perf_counter()
    service.verify(case["id"])
    return case["id"], first * 1000, (time.perf_counter() - t) * 1000


def searches(service: Service) -> dict[str, Any]:
    queries = {
        "page 1": {},
        "by order id": {"order_id": "4000000000000000777"},
        "by platform": {"platform": "拼多多"},
        "by verdict": {"level": "decisive"},
        "by date": {"since": "2026-03-01", "until": "2026-03-31"},
        "by text": {"q": "buyer_42"},
    }
    fresh = Service(service.home)
    out = {"cold first listing": median_ms(lambda: fresh.list_cases(), runs=1)}
    for name, f in queries.items():
        out[name] = median_ms(lambda f=f: service.list_cases(f, 0, 50))
    return out


def server(home: Path) -> dict[str, Any]:
    import httpx

    from server.settings import Config
    from tests.server_proc import ServerProcess

    t = time.monotonic()
    proc = ServerProcess(home).start()
    started = time.monotonic() - t
    try:
        token = Config.load(home).token
        httpx.get(f"{proc.url}/api/cases", headers={"Authorization": f"Bearer {token}"})
        assert proc.proc is not None
        status = Path(f"/proc/{proc.proc.pid}/status").read_text()
        rss = int(next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1])
    finally:
        proc.stop()
    return {"start_s": round(started, 2), "rss_mb": rss // 1024}


def folder_mb(home: Path) -> float:
    total = sum(p.stat().st_size for p in home.rglob("*") if p.is_file())
    return round(total / 1024 / 1024, 1)


def main(sizes: list[int]) -> None:
    home = Path(tempfile.mkdtemp(prefix="rp-store-bench-")) / "home"
    os.environ["REFUNDPROOF_HOME"] = str(home)
    service = Service(home)
    # the template: one real verification whose findings every grown case carries
    t_case = service.create_case({})
    service.add_photo(t_case["id"], _small(1), "evidence", Source())
    service.verify(t_case["id"])
    template = service.store.latest_verification(t_case["id"])
    assert template is not None
    rows = []
    for n, size in enumerate(sizes):
        grew = grow(service, size, dict(template))
        runs = [standard_case(service, seed=1000 * n + k) for k in range(3)]
        listed = service.list_cases(limit=10**9)["cases"]
        row = {
            "cases": len(listed),
            "photos": sum(c["photos"] for c in listed),
            "grow_s": round(grew, 1),
            "verify_standard_ms": round(statistics.median(r[1] for r in runs)),
            "verify_cached_ms": round(statistics.median(r[2] for r in runs)),
            "search_ms": searches(service),
            "server": server(home),
            "folder_mb": folder_mb(home),
        }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    print(json.dumps({"home": str(home), "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [0, 1000, 10_000])

"""The shop catalogue at scale: import rate, lookup time, recall per kind of copy, index size.

    .venv/bin/python -m bench.catalog [--real N] [SIZES…]   # default: --real 1000, 1000 10000 50000
    .venv/bin/python -m bench.catalog [--real N] --again HOME  # measure a grown one again

`--real` distinct generated listing pictures (server/demo/copies.py: each its own backdrop
and product, 640 × 640 JPEG) go through the real import (validation, features, write-once
files, a batch per 100 pictures, no time-stamp service asked): the import rate is theirs,
as wall-clock pictures/s and as pictures per CPU-second (the machine may be shared). Sizes
above that are reached with distractor index parts: items with the geometry of real ones and
words drawn at random from the real words (so posting lists have the real lengths), each
under its own made-up hash; they stand for other shops' pictures in time and memory, not in
recall. At each size: lookup p50/p95 (one refund photo: features, vote, geometric re-rank),
the whole check p50/p95 (with the pixel confirmation of the top candidates), recall of the
copy's source per kind of copy (made from real pictures), the index on disk, and the
resident memory the loaded index adds.
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
from server.store.catalog import Catalog, _load_part, _save_part

SIDE = 640
PROBES = 8  # real pictures each kind of copy is made from
BATCH = 100


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


def import_real(service: Service, count: int) -> dict[str, float]:
    wall = cpu = 0.0
    for first in range(0, count, BATCH):
        batch = [
            Incoming(_picture(k), {"file_name": f"p{k}.jpg"}, f"p{k}.jpg")
            for k in range(first, min(count, first + BATCH))
        ]
        t, c = time.perf_counter(), time.process_time()
        service.catalog.add(batch, stamp=False)
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
        print(f"  {first + len(batch)} real pictures", file=sys.stderr)
    return {"import_per_s": round(count / wall, 1), "import_per_cpu_s": round(count / cpu, 1)}


def add_distractors(home: Path, count: int, seed: int) -> None:
    """`count` made-up items as one more index part (see the module's docstring)."""
    catalog = Catalog(home)
    manifest = catalog.manifest()
    real = [_load_part(catalog.index_root / name)[0] for name in manifest["parts"]]
    words = np.concatenate([np.asarray(p.words) for p in real])
    geometry = np.concatenate([np.asarray(p.geometry) for p in real])
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(count):
        n = retrieval.INDEX_FEATURES
        at = int(rng.integers(0, len(geometry) - n))
        picked = rng.integers(0, len(words), n)
        box = (0, 0, SIDE, SIDE)
        items.append(
            (rng.bytes(32).hex(), retrieval.Item(box, 1.0, words[picked], geometry[at : at + n]))
        )
    name = f"d-{seed}"
    _save_part(catalog.index_root / name, items)
    manifest["parts"].append(name)
    manifest["version"] += 1
    catalog._save_manifest(manifest)


def measure(home: Path, real: int) -> dict[str, object]:
    process = psutil.Process()
    before = process.memory_info().rss
    snap = Catalog(home).snapshot()
    assert snap is not None
    loaded = process.memory_info().rss
    lookups, checks, recall = [], [], {}
    probes = [int(k) for k in np.linspace(0, real - 1, PROBES)]
    for kind, make in copies.COPIES.items():
        found = 0
        for k in probes:
            source = copies.listing(k, SIDE, SIDE)
            edited = source if kind in ("crop30", "edit30") else copies.painted(source, share=0.04)
            data = copies.jpeg_bytes(make(edited), 85)
            photo = _parsed(data)
            t = time.perf_counter()
            grey, scale = retrieval.grey_at(photo.rgb, retrieval.QUERY_SIDE)
            snap.lookup(retrieval.query_of(grey, scale, snap.vocabulary))
            lookups.append(time.perf_counter() - t)
            t = time.perf_counter()
            (f,) = catalog_match.run(_parsed(data), CheckContext(catalog=snap))
            checks.append(time.perf_counter() - t)
            named = f.data.get("catalog_entry", {}).get("origin", {}).get("file_name")
            found += f.signal == "derived_from_catalog" and named == f"p{k}.jpg"
        recall[kind] = f"{found}/{len(probes)}"
    after = process.memory_info().rss
    index = home / "catalog" / "index"
    return {
        "lookup_p50_s": round(float(np.percentile(lookups, 50)), 3),
        "lookup_p95_s": round(float(np.percentile(lookups, 95)), 3),
        "check_p50_s": round(float(np.percentile(checks, 50)), 3),
        "check_p95_s": round(float(np.percentile(checks, 95)), 3),
        "recall": recall,
        "index_disk_mb": round(sum(p.stat().st_size for p in index.rglob("*.npy")) / 2**20, 1),
        "index_loaded_mb": round((loaded - before) / 2**20, 1),
        "resident_after_lookups_mb": round((after - before) / 2**20, 1),
    }


def remeasure(home: Path, real: int) -> None:
    """`--again HOME`: measure a catalogue grown before, at each size it reached (the index's
    parts taken in order), without importing again."""
    catalog = Catalog(home)
    full = catalog.manifest()
    try:
        for n in range(1, len(full["parts"]) + 1):
            if n < len(full["parts"]) and not full["parts"][n].startswith("d-"):
                continue  # the real pictures' parts are measured together
            catalog._save_manifest({**full, "parts": full["parts"][:n]})
            snap = catalog.snapshot()
            assert snap is not None
            result = {"size": snap.pictures, "real": real, **measure(home, real)}
            print(json.dumps(result, ensure_ascii=False), flush=True)
    finally:
        catalog._save_manifest(full)


def main(argv: list[str]) -> None:
    real = 1000
    if argv[:1] == ["--real"]:
        real, argv = int(argv[1]), argv[2:]
    if argv[:1] == ["--again"]:
        remeasure(Path(argv[1]), real)
        return
    sizes = [int(a) for a in argv] or [1000, 10000, 50000]
    home = Path(tempfile.mkdtemp(prefix="rp-catalog-"))
    service = Service(home)
    service.change_settings(tsa_urls=[])
    rates = import_real(service, real)
    have = real
    for size in sizes:
        if size > have:
            add_distractors(home, size - have, seed=size)
            have = size
        result = {"size": have, "real": real, **rates, **measure(home, real)}
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
    os._exit(0)

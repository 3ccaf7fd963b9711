"""The case desk at 10,000 cases: how long one page of the case list takes through the real
server (uvicorn on loopback, HTTP as the desk page asks), with each search, filter and sort
the desk offers; also the CSV of every case, the numbers page and one case page.

    .venv/bin/python -m bench.desk [CASES]      # default: 10000

The store is grown with case documents and their index rows written directly (no photos,
no checks: the list reads the index alone, so photos would only measure the disk), spread
over 12 months and six platforms, with verdicts, verdict kinds, statuses, amounts and repeat
buyers in the proportions a busy shop might see. Each query runs 7 times; the median counts.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from server.store import FORMAT, Store, _row, case_key

PLATFORMS = ("淘宝/天猫", "拼多多", "京东", "抖店", "快手小店", "微信小店")
LEVELS = ("none", "none", "strong", "decisive", "supporting", "counter")
KINDS = ((), (), ("ai",), ("listing_copy",), ("reused", "ai"), ())
STATUSES = ("pending", "pending", "appealed", "appeal_won", "appeal_lost", "police", "closed")
RUNS = 7
BUDGET_MS = 200.0  # per page, issue 23


def _case(n: int) -> dict[str, Any]:
    month, day = n % 12 + 1, n % 28 + 1
    created = f"2026-{month:02d}-{day:02d}T{n % 24:02d}:00:00.{n % 1000:03d}+00:00"
    facts = {
        "platform": PLATFORMS[n % len(PLATFORMS)],
        "order_id": f"4{n:018d}",
        "refund_id": f"RF{n:012d}",
        "buyer": f"buyer_{n % 4001}",  # most buyers once, some twice or three times
        "amount": f"{(n * 37) % 2000 + 9}.90",
        "title": f"商品 {n % 300}",
    }
    status = STATUSES[n % len(STATUSES)]
    sha = hashlib.sha256(f"photo-{n}".encode()).hexdigest()
    return {
        "format": FORMAT,
        "id": f"RP2026{month:02d}{day:02d}-{n:06X}",
        "key": case_key(facts),
        "no_facts": False,
        "created_at": created,
        "facts": facts,
        "photos": [
            {"sha256": sha, "role": "evidence", "phash": f"{n:016x}", "received_at": created}
        ],
        "verifications": [
            {
                "verified_at": created,
                "results": sha,
                "level": LEVELS[n % len(LEVELS)],
                "kinds": list(KINDS[n % len(KINDS)]),
                "producers": ["91110102MACQD9K640"] if n % len(KINDS) == 2 else [],
            }
        ],
        "reports": [],
        "status": {"value": status, "appeal_id": f"AP{n}" if status != "pending" else None}
        | ({"appeal_outcome": "won"} if status == "appeal_won" else {})
        | ({"appeal_outcome": "lost"} if status == "appeal_lost" else {}),
    }


def grow(home: Path, cases: int) -> None:
    """A data folder holding `cases` cases: their documents and the index over them. Written
    plainly (no fsync per file): this is bench material, not data anyone keeps."""
    store = Store(home)
    folder = home / "cases"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in range(cases):
        case = _case(n)
        (folder / f"{case['id']}.json").write_text(json.dumps(case, ensure_ascii=False))
        rows.append(_row(case))
    store.index.replace_all(rows)


QUERIES: dict[str, dict[str, str]] = {
    "page 1 (newest first)": {},
    "page 101 (offset 5000)": {"offset": "5000"},
    "search: order number": {"q": "4000000000000004242"},
    "search: buyer": {"q": "buyer_123"},
    "search: any text (商品 7)": {"q": "商品 7"},
    "filter: platform + status": {"platform": "拼多多", "status": "appealed"},
    "filter: verdict kind ai": {"kind": "ai"},
    "filter: date range": {"since": "2026-03-01", "until": "2026-03-31"},
    "filter: amount 500–1000": {"amount_min": "500", "amount_max": "1000"},
    "sort: amount, highest first": {"sort": "-amount"},
    "everything at once": {
        "q": "buyer",
        "kind": "ai",
        "status": "appealed",
        "since": "2026-02-01",
        "amount_min": "100",
        "sort": "-amount",
    },
}


def _median_ms(call: Any) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def page_times(url: str, token: str) -> dict[str, float]:
    """Median milliseconds of one page of 50 for each query, through HTTP."""
    import httpx

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:

        def page(q: dict[str, str]) -> None:
            r = api.get("/api/cases", params={"limit": "50", **q})
            r.raise_for_status()

        return {name: _median_ms(lambda q=q: page(q)) for name, q in QUERIES.items()}


def other_times(url: str, token: str, case_id: str) -> dict[str, float]:
    import httpx

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
        return {
            "CSV of every case": _median_ms(
                lambda: api.get("/api/desk/cases.csv").raise_for_status()
            ),
            "numbers per month and platform": _median_ms(
                lambda: api.get("/api/desk/numbers").raise_for_status()
            ),
            "one case page (links over every case)": _median_ms(
                lambda: api.get(f"/api/desk/cases/{case_id}").raise_for_status()
            ),
        }


def main() -> None:
    from server.settings import Config
    from tests.server_proc import ServerProcess

    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    home = Path(tempfile.mkdtemp(prefix="rp-bench-desk-")) / "home"
    t = time.monotonic()
    grow(home, cases)
    print(f"grew {cases} cases in {time.monotonic() - t:.1f} s")
    server = ServerProcess(home).start()
    try:
        token = Config.load(home).token
        pages = page_times(server.url, token)
        others = other_times(server.url, token, _case(1)["id"])
    finally:
        server.stop()
    print(f"\n| {cases} cases: one page of 50 | median ms |\n|---|---:|")
    for name, ms in pages.items():
        print(f"| {name} | {ms:.0f} |")
    print("\n| other desk calls | median ms |\n|---|---:|")
    for name, ms in others.items():
        print(f"| {name} | {ms:.0f} |")
    worst = max(pages.values())
    print(f"\nslowest page {worst:.0f} ms (budget {BUDGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()

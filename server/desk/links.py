"""Cases that belong together, from the index rows alone: the same photo in two refunds
(reuse), the same buyer on the same platform, the same generator's producer code; and the
buyers who asked for refunds more than once, with the total (a police threshold counts the
repeated refunds of one person)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain.amounts import yuan

MAX_LINKED = 50  # per kind of link: a desk page lists them, it does not page them


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: row.get(k)
        for k in (
            "id",
            "platform",
            "order_id",
            "refund_id",
            "buyer",
            "amount",
            "created_at",
            "level",
            "status",
        )
    }


def _buyer(row: dict[str, Any]) -> tuple[str, str] | None:
    buyer = (row.get("buyer") or "").strip()
    return ((row.get("platform") or "").strip(), buyer) if buyer else None


def linked(rows: Iterable[dict[str, Any]], case_id: str) -> dict[str, list[dict[str, Any]]]:
    """The cases linked to this one, by why: `photo` (with the hashes shared; `reuse_found`: the
    reuse check found the same photo, near copies too), `buyer`, `producer` (with the shared
    codes). Empty lists when the case is in no index row."""
    rows = list(rows)
    own = next((r for r in rows if r["id"] == case_id), None)
    out: dict[str, list[dict[str, Any]]] = {"photo": [], "buyer": [], "producer": []}
    if own is None:
        return out
    photos = {e[0] for e in own.get("evidence", [])}
    producers = set(own.get("producers") or [])
    reused = set(own.get("reused_with") or [])
    buyer = _buyer(own)
    for row in rows:
        if row["id"] == case_id:
            continue
        shared = photos & {e[0] for e in row.get("evidence", [])}
        # the reuse check's word counts both ways: the earlier case was checked before the
        # later one existed, and a near copy (re-encoded, cropped) shares no bytes
        near = row["id"] in reused or case_id in (row.get("reused_with") or [])
        if shared or near:
            out["photo"].append({**_brief(row), "shared": sorted(shared), "reuse_found": near})
        if buyer and _buyer(row) == buyer:
            out["buyer"].append(_brief(row))
        codes = producers & set(row.get("producers") or [])
        if codes:
            out["producer"].append({**_brief(row), "shared": sorted(codes)})
    for found in out.values():
        found.sort(key=lambda r: r["created_at"], reverse=True)
        del found[MAX_LINKED:]
    return out


def repeat_buyers(rows: Iterable[dict[str, Any]], least: int = 2) -> list[dict[str, Any]]:
    """Buyers (platform + name) with at least `least` refunds: how many, the total amount,
    their cases newest first; the most refunds first."""
    by_buyer: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        who = _buyer(row)
        if who:
            by_buyer.setdefault(who, []).append(row)
    out: list[dict[str, Any]] = []
    for (platform, buyer), own in by_buyer.items():
        if len(own) < least:
            continue
        own.sort(key=lambda r: r["created_at"], reverse=True)
        out.append(
            {
                "platform": platform,
                "buyer": buyer,
                "refunds": len(own),
                "total_amount": round(sum(yuan(r.get("amount")) or 0.0 for r in own), 2),
                "with_evidence": sum(r.get("level") in ("decisive", "strong") for r in own),
                "cases": [_brief(r) for r in own[:MAX_LINKED]],
            }
        )
    out.sort(key=lambda b: (-b["refunds"], -b["total_amount"]))
    return out

"""The numbers a seller wants, per month (the month a case was opened) and platform: cases
checked, cases with evidence (strong or decisive), the amount those involve, appeals won and
lost (as the seller recorded them on the desk)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain.amounts import yuan

WITH_EVIDENCE = ("decisive", "strong")


def per_month(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (month, platform) that has cases, newest month first."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["created_at"][:7], row.get("platform") or "")
        entry = table.setdefault(
            key,
            {
                "month": key[0],
                "platform": key[1],
                "cases": 0,
                "checked": 0,
                "with_evidence": 0,
                "amount": 0.0,
                "amount_with_evidence": 0.0,
                "appeals": 0,
                "won": 0,
                "lost": 0,
            },
        )
        amount = yuan(row.get("amount")) or 0.0
        entry["cases"] += 1
        entry["amount"] += amount
        if row.get("verified_at"):
            entry["checked"] += 1
        if row.get("level") in WITH_EVIDENCE:
            entry["with_evidence"] += 1
            entry["amount_with_evidence"] += amount
        if row.get("outcome") or row.get("appeal_id") or row.get("status") == "appealed":
            entry["appeals"] += 1
        if row.get("outcome") == "won":
            entry["won"] += 1
        if row.get("outcome") == "lost":
            entry["lost"] += 1
    out = sorted(table.values(), key=lambda e: (e["month"], e["platform"]))
    out.sort(key=lambda e: e["month"], reverse=True)  # stable: platforms stay in order
    for e in out:
        e["amount"] = round(e["amount"], 2)
        e["amount_with_evidence"] = round(e["amount_with_evidence"], 2)
    return out

"""Searching the case index: filters, text search, sort and paging over the index rows alone
(one small row per case), so a page of 10,000 cases costs one pass over the rows.

Rows written before a field existed lack it and read as its default (no status: 待处理)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..domain.amounts import yuan
from ..errors import Problem
from ..text import Text

SEARCHABLE = ("platform", "order_id", "refund_id", "buyer")
# what `q` looks in: the refund's numbers and names, the item, the status note and ids
TEXT_FIELDS = ("id", *SEARCHABLE, "title", "note", "appeal_id", "police_receipt")
LEVEL_ORDER = ("decisive", "strong", "supporting", "counter", "none", "error", None)
SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "created_at": lambda r: r["created_at"],
    "amount": lambda r: (yuan(r.get("amount")) or 0.0, r["created_at"]),
    "level": lambda r: (-LEVEL_ORDER.index(r.get("level")), r["created_at"]),
    "status": lambda r: (r.get("status") or "pending", r["created_at"]),
    "buyer": lambda r: (r.get("buyer") or "", r["created_at"]),
}


def _number(name: str, raw: str | None) -> float | None:
    if not raw:
        return None
    value = yuan(raw)
    if value is None:
        raise Problem(
            "filter",
            Text(f"{name} 不是金额：{raw[:20]}。", f"{name} is not an amount: {raw[:20]}."),
        )
    return value


def matcher(f: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
    """A test for one row from the filters: facts exact, `level`, `kind` (a verdict kind the
    case's evidence shows), `status`, `since` / `until` (ISO dates, inclusive), an amount range,
    `q` (any text field contains it, case-insensitive)."""
    exact = [(k, f[k]) for k in (*SEARCHABLE, "level") if f.get(k)]
    kind, status = f.get("kind"), f.get("status")
    since, until = f.get("since"), f.get("until")
    low, high = (
        _number("amount_min", f.get("amount_min")),
        _number("amount_max", f.get("amount_max")),
    )
    q = (f.get("q") or "").strip().casefold()

    def test(r: dict[str, Any]) -> bool:
        if any(r.get(k) != v for k, v in exact):
            return False
        if kind and kind not in (r.get("kinds") or ()):
            return False
        if status and (r.get("status") or "pending") != status:
            return False
        if since and r["created_at"] < since:
            return False
        if until and r["created_at"][: len(until)] > until:
            return False
        if low is not None or high is not None:
            amount = yuan(r.get("amount"))
            if amount is None or (low is not None and amount < low):
                return False
            if high is not None and amount > high:
                return False
        return not q or any(q in str(r.get(k) or "").casefold() for k in TEXT_FIELDS)

    return test


def sort_of(raw: str | None) -> tuple[Callable[[dict[str, Any]], Any], bool]:
    """(key, newest/largest first) for `sort`: a name of SORTS, '-' before it for descending;
    none given: newest first."""
    name = (raw or "-created_at").strip()
    descending = name.startswith("-")
    key = SORTS.get(name.lstrip("-"))
    if key is None:
        raise Problem(
            "filter",
            Text(
                f"无法按 {name[:20]} 排序（可用：{', '.join(SORTS)}）。",
                f"Cannot sort by {name[:20]} (known: {', '.join(SORTS)}).",
            ),
        )
    return key, descending


def search(
    rows: Iterable[dict[str, Any]], f: dict[str, str], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """(one page of rows without their evidence hashes, how many rows match)."""
    test = matcher(f)
    key, descending = sort_of(f.get("sort"))
    hits = [r for r in rows if test(r)]
    hits.sort(key=key, reverse=descending)
    page = [{k: v for k, v in r.items() if k != "evidence"} for r in hits[offset : offset + limit]]
    return page, len(hits)

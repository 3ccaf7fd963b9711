"""A data folder written by release 0.1 (one db.json holding everything) becomes the current
layout on first start, after a backup copy of db.json; the evidence, the figures, the reports'
files and the audit log stay where they are."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..files import now_iso
from . import FORMAT, Store, _row, case_key, jsonfile


def needed(home: Path) -> bool:
    return (home / "db.json").exists() and not (home / "index").exists()


def from_v1(store: Store) -> dict[str, int]:
    """Convert db.json; returns what was carried over. db.json is kept as db.json.v1-backup."""
    home = store.home
    old = jsonfile.read(home / "db.json")  # StoreCorrupt if it is damaged: nothing is touched
    tables: dict[str, dict[str, Any]] = old or {}
    backup = home / "db.json.v1-backup"
    with store.audited():
        if not backup.exists():
            shutil.copy2(home / "db.json", backup)
        photos = _by_case(tables.get("photos", {}).values())
        latest = {v["case_id"]: v for v in tables.get("verifications", {}).values()}
        reports = _by_case(tables.get("reports", {}).values())
        rows: list[dict[str, Any]] = []
        keys: set[str] = set()
        for case in sorted(tables.get("cases", {}).values(), key=lambda c: c["created_at"]):
            doc = _case(store, case, photos, latest, reports, keys)
            store._save_case(doc)
            rows.append(_row(doc))
        for record in (r for rs in reports.values() for r in rs):
            folder = store.report_folder(record["id"])
            folder.mkdir(parents=True, exist_ok=True)
            jsonfile.write(folder / "record.json", record)
        cache = store.cache()
        cache.put_many({e["key"]: e["findings"] for e in tables.get("check_cache", {}).values()})
        store.index.replace_all(rows)
        counts = {"cases": len(rows), "photos": sum(len(p) for p in photos.values())}
        store.audit_log.append("store.migrated", {"from": 1, "to": FORMAT, **counts}, now_iso())
    return counts


def _by_case(rows: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["case_id"], []).append(r)
    return out


def _case(
    store: Store,
    case: dict[str, Any],
    photos: dict[str, list[dict[str, Any]]],
    latest: dict[str, dict[str, Any]],
    reports: dict[str, list[dict[str, Any]]],
    keys: set[str],
) -> dict[str, Any]:
    # 0.1 made a new case each time a refund was checked: the oldest keeps the refund's
    # identity, the later ones stay as they were, searchable by the same facts
    key = case_key(case["facts"])
    if key in keys:
        key = None
    if key:
        keys.add(key)
    own = sorted(photos.get(case["id"], []), key=lambda p: p["received_at"])
    doc = {
        "format": FORMAT,
        "id": case["id"],
        "key": key,
        "no_facts": not any(case["facts"].values()),
        "created_at": case["created_at"],
        "facts": case["facts"],
        "photos": [{k: v for k, v in p.items() if k != "case_id"} for p in own],
        "verifications": [],
        "reports": [
            r["id"] for r in sorted(reports.get(case["id"], []), key=lambda r: r["created_at"])
        ],
    }
    done = latest.get(case["id"])
    if done is not None:
        verification = {k: v for k, v in done.items() if k != "case_id"}
        store.save_verification_file(verification)
        doc["verifications"].append(
            {
                "verified_at": verification["verified_at"],
                "results": store.verification_sha(verification),
                "level": None,
            }
        )
    return doc

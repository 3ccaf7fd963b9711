"""The shop catalogue as the CLI and the API use it: pictures in (validated, described for the
index, kept with their origin), listed, removed, counted, and each import batch time-stamped.

A batch's pictures are the leaves of a Merkle tree (server/domain/merkle.py); one RFC 3161
time stamp over its root proves every picture in it existed by then. Offline, the batch says
the local clock was used, and the next import (or `refundproof catalog stamp`) stamps it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from PIL import Image

from . import intake
from .domain.limits import Limits
from .errors import Problem
from .files import now_iso
from .formats import isobmff
from .imaging import pixels, retrieval
from .settings import Config, TsaMemory
from .store import Store
from .store.catalog import Catalog, NewPicture, stamp_record
from .text import Text, neutral

ORIGIN_FIELDS = ("file_name", "folder", "page_url", "image_url", "sku", "title", "method")
METHODS = ("cli_file", "api_upload", "extension_refund_page", "extension_product_page")


@dataclass
class Incoming:
    """One picture offered to the catalogue and where it came from."""

    data: bytes
    origin: dict[str, str | None]
    label: str  # how the seller names it in messages (a path, a URL)


@dataclass
class AddResult:
    batch: str | None
    added: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[str, Problem]] = field(default_factory=list)
    stamp: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "added": self.added,
            "duplicates": self.duplicates,
            "refused": [{"name": n, **p.to_json()} for n, p in self.refused],
            "time_stamp": self.stamp,
        }


def clean_origin(origin: dict[str, Any]) -> dict[str, str | None]:
    unknown = sorted(set(origin) - set(ORIGIN_FIELDS))
    if unknown:
        raise Problem(
            "origin",
            Text(
                f"未知的来源字段：{', '.join(unknown)}（可用：{', '.join(ORIGIN_FIELDS)}）。",
                f"Unknown origin fields: {', '.join(unknown)} (known: {', '.join(ORIGIN_FIELDS)}).",
            ),
        )
    if origin.get("method") not in (None, *METHODS):
        raise Problem(
            "origin",
            Text(
                f"未知的来源方式 {origin.get('method')!r}（可用：{', '.join(METHODS)}）。",
                f"Unknown origin method {origin.get('method')!r} (one of: {', '.join(METHODS)}).",
            ),
        )
    return {
        k: (None if origin.get(k) in (None, "") else neutral(str(origin[k]))[:2000])
        for k in ORIGIN_FIELDS
    }


def inspect(item: Incoming, limits: Limits) -> intake.Inspection | Problem:
    """Validate one picture as intake does (in the calling thread: it sets warning filters,
    which are process-wide); the Problem that refuses it otherwise."""
    # intake takes a movie as evidence; the catalogue is searched by pictures only
    if isobmff.is_movie(item.data):
        return Problem(
            "not_a_picture",
            Text(
                "商品图库只收图片：这是视频文件，不能加入商品图库。",
                "The catalogue takes pictures only: this is a video file and cannot join it.",
            ),
        )
    try:
        seen = intake.check_image(item.data, limits)
    except Problem as e:
        return e
    if seen.pixels_error:
        return Problem(
            "undecodable",
            Text(
                f"图片无法解码（{seen.pixels_error}），不能加入商品图库。",
                f"The picture does not decode ({seen.pixels_error}); it cannot join the catalogue.",
            ),
        )
    return seen


def describe(
    item: Incoming, seen: intake.Inspection, vocabulary: retrieval.Vocabulary
) -> NewPicture | Problem:
    """An inspected picture's index features (no store write); safe on any thread."""
    try:
        image = pixels.viewable(Image.open(io.BytesIO(item.data)))
        items = retrieval.items_of(image, vocabulary)
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        return Problem(
            "unreadable",
            Text(
                f"无法读取图片（{type(e).__name__}）。",
                f"The picture cannot be read ({type(e).__name__}).",
            ),
        )
    record = {
        "origin": item.origin,
        "format": seen.format,
        "width": image.width,
        "height": image.height,
        "size": len(item.data),
    }
    return NewPicture(hashlib.sha256(item.data).hexdigest(), record, items)


class CatalogDesk:
    """The catalogue's operations over one data folder (the Store's lock serialises them)."""

    def __init__(
        self, store: Store, limits: Limits, stamping: threading.Lock | None = None
    ) -> None:
        self.store = store
        self.catalog = Catalog(store.home)
        self.limits = limits
        # one stamping run at a time in this process: the extension adds pictures one by one,
        # and each add's stamping after it must not ask the services for the same batches
        self.stamping = stamping or threading.Lock()

    def add(self, incoming: Iterable[Incoming], stamp: bool = True) -> AddResult:
        """Add the pictures as one import batch. They are read as they come (a folder of
        thousands is never held in memory at once); each is written under its hash as soon as
        it is described, and the batch's records, index part and manifest under the lock."""
        vocabulary = self.catalog.vocabulary()
        if vocabulary is None:
            made = retrieval.default_vocabulary()  # a few seconds, before the lock
            with self.store.writing():
                vocabulary = self.catalog.ensure_vocabulary(made)
        described: list[NewPicture] = []
        refused: list[tuple[str, Problem]] = []
        early: list[dict[str, Any]] = []  # already in the catalogue: not described again
        seen: set[str] = set()
        # described a few at a time on threads: decoding, resizing and SIFT release the GIL,
        # so every core works, and only a few pictures are in memory at once
        workers = min(4, os.cpu_count() or 1)  # each holds one decoded picture
        with ThreadPoolExecutor(workers) as pool:
            for chunk in _chunks(incoming, 2 * workers):
                fresh: list[tuple[Incoming, intake.Inspection]] = []
                for item in chunk:
                    sha = hashlib.sha256(item.data).hexdigest()
                    known = self.catalog.entry(sha)
                    if known is not None or sha in seen:
                        early.append(known or {"sha256": sha, "origin": item.origin})
                        continue
                    seen.add(sha)
                    inspected = inspect(item, self.limits)
                    if isinstance(inspected, Problem):
                        refused.append((item.label, inspected))
                    else:
                        fresh.append((item, inspected))
                results = pool.map(lambda f: describe(f[0], f[1], vocabulary), fresh)
                for (item, _), result in zip(fresh, results, strict=True):
                    if isinstance(result, Problem):
                        refused.append((item.label, result))
                        continue
                    with self.store.writing():
                        self.catalog.images.put(item.data, result.sha256)
                    described.append(result)
        now = now_iso()
        batch_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        with self.store.audited():
            added = self.catalog.add(batch_id, described, now)
            if added.batch:
                batch = self.catalog.batch(added.batch) or {}
                self.store.audit_log.append(
                    "catalog.added",
                    {"batch": added.batch, "pictures": len(added.added), "root": batch.get("root")},
                    now,
                )
        out = AddResult(added.batch, added.added, early + added.duplicates, refused)
        if stamp and added.batch:
            stamped = self.stamp_pending()
            out.stamp = stamped.get(added.batch)
        return out

    def stamp_pending(self) -> dict[str, dict[str, Any] | None]:
        """A time stamp for every batch without one; {batch id: its stamp or None}."""
        with self.stamping:
            return self._stamp_pending()

    def _stamp_pending(self) -> dict[str, dict[str, Any] | None]:
        pending = [b for b in self.catalog.batches() if not b.get("time_stamp")]
        if not pending:
            return {}
        from reports.sign import first_answering  # pyHanko: 0.7 s to import, only when needed

        config = Config.load(self.store.home)
        memory = TsaMemory.load(self.store.home)
        first, others, _ = memory.plan(config.time_stamp_services, time.time())
        planned = [u for u in (first, *others) if u]
        url, silent = first_answering(first, others) if planned else (None, [])
        out: dict[str, dict[str, Any] | None] = {}
        for batch in pending:
            token = _stamp(url, bytes.fromhex(batch["root"])) if url else None
            while url and token is None:
                # it answered the test a moment ago, then failed the real request: as a
                # report does, it counts as silent; the rest of the plan is asked in turn
                silent.append(url)
                rest = [u for u in planned if u not in silent]
                url, unanswered = first_answering(None, rest) if rest else (None, [])
                silent += unanswered
                token = _stamp(url, bytes.fromhex(batch["root"])) if url else None
            if token is None:
                out[batch["id"]] = None
                continue
            record = stamp_record(url or "", token[1], token[0])
            with self.store.audited():
                self.catalog.set_stamp(batch["id"], record)
                self.store.audit_log.append(
                    "catalog.stamped", {"batch": batch["id"], "service": url}, now_iso()
                )
            out[batch["id"]] = record
        memory.learn(url, silent, time.time())
        memory.save(self.store.home)
        return out

    def list(self) -> list[dict[str, Any]]:
        batches = {b["id"]: b for b in self.catalog.batches()}
        return [
            {**e, "time_stamp": _stamp_summary(batches.get(e["batch"]))}
            for e in sorted(self.catalog.entries(), key=lambda e: e["first_seen"])
        ]

    def remove(self, entry_id: str) -> dict[str, Any]:
        entry = self.catalog.find(entry_id)
        with self.store.audited():
            self.catalog.remove(entry["sha256"])
            self.store.audit_log.append("catalog.removed", {"sha256": entry["sha256"]}, now_iso())
        return entry

    def stats(self) -> dict[str, Any]:
        entries = list(self.catalog.entries())
        batches = self.catalog.batches()
        index = self.catalog.index_root
        disk = sum(p.stat().st_size for p in index.rglob("*.npy")) if index.is_dir() else 0
        images = self.catalog.images.root
        image_bytes = sum(p.stat().st_size for p in images.rglob("*")) if images.is_dir() else 0
        return {
            "pictures": len(entries),
            "batches": len(batches),
            "unstamped_batches": sum(1 for b in batches if not b.get("time_stamp")),
            "version": self.catalog.version(),
            "index_bytes": disk,
            "picture_bytes": image_bytes,
            "first_seen": min((e["first_seen"] for e in entries), default=None),
            "last_seen": max((e["first_seen"] for e in entries), default=None),
        }


def _stamp(url: str, digest: bytes) -> tuple[bytes, str] | None:
    """(the RFC 3161 token's DER, its time) over `digest`, or None when the service fails."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    from reports.sign import TSA_SECONDS

    try:
        stamper = HTTPTimeStamper(url, timeout=TSA_SECONDS)
        token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
        info = token["content"]["encap_content_info"]["content"].parsed
        return token.dump(), info["gen_time"].native.isoformat()
    except Exception:  # refused, timed out, not a TSA: the batch stays on the local clock
        return None


def _stamp_summary(batch: dict[str, Any] | None) -> dict[str, Any] | None:
    stamp = (batch or {}).get("time_stamp")
    return {"service": stamp["service"], "time": stamp["time"]} if stamp else None


def _chunks(items: Iterable[Incoming], size: int) -> Iterator[list[Incoming]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk

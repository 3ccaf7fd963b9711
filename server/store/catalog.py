"""The shop catalogue: the seller's own listing pictures, each kept with where it came from
and when it joined, and the index that finds a copy of any of them.

    catalog/images/ab/<sha>          the picture's bytes, written once, read-only
    catalog/entries/ab/<sha>.json    its record (created once): origin, first seen, batch
    catalog/batches/<id>.json        one import: its pictures' hashes, their Merkle root and
                                     the RFC 3161 time stamp over it (added when one answers)
    catalog/index/vocabulary.npy     the visual words (made once per data folder)
    catalog/index/<part>/            the searchable features of one or more imports
    catalog/index/manifest.json      the parts in use, removed entries, and the version: it
                                     grows with every change, so a cached result from before
                                     is never taken for one after

Every write happens under the data folder's lock (the Store's), files are written atomically
or created once, and an import writes its part and its entries before the manifest names
them: a crash leaves the catalogue as it was, with leftovers `check` names.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..domain import merkle
from ..errors import EvidenceTampered, NotFound
from ..imaging import retrieval
from ..text import Text
from . import jsonfile
from .evidence import EvidenceFolder

MERGE_PARTS = 8  # more parts than this are merged into one, so a lookup stays one pass
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[0-9a-f]{12,64}")


@dataclass(frozen=True)
class NewPicture:
    """One picture ready to join: its hash, record and index items (computed before the
    lock is taken: describing pictures is the slow part; its bytes are already written)."""

    sha256: str
    record: dict[str, Any]  # origin, format, width, height
    items: list[retrieval.Item]


@dataclass
class Added:
    batch: str | None
    added: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # already in the catalogue


class Catalog:
    def __init__(self, home: Path) -> None:
        self.root = home / "catalog"
        self.images = EvidenceFolder(self.root / "images")
        self.index_root = self.root / "index"

    # reading

    def entry_path(self, sha256: str) -> Path:
        return self.root / "entries" / sha256[:2] / f"{sha256}.json"

    def entry(self, sha256: str) -> dict[str, Any] | None:
        if not _SHA256.fullmatch(sha256):
            return None
        return cast(dict[str, Any] | None, jsonfile.read(self.entry_path(sha256)))

    def find(self, entry_id: str) -> dict[str, Any]:
        """An entry by its id (the first 12 or more hex digits of its SHA-256)."""
        wanted = entry_id.strip().lower()
        matches = []
        if _ID.fullmatch(wanted):
            folder = self.root / "entries" / wanted[:2]
            matches = sorted(folder.glob(f"{wanted}*.json")) if folder.is_dir() else []
        if len(matches) != 1:
            raise NotFound(Text(f"商品图库条目 {entry_id}", f"catalogue entry {entry_id}"))
        return cast(dict[str, Any], jsonfile.read(matches[0]))

    def entries(self) -> Iterator[dict[str, Any]]:
        folder = self.root / "entries"
        for path in sorted(folder.glob("*/*.json")) if folder.is_dir() else []:
            entry = jsonfile.read(path)
            if entry is not None:
                yield cast(dict[str, Any], entry)

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", batch_id):
            return None
        return cast(dict[str, Any] | None, jsonfile.read(self._batch_path(batch_id)))

    def batches(self) -> list[dict[str, Any]]:
        folder = self.root / "batches"
        found = [jsonfile.read(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
        return [cast(dict[str, Any], b) for b in found if b is not None]

    def _batch_path(self, batch_id: str) -> Path:
        return self.root / "batches" / f"{batch_id}.json"

    def manifest(self) -> dict[str, Any]:
        found = jsonfile.read(self.index_root / "manifest.json")
        return cast(dict[str, Any], found) if found else {"version": 0, "parts": [], "removed": []}

    def version(self) -> int:
        return int(self.manifest()["version"])

    def vocabulary(self) -> retrieval.Vocabulary | None:
        path = self.index_root / "vocabulary.npy"
        return retrieval.Vocabulary(np.load(path)) if path.exists() else None

    def image(self, sha256: str) -> bytes:
        """A picture's bytes, re-hashed (EvidenceTampered when they changed on disk)."""
        if not self.images.has(sha256):
            raise NotFound(Text(f"商品图 {sha256}", f"catalogue picture {sha256}"))
        return self.images.get(sha256)

    # writing: the caller holds the data folder's lock

    def ensure_vocabulary(self, vocabulary: retrieval.Vocabulary) -> retrieval.Vocabulary:
        """The folder's vocabulary; `vocabulary` becomes it when there is none yet."""
        found = self.vocabulary()
        if found is not None:
            return found
        self.index_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_npy(self.index_root / "vocabulary.npy", vocabulary.centres)
        return vocabulary

    def add(self, batch_id: str, pictures: Sequence[NewPicture], now: str) -> Added:
        """Keep the pictures not yet in the catalogue as one batch; the duplicates are named."""
        out = Added(None)
        fresh: list[NewPicture] = []
        for p in pictures:
            known = self.entry(p.sha256)
            if known is not None or any(f.sha256 == p.sha256 for f in fresh):
                out.duplicates.append(known or {"sha256": p.sha256, **p.record})
            else:
                fresh.append(p)
        if not fresh:
            return out
        leaves = [p.sha256 for p in fresh]
        batch = {
            "id": batch_id,
            "created_at": now,
            "leaves": leaves,
            "root": merkle.root([bytes.fromhex(s) for s in leaves]).hex(),
            "time_stamp": None,  # added by stamp() once a service answers
        }
        part = f"p-{batch_id}"
        _save_part(self.index_root / part, [(p.sha256, i) for p in fresh for i in p.items])
        (self.root / "batches").mkdir(parents=True, exist_ok=True, mode=0o700)
        jsonfile.create(self._batch_path(batch_id), batch)
        for p in fresh:
            entry = {
                "sha256": p.sha256,
                "id": p.sha256[:12],
                "first_seen": now,
                "batch": batch_id,
                **p.record,
            }
            path = self.entry_path(p.sha256)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            jsonfile.create(path, entry)
            out.added.append(entry)
        manifest = self.manifest()
        manifest["parts"].append(part)
        manifest["version"] += 1
        self._save_manifest(manifest)
        out.batch = batch_id
        self._merge_if_many()
        return out

    def remove(self, sha256: str) -> dict[str, Any]:
        """Take an entry out: its record and picture go, its index features are skipped from
        now on (and dropped at the next merge); its batch keeps the hash it stamped."""
        entry = self.entry(sha256)
        if entry is None:
            raise NotFound(Text(f"商品图库条目 {sha256}", f"catalogue entry {sha256}"))
        manifest = self.manifest()
        manifest["removed"] = sorted({*manifest["removed"], sha256})
        manifest["version"] += 1
        self._save_manifest(manifest)
        self.entry_path(sha256).unlink()
        path = self.images.path(sha256)
        with suppress(FileNotFoundError):
            os.chmod(path, 0o600)  # read-only files cannot be deleted on Windows
            path.unlink()
        return entry

    def set_stamp(self, batch_id: str, stamp: dict[str, Any]) -> None:
        batch = self.batch(batch_id)
        if batch is None:
            raise NotFound(Text(f"导入批次 {batch_id}", f"import batch {batch_id}"))
        batch["time_stamp"] = stamp
        jsonfile.write(self._batch_path(batch_id), batch)

    def _save_manifest(self, manifest: dict[str, Any]) -> None:
        self.index_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        jsonfile.write(self.index_root / "manifest.json", manifest)

    def _merge_if_many(self) -> None:
        """Merge parts when there are many (the extension adds pictures one at a time). The
        largest part is left alone while it holds at least twice what the others hold
        together, so a picture added to a large catalogue rewrites only the small parts; once
        they grow to half its size, everything is merged (each feature is rewritten only a
        few times over the catalogue's life)."""
        manifest = self.manifest()
        parts = list(manifest["parts"])
        if len(parts) <= MERGE_PARTS:
            return
        sizes = {
            name: len(np.load(self.index_root / name / "sha.npy", mmap_mode="r")) for name in parts
        }
        largest = max(parts, key=lambda n: sizes[n])
        rest = sum(sizes.values()) - sizes[largest]
        merging = [n for n in parts if n != largest] if sizes[largest] >= 2 * rest else parts
        removed = set(manifest["removed"])
        merged_items: list[tuple[str, retrieval.Item]] = []
        for name in merging:
            merged_items += [
                (sha, item)
                for sha, item in _read_part_items(self.index_root / name)
                if sha not in removed
            ]
        name = f"m-{manifest['version']}"
        _save_part(self.index_root / name, merged_items)
        kept = [n for n in parts if n not in merging]
        manifest = {
            **manifest,
            "parts": [*kept, name],
            # what was removed from a part not merged is still skipped at lookups
            "removed": manifest["removed"] if kept else [],
            "version": manifest["version"] + 1,
        }
        self._save_manifest(manifest)
        for part in {*merging, *self.leftover_parts()}:
            # a part another process still has open cannot go on Windows: it stays, unused
            # (the manifest no longer names it), until a later merge sweeps it
            shutil.rmtree(self.index_root / part, ignore_errors=True)

    def leftover_parts(self) -> list[str]:
        used = set(self.manifest()["parts"])
        folder = self.index_root
        found = [p.name for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
        return sorted(set(found) - used)

    # the whole catalogue, for a lookup

    def snapshot(self) -> CatalogSnapshot | None:
        """The index as it is now (its version with it); None when the catalogue is empty."""
        manifest = self.manifest()
        vocabulary = self.vocabulary()
        if vocabulary is None or not manifest["parts"]:
            return None
        parts, shas, boxes = [], [], []
        for name in manifest["parts"]:
            part, part_shas, part_boxes = _load_part(self.index_root / name)
            parts.append(part)
            shas.append(part_shas)
            boxes.append(part_boxes)
        all_shas = np.concatenate(shas)
        removed = {bytes.fromhex(s) for s in manifest["removed"]}
        allowed = np.array([s not in removed for s in all_shas.tolist()], bool)
        return CatalogSnapshot(
            version=int(manifest["version"]),
            vocabulary=vocabulary,
            parts=parts,
            item_sha=all_shas,
            item_box=np.concatenate(boxes),
            allowed=allowed,
            catalog=self,
        )


@dataclass(frozen=True)
class CatalogSnapshot:
    """The catalogue's index loaded for lookups; reads entries and pictures when asked."""

    version: int
    vocabulary: retrieval.Vocabulary
    parts: list[retrieval.Part]
    item_sha: np.ndarray  # per item: the 32-byte digest of its picture
    item_box: np.ndarray  # per item: x0, y0, x1, y1
    allowed: np.ndarray  # per item: False once its entry was removed
    catalog: Catalog

    @property
    def pictures(self) -> int:
        return len(set(self.item_sha[self.allowed].tolist()))

    def lookup(self, query: retrieval.Query) -> list[retrieval.Hit]:
        """The pictures whose features agree in position with the query's, best first."""
        hits = []
        for item, inliers in retrieval.search(self.parts, query, self.allowed):
            box = tuple(int(v) for v in self.item_box[item])
            hits.append(retrieval.Hit(bytes(self.item_sha[item]).hex(), cast(Any, box), inliers))
        return hits

    def entry(self, sha256: str) -> dict[str, Any] | None:
        return self.catalog.entry(sha256)

    def image(self, sha256: str) -> bytes:
        return self.catalog.image(sha256)

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        return self.catalog.batch(batch_id)


# --- parts on disk: NumPy files, the large ones memory-mapped when read ----------------


def _write_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        np.save(f, array)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _save_part(folder: Path, items: Sequence[tuple[str, retrieval.Item]]) -> None:
    """A part written whole into a new folder (named by the manifest only once complete)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = retrieval.Part.of([i for _, i in items])
    arrays = {
        "starts": part.starts,
        "words": part.words,
        "geometry": part.geometry,
        "offsets": part.postings.offsets,
        "postings": part.postings.items,
        "sha": np.array([bytes.fromhex(s) for s, _ in items], dtype="S32").reshape(-1),
        "box": np.array([i.box for _, i in items], np.int32).reshape(-1, 4),
        "scale": np.array([i.scale for _, i in items], np.float32),
    }
    for name, array in arrays.items():
        _write_npy(folder / f"{name}.npy", array)


def _load_part(folder: Path) -> tuple[retrieval.Part, np.ndarray, np.ndarray]:
    def load(name: str, mmap: bool = False) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None)

    # geometry is read only for the few candidates re-ranked: mapped, not loaded
    part = retrieval.Part(
        load("starts"),
        load("words", mmap=True),
        load("geometry", mmap=True),
        retrieval.Postings(load("offsets"), load("postings")),
    )
    return part, load("sha"), load("box")


def _read_part_items(folder: Path) -> list[tuple[str, retrieval.Item]]:
    part, shas, boxes = _load_part(folder)
    scales = np.load(folder / "scale.npy")
    out = []
    for i in range(part.size):
        a, b = int(part.starts[i]), int(part.starts[i + 1])
        box = cast(Any, tuple(int(v) for v in boxes[i]))
        item = retrieval.Item(
            box, float(scales[i]), np.array(part.words[a:b]), np.array(part.geometry[a:b])
        )
        out.append((bytes(shas[i]).hex(), item))
    return out


def stamp_record(service: str, at: str, token: bytes) -> dict[str, Any]:
    """What a batch keeps of its RFC 3161 time stamp."""
    return {"service": service, "time": at, "token": base64.b64encode(token).decode("ascii")}


def check_catalog(catalog: Catalog) -> list[Text]:
    """`refundproof check` for the catalogue: every entry's picture re-hashes to its name and
    its batch holds it; every batch's root is the tree over its leaves; the manifest's parts
    exist; nothing left half-written."""
    problems: list[Text] = []
    if not catalog.root.is_dir():
        return problems
    batches = {b["id"]: b for b in catalog.batches()}
    for b in batches.values():
        if merkle.root([bytes.fromhex(s) for s in b["leaves"]]).hex() != b["root"]:
            problems.append(
                Text(
                    f"商品图库导入批次 {b['id']} 的哈希树根与其条目不符：记录被改动过。",
                    f"Catalogue import batch {b['id']}: its hash-tree root does not match its "
                    "entries; the record was changed.",
                )
            )
    seen: set[str] = set()
    for entry in catalog.entries():
        sha = entry["sha256"]
        seen.add(sha)
        try:
            catalog.images.get(sha)
        except FileNotFoundError:
            problems.append(
                Text(f"商品图库图片 {sha} 不见了。", f"Catalogue picture {sha} is missing.")
            )
        except EvidenceTampered as e:
            problems.append(e.text)
        if sha not in batches.get(entry.get("batch", ""), {}).get("leaves", []):
            problems.append(
                Text(
                    f"商品图库条目 {sha} 不在它所属的导入批次中。",
                    f"Catalogue entry {sha} is not in the import batch it names.",
                )
            )
    for path in sorted(catalog.images.root.glob("*/*")) if catalog.images.root.is_dir() else []:
        if not path.name.endswith(".tmp") and path.name not in seen:
            problems.append(
                Text(
                    f"商品图库图片 {path.name} 没有条目（中断的导入留下的）。",
                    f"Catalogue picture {path.name} has no entry (left by an interrupted import).",
                )
            )
    for name in catalog.leftover_parts():
        problems.append(
            Text(
                f"商品图库索引中有不再使用的部分 {name}（中断的导入或合并留下的），可以删除。",
                f"Catalogue index part {name} is no longer used (left by an interrupted import "
                "or merge); it can be deleted.",
            )
        )
    for name in catalog.manifest()["parts"]:
        if not (catalog.index_root / name / "postings.npy").exists():
            problems.append(
                Text(
                    f"商品图库索引的部分 {name} 不见了：其中的图片查不到了。",
                    f"Catalogue index part {name} is missing: its pictures cannot be found.",
                )
            )
    return problems

"""What every check receives: the shared parsed photo and the case context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..domain.cases import Finding, Photo
from ..domain.trust_lists import TrustInfo
from ..imaging.retrieval import Hit, Query, Vocabulary
from ..text import Text
from .parsed import PhotoData


class CatalogLookup(Protocol):
    """The shop catalogue's index as a check sees it (the store's CatalogSnapshot)."""

    @property
    def version(self) -> int:
        """Grows with every import or removal: part of the cache key."""
        ...

    @property
    def vocabulary(self) -> Vocabulary: ...

    @property
    def pictures(self) -> int: ...

    def lookup(self, query: Query) -> list[Hit]: ...

    def entry(self, sha256: str) -> dict[str, Any] | None: ...

    def image(self, sha256: str) -> bytes: ...

    def batch(self, batch_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class OtherPhoto:
    """A refund-evidence photo already in the database, for the reuse check."""

    sha256: str
    case_id: str
    phash: str  # 64-bit perceptual hash, hex
    facts: dict[str, Any]
    received_at: str
    load: Callable[[], PhotoData]  # its bytes, read only when a hash comes close


# (case id, photo SHA-256, pHash hex, received at, that case's facts) of one refund photo
PoolEntry = tuple[str, str, str, str, Mapping[str, Any]]
OTHER_FACTS = ("platform", "order_id", "refund_id", "buyer")


class PhotoPool:
    """The refund-evidence photos of every case, found by perceptual hash. The hashes sit in
    one NumPy array, so finding the near ones among tens of thousands costs a millisecond;
    an OtherPhoto is made only for those."""

    def __init__(
        self,
        entries: Sequence[PoolEntry] = (),
        load: Callable[[str, str], PhotoData] | None = None,
    ) -> None:
        self._entries = entries
        self._load = load or _cannot_load
        self._hashes = np.array([int(e[2] or "0", 16) for e in entries], dtype=np.uint64)
        self._known = np.array([bool(e[2]) for e in entries], dtype=bool)

    def near(self, phash: str, within: int) -> list[tuple[int, OtherPhoto]]:
        """Photos whose hash differs in at most `within` of its 64 bits, with the distance."""
        if not phash or not self._entries:
            return []
        distance = np.bitwise_count(self._hashes ^ np.uint64(int(phash, 16)))
        found = np.nonzero((distance <= within) & self._known)[0].tolist()
        # a video has an entry per keyframe: each (case, file) once, at its closest
        best: dict[tuple[str, str], int] = {}
        for i in sorted(found, key=lambda i: int(distance[i])):
            best.setdefault((self._entries[i][0], self._entries[i][1]), i)
        return [(int(distance[i]), self._other(i)) for i in sorted(best.values())]

    def identical(self, sha256: str) -> list[tuple[int, OtherPhoto]]:
        """The same bytes, found by hash: for a photo whose pixels gave no perceptual hash."""
        first = {e[0]: i for i, e in reversed(list(enumerate(self._entries))) if e[1] == sha256}
        return [(0, self._other(i)) for i in sorted(first.values())]

    def _other(self, i: int) -> OtherPhoto:
        case_id, sha, other_hash, received_at, facts = self._entries[i]
        return OtherPhoto(
            sha,
            case_id,
            other_hash,
            {k: facts.get(k) for k in OTHER_FACTS},
            received_at,
            self._loader(case_id, sha),
        )

    def _loader(self, case_id: str, sha256: str) -> Callable[[], PhotoData]:
        load = self._load
        return lambda: load(case_id, sha256)


def _cannot_load(case_id: str, sha256: str) -> PhotoData:
    raise LookupError(f"this pool holds hashes only, not the photo {sha256} of {case_id}")


@dataclass(frozen=True)
class CheckContext:
    facts: dict[str, Any] = field(default_factory=dict)
    trust: TrustInfo = field(default_factory=TrustInfo)
    remote_manifest_fetch: bool = False
    case_id: str = ""
    listings: tuple[PhotoData, ...] = ()  # the seller's own listing photos in this case
    others: PhotoPool = field(default_factory=PhotoPool)  # every case's, this one included
    catalog: CatalogLookup | None = None  # the shop catalogue's index; None when empty


class Check(Protocol):
    """A check module: NAME, VERSION, TITLE, LIMITS, context_key() and run()."""

    NAME: str
    VERSION: str
    TITLE: Text
    LIMITS: Text

    def context_key(self, ctx: CheckContext, photo: Photo) -> str:
        """What else, besides the photo's bytes, the result depends on (the cache key)."""
        ...

    def run(self, photo: PhotoData, ctx: CheckContext) -> list[Finding]: ...

"""What every check receives: the shared parsed photo and the case context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..domain.cases import Finding, Photo
from ..domain.trust_lists import TrustInfo
from ..text import Text
from .parsed import PhotoData


@dataclass(frozen=True)
class OtherPhoto:
    """A refund-evidence photo already in the database, for the reuse check."""

    sha256: str
    case_id: str
    phash: str  # 64-bit perceptual hash, hex
    facts: dict[str, Any]
    received_at: str
    load: Callable[[], PhotoData]  # its bytes, read only when a hash comes close


@dataclass(frozen=True)
class CheckContext:
    facts: dict[str, Any] = field(default_factory=dict)
    trust: TrustInfo = field(default_factory=TrustInfo)
    remote_manifest_fetch: bool = False
    case_id: str = ""
    listings: tuple[PhotoData, ...] = ()  # the seller's own listing photos in this case
    others: tuple[OtherPhoto, ...] = ()  # evidence photos of every case, this one included


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

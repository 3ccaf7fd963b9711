"""The C2PA trust lists a verification used: what the checks need of them and how reports
name them. Filled by server/trust.py from the data folder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrustInfo:
    """The C2PA trust lists in use: their anchors and how reports name them."""

    anchors_pem: str = ""
    lists: tuple[dict[str, Any], ...] = ()

    @property
    def key(self) -> str:
        return ",".join(sorted(lst["sha256"][:16] for lst in self.lists)) or "none"

"""The C2PA trust lists a verification used: what the checks need of them and how reports
name them. Filled by server/trust.py from the data folder.

Five inputs, as Content Credentials Verify and `c2patool trust` read them:
- `signer`: the official C2PA trust list (signer anchors);
- `tsa`: the official C2PA time-stamping authority list (kept and named; see README);
- `legacy_anchors`: the CAI interim anchors (anchors.pem), frozen;
- `legacy_allowed`: the CAI interim end-entity allow-list (allowed.sha256.txt), frozen;
- `eku`: the extended key usages a signing certificate may carry (store.cfg).
`inspection` holds the older allowed.pem: listed and named, never used.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

KINDS = ("signer", "tsa", "legacy_anchors", "legacy_allowed", "eku", "inspection")
SIGNER_KINDS = ("signer", "legacy_anchors", "legacy_allowed")  # those that can trust a signer
LEGACY_KINDS = ("legacy_anchors", "legacy_allowed")
PEM_KINDS = ("signer", "tsa", "legacy_anchors", "inspection")

# The trust_uri the SDK reports back (validation results' `trustListUri`) for the list a
# signer chained to; an allow-list match reports none.
OFFICIAL_URI = "https://github.com/c2pa-org/conformance-public/tree/main/trust-list"
LEGACY_URI = "https://contentcredentials.org/trust/anchors.pem"

_OID = re.compile(r"^[0-2](\.\d+)+$")
_PEM = b"-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class TrustInfo:
    """The C2PA trust inputs in use and how reports name them."""

    anchors_pem: str = ""
    """Official C2PA signer anchors, PEM."""
    legacy_anchors_pem: str = ""
    """CAI interim anchors, PEM."""
    allowed_list: str = ""
    """CAI interim allow-list: base64 SHA-256 of signing-certificate DER, one a line."""
    ekus: str = ""
    """Extra EKU OIDs a signing certificate may carry, one a line (store.cfg)."""
    lists: tuple[dict[str, Any], ...] = ()
    """Every stored list (name, kind, source, date, SHA-256, count), named in each result."""

    @property
    def key(self) -> str:
        return ",".join(sorted(lst["sha256"][:16] for lst in self.lists)) or "none"


def signer_lists(lists: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> bool:
    """Whether any loaded list can make a signer trusted."""
    return any(lst.get("kind") in SIGNER_KINDS for lst in lists)


def _lines(data: bytes, comments: tuple[str, ...]) -> list[str]:
    """Lines that are neither blank nor comments. Hash lists comment with `#` only: a base64
    hash may itself start with `//` (one on the CAI allow-list does)."""
    text = data.decode("utf-8", "replace")
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith(comments)]


def count_hashes(data: bytes) -> int | None:
    """How many base64 SHA-256 lines, or None if any other line is there (an HTML error
    page from a failed download must not become an empty list)."""
    lines = _lines(data, ("#",))
    for s in lines:
        try:
            if len(base64.b64decode(s, validate=True)) != 32:
                return None
        except (binascii.Error, ValueError):
            return None
    return len(lines) or None


def count_ekus(data: bytes) -> int | None:
    lines = _lines(data, ("#", "//"))
    return len(lines) if lines and all(_OID.match(s) for s in lines) else None


def detect_kind(data: bytes, file_name: str) -> str | None:
    """The kind of a trust file by its content, the file name breaking ties between PEM
    lists (the official signer and TSA lists carry no header that tells them apart)."""
    if _PEM in data:
        head = data.split(_PEM, 1)[0].lower()
        name = file_name.upper()
        if b"interim trust list" in head or ("ANCHORS" in name and "CAI" in name):
            return "legacy_anchors"
        if b"temporary known certificate" in head or "ALLOWED" in name:
            return "inspection"
        return "tsa" if "TSA" in name else "signer"
    if count_hashes(data):
        return "legacy_allowed"
    if count_ekus(data):
        return "eku"
    return None

"""A Merkle hash tree over SHA-256 leaves (RFC 6962's shape): one time stamp over the root
covers every leaf, and each leaf's audit path proves it was among them.

Leaves and inner nodes are hashed with different prefixes (0x00 / 0x01), so an inner node can
never pass for a leaf. Plain functions on bytes, no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree's root over these leaf values (each hashed as a leaf first)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    return _root([leaf_hash(x) for x in leaves])


def _root(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = _split(len(hashes))
    return node_hash(_root(hashes[:split]), _root(hashes[split:]))


def _split(n: int) -> int:
    """The largest power of two below n (RFC 6962 §2.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def path(leaves: Sequence[bytes], index: int) -> list[tuple[str, str]]:
    """The audit path of leaf `index`: (side, sibling hash hex) from the leaf up, side "L"
    when the sibling stands on the left."""
    hashes = [leaf_hash(x) for x in leaves]
    out: list[tuple[str, str]] = []
    _path(hashes, index, out)
    return out


def _path(hashes: list[bytes], index: int, out: list[tuple[str, str]]) -> None:
    if len(hashes) == 1:
        return
    split = _split(len(hashes))
    if index < split:
        _path(hashes[:split], index, out)
        out.append(("R", _root(hashes[split:]).hex()))
    else:
        _path(hashes[split:], index - split, out)
        out.append(("L", _root(hashes[:split]).hex()))


def verify(leaf: bytes, audit_path: Sequence[tuple[str, str]], expected_root: bytes) -> bool:
    """Does this leaf, with this audit path, hash up to the root?"""
    h = leaf_hash(leaf)
    for side, sibling in audit_path:
        other = bytes.fromhex(sibling)
        h = node_hash(other, h) if side == "L" else node_hash(h, other)
    return h == expected_root

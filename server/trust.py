"""C2PA trust lists: imported from a file or downloaded from the canonical address, kept in
the data folder with their date and SHA-256, and named in every result."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cryptography import x509

from .domain.trust_lists import TrustInfo
from .errors import Problem
from .files import now_iso, write_atomic
from .text import Text

CANONICAL = {
    "C2PA-TRUST-LIST": (
        "signer",
        "https://raw.githubusercontent.com/c2pa-org/conformance-public/"
        "main/trust-list/C2PA-TRUST-LIST.pem",
    ),
    "C2PA-TSA-TRUST-LIST": (
        "tsa",
        "https://raw.githubusercontent.com/c2pa-org/conformance-public/"
        "main/trust-list/C2PA-TSA-TRUST-LIST.pem",
    ),
}


def _folder(home: Path) -> Path:
    return home / "trust"


def _index(home: Path) -> dict[str, Any]:
    path = _folder(home) / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def import_pem(home: Path, data: bytes, name: str, kind: str, source: str) -> dict[str, Any]:
    """Validate and store a PEM bundle of certificates; replaces a list of the same name."""
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as e:
        raise Problem(
            "trust_list",
            Text("文件不是 PEM 格式的证书列表。", "The file is not a PEM list of certificates."),
        ) from e
    folder = _folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{name}.pem", data)
    entry = {
        "name": name,
        "kind": kind,
        "source": source,
        "imported_at": now_iso(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "certificates": len(certs),
    }
    index = _index(home) | {name: entry}
    write_atomic(folder / "index.json", json.dumps(index, indent=2).encode("utf-8"))
    return entry


def import_file(home: Path, path: Path, kind: str | None = None) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise Problem(
            "trust_list", Text(f"无法读取文件 {path}。", f"Cannot read the file {path}.")
        ) from e
    name = path.stem
    kind = kind or ("tsa" if "TSA" in name.upper() else "signer")
    return import_pem(home, data, name, kind, f"file:{path.name}")


def update(home: Path, timeout: float = 15) -> list[dict[str, Any]]:
    """Download the canonical lists; a clear error when offline."""
    out = []
    for name, (kind, url) in CANONICAL.items():
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                data = r.read()
        except (urllib.error.URLError, OSError) as e:
            raise Problem(
                "trust_list",
                Text(
                    f"无法下载信任列表（{url}）：{e}。离线时请用 `refundproof trust import 文件` 导入。",
                    f"Could not download the trust list ({url}): {e}. Offline, import a copy with "
                    "`refundproof trust import FILE`.",
                ),
            ) from e
        out.append(import_pem(home, data, name, kind, url))
    return out


def listed(home: Path) -> list[dict[str, Any]]:
    return list(_index(home).values())


def load(home: Path) -> TrustInfo:
    """The signer anchors in use (TSA lists are kept and named, not used as signer anchors)."""
    lists = [e for e in listed(home) if e["kind"] == "signer"]
    pem = "".join((_folder(home) / f"{e['name']}.pem").read_text(encoding="ascii") for e in lists)
    return TrustInfo(anchors_pem=pem, lists=tuple(lists))

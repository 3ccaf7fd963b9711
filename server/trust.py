"""C2PA trust lists: imported from a file or downloaded from the canonical address, kept in
the data folder with their date and SHA-256, and named in every result. The five inputs and
their kinds are described in domain/trust_lists.py."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cryptography import x509

from .domain.trust_lists import PEM_KINDS, TrustInfo, count_ekus, count_hashes, detect_kind
from .errors import Problem
from .files import now_iso, write_atomic
from .text import Text

_CAI = "https://contentcredentials.org/trust/"
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
    "CAI-INTERIM-ANCHORS": ("legacy_anchors", _CAI + "anchors.pem"),
    "CAI-INTERIM-ALLOWED": ("legacy_allowed", _CAI + "allowed.sha256.txt"),
    "CAI-INTERIM-STORE": ("eku", _CAI + "store.cfg"),
}
# One list of each interim kind: a newer import replaces the older one instead of joining it
# (the older allowed.pem still lists certificates later removed).
_FIXED_NAMES = {
    "legacy_anchors": "CAI-INTERIM-ANCHORS",
    "legacy_allowed": "CAI-INTERIM-ALLOWED",
    "eku": "CAI-INTERIM-STORE",
    "inspection": "CAI-INTERIM-ALLOWED-PEM",
}
_SUFFIX = {"legacy_allowed": ".txt", "eku": ".cfg"}


def _folder(home: Path) -> Path:
    return home / "trust"


def _index(home: Path) -> dict[str, Any]:
    path = _folder(home) / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _not_kind(kind: str) -> Problem:
    what = {
        "legacy_allowed": Text(
            "每行一个 base64 SHA-256 的允许列表", "an allow-list of base64 SHA-256 lines"
        ),
        "eku": Text(
            "每行一个 OID 的 EKU 配置（store.cfg）", "an EKU configuration of OIDs (store.cfg)"
        ),
    }.get(kind, Text("PEM 格式的证书列表", "a PEM list of certificates"))
    return Problem("trust_list", Text(f"文件不是{what.zh}。", f"The file is not {what.en}."))


def _count(data: bytes, kind: str) -> int:
    """How many certificates, hashes or EKUs the file holds; refuses a file of another kind."""
    if kind in PEM_KINDS:
        try:
            return len(x509.load_pem_x509_certificates(data))
        except ValueError as e:
            raise _not_kind(kind) from e
    n = count_hashes(data) if kind == "legacy_allowed" else count_ekus(data)
    if not n:
        raise _not_kind(kind)
    return n


def store(home: Path, data: bytes, name: str, kind: str, source: str) -> dict[str, Any]:
    """Validate and store one list; replaces a list of the same name."""
    count = _count(data, kind)
    name = _FIXED_NAMES.get(kind, name)
    folder = _folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    file = name + _SUFFIX.get(kind, ".pem")
    write_atomic(folder / file, data)
    entry = {
        "name": name,
        "kind": kind,
        "source": source,
        "imported_at": now_iso(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "file": file,
        ("certificates" if kind in PEM_KINDS else "entries"): count,
    }
    index = _index(home) | {name: entry}
    write_atomic(folder / "index.json", json.dumps(index, indent=2).encode("utf-8"))
    return entry


def import_file(home: Path, path: Path, kind: str | None = None) -> dict[str, Any]:
    """Import a trust file; its kind is read from its content unless given."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise Problem(
            "trust_list", Text(f"无法读取文件 {path}。", f"Cannot read the file {path}.")
        ) from e
    kind = kind or detect_kind(data, path.name)
    if kind is None:
        raise Problem(
            "trust_list",
            Text(
                "无法识别的信任文件：既不是 PEM 证书列表，也不是 SHA-256 允许列表或 EKU 配置。",
                "Unrecognised trust file: not a PEM list of certificates, a SHA-256 allow-list "
                "or an EKU configuration.",
            ),
        )
    return store(home, data, path.name.split(".")[0], kind, f"file:{path.name}")


def missing(home: Path) -> list[str]:
    """The canonical lists whose kind is not loaded yet (fetched at first start)."""
    have = {e["kind"] for e in listed(home)}
    return [name for name, (kind, _) in CANONICAL.items() if kind not in have]


def update(
    home: Path, names: list[str] | None = None, timeout: float = 15
) -> tuple[list[dict[str, Any]], list[Text]]:
    """Download the canonical lists: those stored, and what went wrong with the others
    (each failure says how to import a copy offline)."""
    done, failed = [], []
    for name in names or list(CANONICAL):
        kind, url = CANONICAL[name]
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                data = r.read()
            done.append(store(home, data, name, kind, url))
        except (urllib.error.URLError, OSError) as e:
            failed.append(
                Text(
                    f"无法下载 {name}（{url}）：{e}。离线时请用 `refundproof trust import 文件` 导入。",
                    f"Could not download {name} ({url}): {e}. Offline, import a copy with "
                    "`refundproof trust import FILE`.",
                )
            )
        except Problem as e:
            failed.append(Text(f"{name}（{url}）：{e.text.zh}", f"{name} ({url}): {e.text.en}"))
    return done, failed


def listed(home: Path) -> list[dict[str, Any]]:
    return list(_index(home).values())


def load(home: Path) -> TrustInfo:
    """The trust inputs in use. TSA lists and the inspection-only allowed.pem are kept and
    named, not given to the SDK."""
    entries = listed(home)

    def text(kind: str) -> str:
        # joined by newlines: a file without a final newline must not run into the next PEM
        return "\n".join(
            (_folder(home) / e.get("file", f"{e['name']}.pem")).read_text(encoding="utf-8")
            for e in entries
            if e["kind"] == kind
        )

    return TrustInfo(
        anchors_pem=text("signer"),
        legacy_anchors_pem=text("legacy_anchors"),
        allowed_list=text("legacy_allowed"),
        ekus=text("eku"),
        lists=tuple(entries),
    )

"""Hostile input: each a clear refusal, and nothing already stored changes."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image

from server.checks import REGISTRY
from server.demo import samples
from server.domain.cases import Source
from server.errors import Problem


def _png_header(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk
        + struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def _snapshot(home):
    return {
        p.relative_to(home): p.read_bytes()
        for p in home.rglob("*")
        if p.is_file() and p.name != ".lock"
    }


HOSTILE = {
    "empty": (b"", "empty"),
    "text_named_jpg": (b"hello, I am not a photo\n" * 10, "not_image"),
    "bomb_30000x30000": (_png_header(30000, 30000), "too_many_pixels"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_refused_and_store_untouched(service, name):
    case = service.create_case({"order_id": "1"})
    good = samples.jpeg(samples.photo(200, 150))
    service.add_photo(case["id"], good, "evidence", Source())
    before = _snapshot(service.home)
    data, code = HOSTILE[name]
    with pytest.raises(Problem) as e:
        service.add_photo(case["id"], data, "evidence", Source())
    assert e.value.code == code
    assert 400 <= e.value.status < 500
    assert e.value.text.zh
    assert e.value.text.en
    assert _snapshot(service.home) == before
    stored = service.store.case_photos(case["id"])
    assert [p.sha256 for p in stored] == [hashlib.sha256(good).hexdigest()]


def test_wrong_client_hash_refused(service):
    case = service.create_case({})
    with pytest.raises(Problem) as e:
        service.add_photo(
            case["id"], samples.jpeg(samples.photo(64, 48)), "evidence", Source(), "0" * 64
        )
    assert e.value.code == "hash_mismatch"
    assert service.store.case_photos(case["id"]) == []


def test_png_with_50mb_text_chunk(service):
    big = samples.png(samples.photo(64, 48), [samples.png_text_chunk("Comment", b"A" * 50_000_000)])
    case = service.create_case({})
    try:
        service.add_photo(case["id"], big, "evidence", Source())
    except Problem as e:  # refusing it clearly is fine too
        assert 400 <= e.status < 500
        return
    result = service.verify(case["id"])
    oversized = [f for f in result["photos"][0]["findings"] if f["signal"] == "oversized_metadata"]
    assert oversized
    assert oversized[0]["data"]["blocks"][0]["length"] == 50_000_000 + len(b"Comment\x00")


def test_too_many_photos_per_case(home):
    from server.domain.limits import Limits
    from server.service import Service

    service = Service(home, Limits(max_photos=2))
    case = service.create_case({})
    for seed in (1, 2):
        service.add_photo(
            case["id"], samples.jpeg(samples.photo(64, 48, seed=seed)), "evidence", Source()
        )
    with pytest.raises(Problem) as e:
        service.add_photo(
            case["id"], samples.jpeg(samples.photo(64, 48, seed=3)), "evidence", Source()
        )
    assert e.value.code == "too_many_photos"
    # videos count too: the message says so
    assert e.value.text.zh == "每个案件最多 2 个图片或视频。"
    assert e.value.text.en == "A case holds at most 2 photos or videos."


def test_evidence_is_write_once_and_rehashed(service):
    case = service.create_case({})
    data = samples.jpeg(samples.photo(64, 48))
    photo, added = service.add_photo(case["id"], data, "evidence", Source())
    assert added
    assert not service.add_photo(case["id"], data, "evidence", Source())[1]
    path = service.store.evidence.path(photo.sha256)
    assert path.read_bytes() == data
    assert not (path.stat().st_mode & 0o222)
    path.chmod(0o644)
    path.write_bytes(data + b"x")
    from server.errors import EvidenceTampered

    with pytest.raises(EvidenceTampered):
        service.verify(case["id"])


def test_audit_chain_records_everything(service):
    case = service.create_case({})
    service.add_photo(case["id"], samples.jpeg(samples.photo(64, 48)), "evidence", Source())
    service.verify(case["id"])
    ok, head = service.store.audit_log.verify()
    assert ok
    assert head == service.store.audit_log.head()["hash"]
    events = [
        line.split('"event": "')[1].split('"')[0]
        for line in (service.home / "audit.jsonl").read_text().splitlines()
    ]
    assert events == ["case.created", "photo.received", "case.verified"]
    lines = (service.home / "audit.jsonl").read_text().splitlines()
    (service.home / "audit.jsonl").write_text(
        "\n".join([lines[0], lines[1].replace("evidence", "listing"), lines[2]]) + "\n"
    )
    assert service.store.audit_log.verify() == (False, "line 2")


def test_cached_reverification_gives_same_findings(service):
    case = service.create_case({})
    service.add_photo(case["id"], samples.jpeg(samples.photo(64, 48)), "evidence", Source())
    first = service.verify(case["id"])
    second = service.verify(case["id"])
    assert [c["cached"] for c in second["photos"][0]["checks"]] == [True] * len(REGISTRY)
    assert first["photos"][0]["findings"] == second["photos"][0]["findings"]
    assert not any(c["cached"] for c in first["photos"][0]["checks"])


def test_unsupported_format_refused(service):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "BMP")
    case = service.create_case({})
    with pytest.raises(Problem) as e:
        service.add_photo(case["id"], buf.getvalue(), "evidence", Source())
    assert e.value.code == "format"

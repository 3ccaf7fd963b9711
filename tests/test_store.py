"""The store as a seller uses it for years: one case per refund, damaged files refused with the
last good copy named, a cut or rewritten audit log caught, a 0.1 data folder migrated, the
owner's files private, writes that fail saying why, and nothing POSIX-only needed."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import threading

import pytest
from tinydb import TinyDB

from server.demo import samples
from server.domain.cases import Source
from server.errors import Problem
from server.service import Service
from server.store import StoreCorrupt

from .server_proc import free_port

FACTS = {"platform": "淘宝/天猫", "order_id": "4012", "refund_id": "RF-1", "buyer": "tb_王"}


def _photo(seed: int) -> bytes:
    return samples.jpeg(samples.photo(96, 72, seed=seed))


def test_the_same_refund_checked_twice_is_one_case(service):
    first, created = service.open_case(FACTS)
    assert created
    again, created_again = service.open_case({**FACTS, "amount": "59.00"})
    assert not created_again
    assert again["id"] == first["id"]
    assert again["facts"]["amount"] == "59.00"  # a fact it lacked is added
    service.add_photo(first["id"], _photo(1), "evidence", Source())
    service.verify(first["id"])
    service.add_photo(again["id"], _photo(1), "evidence", Source())  # the same photo again
    service.verify(again["id"])
    case = service.get_case(first["id"])
    assert len(case["photos"]) == 1
    assert len(case["verifications"]) == 2  # checking again adds a verification
    assert service.list_cases()["total"] == 1


def test_identity_is_platform_and_refund_id_or_order_id(service):
    a = service.create_case({"platform": "拼多多", "refund_id": "SH1", "order_id": "O1"})
    b = service.create_case({"platform": "拼多多", "refund_id": "SH2", "order_id": "O1"})
    c = service.create_case({"platform": "京东", "refund_id": "SH1"})
    d = service.create_case({"platform": "抖店", "order_id": "O9"})
    e = service.create_case({"platform": "抖店", "order_id": "O9"})
    assert len({a["id"], b["id"], c["id"], d["id"]}) == 4
    assert e["id"] == d["id"]


def test_runs_without_facts_each_get_their_own_case_marked_as_such(service):
    one, two = service.create_case({}), service.create_case({})
    assert one["id"] != two["id"]
    assert one["no_facts"]
    assert two["no_facts"]
    assert not service.create_case(FACTS)["no_facts"]


def test_search_by_fact_level_date_and_text_paged(service):
    for n in range(12):
        facts = {"platform": "淘宝/天猫" if n % 2 else "拼多多", "order_id": f"O{n:03d}"}
        case = service.create_case(facts)
        if n < 3:
            service.add_photo(case["id"], _photo(n), "evidence", Source())
            service.verify(case["id"])
    assert service.list_cases({"order_id": "O007"})["cases"][0]["order_id"] == "O007"
    assert service.list_cases({"platform": "拼多多"})["total"] == 6
    assert service.list_cases({"level": "none"})["total"] == 3
    assert service.list_cases({"q": "o01"})["total"] == 2  # O010, O011
    page = service.list_cases(offset=10, limit=5)
    assert page["total"] == 12
    assert len(page["cases"]) == 2
    today = page["cases"][0]["created_at"][:10]
    assert service.list_cases({"since": today, "until": today})["total"] == 12
    assert service.list_cases({"until": "2000-01-01"})["total"] == 0


@pytest.mark.parametrize(
    "damage", [b"", b"   \n", b'{"cases": {"1": {"id": "RP', b"\x00\x00\x00garbage"]
)
def test_a_damaged_index_is_refused_with_the_last_good_copy_named(home, damage):
    service = Service(home)
    kept = [service.create_case({**FACTS, "refund_id": f"RF-{n}"})["id"] for n in range(3)]
    (index,) = (home / "index").glob("*.json")  # this month's index file
    index.write_bytes(damage)
    cases_before = {p.name: p.read_bytes() for p in (home / "cases").iterdir()}
    with pytest.raises(StoreCorrupt) as e:
        Service(home).create_case({**FACTS, "refund_id": "RF-new"})
    assert e.value.status == 503
    assert index.name in e.value.text.zh
    assert e.value.last_good == index.with_name(index.name + ".1")
    assert f"{index.name}.1" in e.value.text.en
    with pytest.raises(StoreCorrupt):
        Service(home).list_cases()  # never read as "no cases"
    assert index.read_bytes() == damage  # nothing written over it
    assert {p.name: p.read_bytes() for p in (home / "cases").iterdir()} == cases_before
    # the seller's way back: the named copy, or a rebuild from the case files
    os.replace(index.with_name(index.name + ".1"), index)
    assert {c["id"] for c in Service(home).list_cases()["cases"]} >= set(kept[:2])
    index.write_bytes(damage)
    assert Service(home).rebuild_index() == 3
    assert {c["id"] for c in Service(home).list_cases()["cases"]} == set(kept)


def test_a_damaged_case_file_is_named_and_the_others_still_work(service, home):
    bad = service.create_case({**FACTS, "refund_id": "RF-bad"})
    good = service.create_case({**FACTS, "refund_id": "RF-good"})
    (home / "cases" / f"{bad['id']}.json").write_bytes(b"")
    with pytest.raises(StoreCorrupt) as e:
        service.get_case(bad["id"])
    assert bad["id"] in e.value.text.en
    assert service.get_case(good["id"])["id"] == good["id"]
    report = service.check()
    assert not report.ok
    assert any(bad["id"] in p.en for p in report.problems)


def _verified_case(service, n=2):
    case = service.create_case(FACTS)
    for seed in range(n):
        service.add_photo(case["id"], _photo(seed), "evidence", Source())
    service.verify(case["id"])
    return case


def test_check_is_clean_on_a_healthy_store_and_names_changed_evidence(service, home):
    case = _verified_case(service)
    report = service.check()
    assert report.problems == []
    assert report.counts["photos"] == 2
    sha = (
        case["photos"][0]["sha256"]
        if case["photos"]
        else service.get_case(case["id"])["photos"][0]["sha256"]
    )
    path = home / "evidence" / sha[:2] / sha
    path.chmod(0o600)
    path.write_bytes(b"changed")
    assert any(sha in p.en for p in service.check().problems)


def test_a_cut_audit_log_is_caught(service, home):
    _verified_case(service)
    log = home / "audit.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:-2]))  # the last two lines cut
    assert service.store.audit_log.verify()[0]  # the chain itself still looks whole
    problems = [p.en for p in service.check().problems]
    assert any("was cut" in p for p in problems), problems
    assert Service(home).quick_check() != []


def test_an_edited_and_rechained_audit_log_is_caught(service, home):
    _verified_case(service)
    from server.store.audit import _line_hash

    log = home / "audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    entries[0]["data"]["facts"]["buyer"] = "someone else"
    prev = "0" * 64
    for entry in entries:  # re-chained so that the chain alone verifies
        entry["prev"] = prev
        entry["hash"] = _line_hash(entry)
        prev = entry["hash"]
    log.write_text(
        "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    )
    assert service.store.audit_log.verify()[0]
    problems = [p.en for p in service.check().problems]
    assert any("was rewritten" in p for p in problems), problems


def test_a_forged_checkpoint_is_caught(service, home):
    _verified_case(service)
    path = home / "audit.checkpoint.json"
    signed = json.loads(path.read_text())
    signed["body"]["seq"] = 1
    path.write_text(json.dumps(signed))
    assert any("checkpoint" in p.en for p in service.check().problems)


def _v1_folder(home):
    """A data folder as release 0.1 wrote it: one TinyDB db.json holding every table."""
    home.mkdir(parents=True)
    db = TinyDB(home / "db.json")
    photos = []
    for n, seed in enumerate((11, 12)):
        data = _photo(seed)
        sha = hashlib.sha256(data).hexdigest()
        (home / "evidence" / sha[:2]).mkdir(parents=True, exist_ok=True)
        (home / "evidence" / sha[:2] / sha).write_bytes(data)
        photos.append(
            {
                "case_id": "RP20260101-AAAAAA" if n == 0 else "RP20260102-BBBBBB",
                "sha256": sha,
                "role": "evidence",
                "format": "JPEG",
                "mime": "image/jpeg",
                "width": 96,
                "height": 72,
                "size": len(data),
                "source": {
                    "method": "cli_file",
                    "source_url": None,
                    "page_url": None,
                    "fetched_at": None,
                    "http_headers": {},
                    "file_name": f"p{n}.jpg",
                },
                "received_at": f"2026-01-0{n + 1}T10:00:00.000+00:00",
                "phash": "",
            }
        )
    db.table("cases").insert_multiple(
        [
            {
                "id": "RP20260101-AAAAAA",
                "created_at": "2026-01-01T10:00:00.000+00:00",
                "facts": FACTS,
            },
            # 0.1 made a second case when the same refund was checked again
            {
                "id": "RP20260102-BBBBBB",
                "created_at": "2026-01-02T10:00:00.000+00:00",
                "facts": FACTS,
            },
        ]
    )
    db.table("photos").insert_multiple(photos)
    db.table("verifications").insert(
        {
            "case_id": "RP20260101-AAAAAA",
            "verified_at": "2026-01-01T10:01:00.000+00:00",
            "photos": [{"sha256": photos[0]["sha256"], "findings": [], "checks": []}],
            "trust_lists": [],
        }
    )
    db.table("check_cache").insert({"key": "k1", "findings": []})
    db.close()


def test_a_data_folder_of_release_0_1_migrates_after_a_backup(tmp_path):
    home = tmp_path / "old"
    _v1_folder(home)
    original = (home / "db.json").read_bytes()
    service = Service(home)
    assert (home / "db.json.v1-backup").read_bytes() == original
    listed = service.list_cases()
    assert listed["total"] == 2
    first = service.get_case("RP20260101-AAAAAA")
    assert first["facts"] == FACTS
    assert len(first["photos"]) == 1
    assert service.store.latest_verification(first["id"])["verified_at"].startswith("2026-01-01")
    assert service.store.cache().get("k1") == []
    # the refund keeps its identity: checking it again lands in its first case
    assert service.create_case(FACTS)["id"] == "RP20260101-AAAAAA"
    assert service.check().problems == []
    assert Service(home).list_cases()["total"] == 2  # migrated once


def test_the_data_folder_is_private_to_its_owner(service, home):
    case = _verified_case(service, 1)
    sha = service.get_case(case["id"])["photos"][0]["sha256"]
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(home) == 0o700
    for name in ("config.json", "audit.jsonl", "audit.checkpoint.json"):
        assert mode(home / name) == 0o600, name
    assert mode(home / "index") == 0o700
    assert {mode(p) for p in (home / "index").glob("*.json")} == {0o600}
    assert mode(home / "cases" / f"{case['id']}.json") == 0o600
    assert mode(home / "evidence" / sha[:2] / sha) == 0o400


def test_the_photo_limit_holds_under_concurrent_uploads(home):
    from server.domain.limits import Limits

    service = Service(home, Limits(max_photos=5))
    case = service.create_case(FACTS)
    refused: list[str] = []

    def upload(seed: int) -> None:
        try:
            service.add_photo(case["id"], _photo(seed), "evidence", Source())
        except Problem as e:
            refused.append(e.code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(service.get_case(case["id"])["photos"]) == 5
    assert refused == ["too_many_photos"] * 7


@pytest.mark.parametrize(
    "error,status,code", [(errno.ENOSPC, 507, "disk_full"), (errno.EROFS, 503, "read_only")]
)
def test_a_write_that_fails_says_why_and_reading_still_works(
    service, monkeypatch, error, status, code
):
    case = _verified_case(service, 1)
    import server.files

    def failing(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(server.files.tempfile, "mkstemp", failing)
    with pytest.raises(Problem) as e:
        service.create_case({**FACTS, "refund_id": "RF-2"})
    assert (e.value.status, e.value.code) == (status, code)
    assert service.get_case(case["id"])["id"] == case["id"]  # reading still works
    assert service.findings(case["id"])["case"]["id"] == case["id"]


def test_a_folder_that_cannot_be_locked_or_written_is_still_readable(service, home, monkeypatch):
    """A read-only folder (a backup disk, a locked-down account): no lock file can be made."""
    case = _verified_case(service, 1)
    from server.store import lock

    def refused(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(home / ".lock"))

    monkeypatch.setattr(lock.FileLock, "acquire", refused)
    reader = Service(home)
    assert reader.get_case(case["id"])["id"] == case["id"]
    assert reader.list_cases()["total"] == 1
    assert reader.findings(case["id"])["case"]["id"] == case["id"]
    with pytest.raises(Problem) as e:
        reader.create_case({**FACTS, "refund_id": "RF-9"})
    assert (e.value.status, e.value.code) == (503, "read_only")


def test_the_store_needs_no_posix_only_calls(home, monkeypatch):
    """As on Windows: no hard links (a copy instead), folders cannot be opened to be fsynced,
    mode bits do nothing."""
    real_open = os.open

    def no_link(*args, **kwargs):
        raise OSError(errno.EPERM, "no hard links here")

    def no_folder_open(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError(errno.EACCES, "folders cannot be opened")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "open", no_folder_open)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    service = Service(home)
    case = _verified_case(service, 1)
    assert service.create_case(FACTS)["id"] == case["id"]
    assert list((home / "index").glob("*.json.1"))  # the last-good copy, copied not linked
    assert service.check().problems == []


def test_no_product_module_uses_posix_only_modules():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("server/**/*.py"), *root.glob("reports/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        for name in ("fcntl", "termios", "pwd", "grp", "resource"):
            assert f"import {name}" not in text, f"{path} imports {name}"


def test_facts_added_later_name_the_refund(service):
    """A run without facts, its order typed in afterwards: checking that refund again finds it."""
    case = service.create_case({})
    service.update_facts(case["id"], {"platform": "京东", "order_id": "310987654321"})
    again = service.create_case({"platform": "京东", "order_id": "310987654321"})
    assert again["id"] == case["id"]
    assert not again["no_facts"]


def test_a_case_id_drawn_twice_keeps_both_cases(service, monkeypatch):
    """The random part of a case id forced to repeat once: the second case is drawn again."""
    import secrets
    import types

    import server.store

    forced = iter([5, 5])  # whatever the generator asks for, its first two draws are the same
    fake = types.SimpleNamespace(
        randbits=lambda bits: next(forced, None) or secrets.randbits(bits),
        token_hex=lambda n: f"{next(forced, None) or secrets.randbits(24):06X}",
    )
    monkeypatch.setattr(server.store, "secrets", fake)
    first = service.create_case(FACTS)
    second = service.create_case({**FACTS, "refund_id": "RF-2"})
    assert first["id"] != second["id"]
    listed = {c["id"]: c["refund_id"] for c in service.list_cases()["cases"]}
    assert listed == {first["id"]: "RF-1", second["id"]: "RF-2"}
    assert service.get_case(first["id"])["facts"]["refund_id"] == "RF-1"
    assert service.check().problems == []
    # ids are short, readable and carry at least 64 random bits
    assert re.fullmatch(r"RP\d{8}-[0-9A-HJKMNP-TV-Z]{13}", service.create_case({})["id"])


def test_check_names_duplicate_index_rows_orphans_and_leftover_files(service, home):
    case = _verified_case(service, 1)
    assert service.check().problems == []
    month = next((home / "index").glob("*.json"))
    index = json.loads(month.read_text())
    rows = index["cases"]
    rows[str(len(rows) + 1)] = dict(rows["1"])  # the same case listed twice
    rows[str(len(rows) + 1)] = {**rows["1"], "id": "RP20260101-ABCDEF"}  # a row without a file
    month.write_text(json.dumps(index))
    orphan = _photo(99)
    sha = hashlib.sha256(orphan).hexdigest()
    (home / "evidence" / sha[:2]).mkdir(exist_ok=True)
    (home / "evidence" / sha[:2] / sha).write_bytes(orphan)  # evidence no case refers to
    leftover = home / "cases" / f".{case['id']}.json.k2j4x9.tmp"
    leftover.write_bytes(b'{"format": 2, "id"')  # what a kill during an atomic write leaves
    (home / "reports" / "RPT20260101101010-ABCDEF").mkdir(parents=True)  # a report cut short
    problems = [p.en for p in service.check().problems]
    assert any(case["id"] in p and "2 times" in p for p in problems), problems
    assert any("RP20260101-ABCDEF" in p and "no case file" in p for p in problems), problems
    assert any(sha in p and "belongs to no case" in p for p in problems), problems
    assert any(leftover.name in p and "temporary" in p for p in problems), problems
    assert any("RPT20260101101010-ABCDEF" in p for p in problems), problems


def _files(home):
    return {p: p.read_bytes() for p in home.rglob("*") if p.is_file() and "keys" not in p.parts}


@pytest.mark.parametrize("garbage", [b"garbage\n", b"[1]\n", b'{"seq": "x", "data": {}}\n'])
def test_a_broken_audit_line_stops_the_write_before_anything_is_written(service, home, garbage):
    case = _verified_case(service, 1)
    with (home / "audit.jsonl").open("ab") as f:
        f.write(garbage)
    before = _files(home)
    with pytest.raises(Problem) as e:
        service.create_case({**FACTS, "refund_id": "RF-2"})
    assert e.value.code == "store_corrupt"
    assert "audit.jsonl" in e.value.text.zh and "audit.jsonl" in e.value.text.en
    with pytest.raises(Problem):
        service.add_photo(case["id"], _photo(7), "evidence", Source())
    assert _files(home) == before  # no case, no index row, no evidence, no audit line
    assert service.list_cases()["total"] == 1  # reading still works
    report = service.check()  # names the line, never crashes
    assert any("audit log" in p.en and "line 4" in p.en for p in report.problems), report.problems


def test_lines_cut_after_the_last_checkpoint_are_caught(service, home):
    _verified_case(service, 1)
    later = service.create_case({**FACTS, "refund_id": "RF-2"})  # after the last verification
    service.add_photo(later["id"], _photo(5), "evidence", Source())
    log = home / "audit.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:-2]))  # this case's lines cut; the chain still whole
    assert service.store.audit_log.verify()[0]
    problems = [p.en for p in service.check().problems]
    assert any("cut" in p for p in problems), problems
    assert any(later["id"] in p and "no audit line" in p for p in problems), problems
    assert Service(home).quick_check() != []
    with pytest.raises(Problem) as e:
        service.create_case({**FACTS, "refund_id": "RF-3"})
    assert e.value.code == "store_corrupt"


def test_a_rewritten_tail_with_the_checkpoint_deleted_is_caught(service, home):
    from server.store.audit import _line_hash

    _verified_case(service, 1)
    service.create_case({**FACTS, "refund_id": "RF-2", "buyer": "tb_李"})
    log = home / "audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    entries[-1]["data"]["facts"]["buyer"] = "someone else"  # after every anchor but the checkpoint
    entries[-1]["hash"] = _line_hash(entries[-1])
    log.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))
    (home / "audit.checkpoint.json").unlink()
    assert service.store.audit_log.verify()[0]
    problems = [p.en for p in service.check().problems]
    assert any("checkpoint" in p and "missing" in p for p in problems), problems
    # the next write seals a new checkpoint, and the log itself keeps that one was missing
    service.create_case({**FACTS, "refund_id": "RF-3"})
    problems = [p.en for p in service.check().problems]
    assert any("checkpoint was missing" in p for p in problems), problems


def test_check_names_a_case_deleted_with_its_index_row(service, home):
    case = _verified_case(service, 1)
    other = service.create_case({**FACTS, "refund_id": "RF-2"})
    (home / "cases" / f"{other['id']}.json").unlink()
    service.rebuild_index()  # its index row gone too: only the audit log remembers it
    assert service.list_cases()["total"] == 1
    problems = [p.en for p in service.check().problems]
    assert problems and all(other["id"] in p for p in problems), problems
    assert not any(case["id"] in p for p in problems)


def test_check_never_crashes_on_hostile_files(service, home):
    _verified_case(service, 1)
    (home / "audit.checkpoint.json").write_text('{"body": []}')
    month = next((home / "index").glob("*.json"))
    month.write_text('{"cases": {"1": {"no id": true}}}')
    report = service.check()
    assert not report.ok
    assert any("checkpoint" in p.en for p in report.problems), report.problems


def _ask(app, method, path, token, **kwargs):
    """One request to the app in this process (httpx's ASGI transport)."""
    import asyncio

    import httpx

    async def go():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            auth = {"Authorization": f"Bearer {token}"}
            return await c.request(method, path, headers=auth, **kwargs)

    return asyncio.run(go())


@pytest.mark.parametrize("damage", [b"{not json", b'{"token": 5}', b"[]"])
def test_a_damaged_settings_file_is_said_on_every_route_and_named_by_check(
    service, home, monkeypatch, capsys, damage
):
    from server import cli
    from server.web.app import create_app

    token = service.config.token
    _verified_case(service, 1)
    (home / "config.json").write_bytes(damage)
    app = create_app(service)
    for path in ("/api/health", "/api/cases"):
        r = _ask(app, "GET", path, token)
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "config_corrupt"
        assert "config.json" in body["message"] and "config.json" in body["message_en"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "runtime-cache"))
    assert cli.main(["check", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "config.json is damaged" in out and "intact" not in out


def test_a_read_only_data_folder_serves_its_cases(service, home, monkeypatch, capsys):
    """As on a backup disk: no lock file, no new file can be made; the server still starts."""
    case = _verified_case(service, 1)
    token = service.config.token
    import uvicorn

    import server.files
    from server import cli
    from server.store import lock

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(home))

    monkeypatch.setattr(lock.FileLock, "acquire", read_only)
    monkeypatch.setattr(server.files.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(cli, "_fetch_trust_lists", lambda home, names: None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "runtime-cache"))
    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: served.append(self.config.app))
    assert cli.main(["serve", "--port", str(free_port())]) == 0
    assert "Read-only" in capsys.readouterr().err  # the pairing code could not be written
    (app,) = served
    r = _ask(app, "GET", f"/api/cases/{case['id']}", token)
    assert r.status_code == 200 and r.json()["id"] == case["id"]
    assert _ask(app, "GET", "/api/cases", token).json()["total"] == 1
    r = _ask(app, "POST", "/api/cases", token, json={"order_id": "77"})
    assert (r.status_code, r.json()["error"]) == (503, "read_only")
    assert cli.main(["check"]) == 0  # and check reads it without a lock

"""SIGKILL during a burst of writes: the database stays readable and every acknowledged
photo is there with the right bytes."""

from __future__ import annotations

import hashlib
import json
import threading
import time

import httpx

from server.demo import samples
from server.settings import Config
from server.store import Store

from .server_proc import ServerProcess


def test_sigkill_during_burst(home):
    server = ServerProcess(home).start()
    token = Config.load(home).token
    headers = {"Authorization": f"Bearer {token}"}
    case_id = httpx.post(f"{server.url}/api/cases", json={}, headers=headers).json()["id"]
    photos = [samples.jpeg(samples.photo(64, 48, seed=s)) for s in range(60)]
    acked: list[str] = []

    def burst():
        with httpx.Client(headers=headers, timeout=10) as c:
            for data in photos:
                try:
                    r = c.post(
                        f"{server.url}/api/cases/{case_id}/photos", files={"file": ("p.jpg", data)}
                    )
                except httpx.TransportError:
                    return
                if r.status_code == 201:
                    acked.append(r.json()["photo"]["sha256"])

    t = threading.Thread(target=burst)
    t.start()
    while len(acked) < 10 and t.is_alive():
        time.sleep(0.01)
    server.proc.kill()
    server.proc.wait()
    t.join(10)
    assert len(acked) >= 10

    for index in (home / "index").glob("*.json"):
        json.loads(index.read_text())  # readable, not half-written
    json.loads((home / "cases" / f"{case_id}.json").read_text())
    store = Store(home)
    stored = {p.sha256 for p in store.case_photos(case_id)}
    assert set(acked) <= stored
    for sha in acked:
        assert hashlib.sha256(store.evidence.get(sha)).hexdigest() == sha
    assert store.audit_log.verify()[0]

    restarted = ServerProcess(home).start()  # and it comes back up
    try:
        r = httpx.get(f"{restarted.url}/api/cases/{case_id}", headers=headers)
        assert r.status_code == 200
        assert len(r.json()["photos"]) >= len(acked)
    finally:
        restarted.stop()

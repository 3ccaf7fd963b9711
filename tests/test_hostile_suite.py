"""Every kind in hostile_files.py through the real server (uvicorn, check workers) and through
the CLI: each ends within 30 s with a result or a clear bilingual error, memory is measured,
and /api/health keeps answering while the heaviest run; every kept file also gets its appeal
report through the API. The measurements are written to
tests/artifacts/hostile.json (README's hardening table comes from there)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

import httpx
import psutil
import pytest

from server.settings import Config

from .hostile_files import KEPT, KINDS
from .server_proc import ServerProcess, seller_home

ARTIFACT = Path(__file__).parent / "artifacts" / "hostile.json"
LIMIT_S = 30
HEALTH_MS = 100
MEASURED: dict[str, dict[str, float | str]] = {}


class Background:
    """A loop on its own thread for the length of a `with` block."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Sampler(Background):
    """Peak resident memory of a process and its children, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__()
        self.process = psutil.Process(pid)
        self.peak = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.02)


class HealthPoller(Background):
    """/api/health every 50 ms on its own connection; the answer times in ms."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.times: list[float] = []

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as c:
            while not self._stop.is_set():
                t = time.perf_counter()
                assert c.get("/api/health").status_code == 200
                self.times.append((time.perf_counter() - t) * 1000)
                time.sleep(0.05)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    out = {}
    for n, (name, kind) in enumerate(KINDS.items()):
        out[name] = folder / f"{n:02d}.bin"
        out[name].write_bytes(kind.make())
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = seller_home(tmp_path_factory.mktemp("home"))
    cfg = Config.load(home)
    cfg.tsa_urls = []  # the reports below: no time-stamp service to wait for
    cfg.save(home)
    server = ServerProcess(home).start()
    token = Config.load(home).token
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=LIMIT_S
    ) as api:
        yield server, api
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def write_measurements():
    yield
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(MEASURED, ensure_ascii=False, indent=1))


def test_there_are_at_least_forty_kinds():
    assert len(KINDS) >= 40
    assert {k.expect for k in KINDS.values()} - {KEPT}  # refusals among them too


def _api_one(api, data: bytes, name: str) -> str:
    case_id = api.post("/api/cases", json={"order_id": f"hostile-{name}"[:60]}).json()["id"]
    r = api.post(
        f"/api/cases/{case_id}/photos",
        files={"file": ("photo", data)},
        data={"meta": json.dumps({"file_name": "photo"})},
    )
    if r.status_code != 201:
        body = r.json()
        assert 400 <= r.status_code < 500, r.text[:300]
        assert body["message"]
        assert body["message_en"]
        return str(body["error"])
    v = api.post(f"/api/cases/{case_id}/verify")
    assert v.status_code == 200, v.text[:300]
    photo = v.json()["photos"][0]
    assert photo["checks"]
    # whatever was kept gets its appeal report (an undecodable photo shows as a placeholder)
    report = api.post(f"/api/cases/{case_id}/reports", json={"variant": "appeal"})
    assert report.status_code == 201, report.text[:300]
    return KEPT


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(KINDS))
def test_through_the_api(served, files, name):
    server, api = served
    kind = KINDS[name]
    data = files[name].read_bytes()
    with Sampler(server.proc.pid) as memory, HealthPoller(server.url) as health:
        started = time.monotonic()
        got = _api_one(api, data, name)
        seconds = time.monotonic() - started
    assert got == kind.expect
    assert seconds < LIMIT_S
    MEASURED.setdefault(name, {}).update(
        {
            "expect": kind.expect,
            "api_s": round(seconds, 2),
            "server_peak_mb": round(memory.peak / 2**20),
            "health_max_ms": round(max(health.times), 1) if health.times else 0.0,
        }
    )
    # the server and its workers together, however hostile the file
    assert memory.peak < 1536 * 2**20
    if kind.worst:
        assert health.times
        assert statistics.median(health.times) < HEALTH_MS
        assert max(health.times) < HEALTH_MS


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(KINDS))
def test_through_the_cli(tmp_path, files, name):
    kind = KINDS[name]
    started = time.monotonic()
    env = {**os.environ, "REFUNDPROOF_HOME": str(tmp_path / "home")}
    cli = psutil.Popen(
        [sys.executable, "-m", "server.cli", "verify", str(files[name]), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with Sampler(cli.pid) as memory:
        stdout, stderr = cli.communicate(timeout=LIMIT_S)
    seconds = time.monotonic() - started
    out = json.loads(stdout)
    if kind.expect == KEPT:
        assert cli.returncode == 0, stderr[-500:]
        assert out["photos"][0]["checks"]
    else:  # the one file refused: the error, as JSON on stdout and in words on stderr
        assert cli.returncode == 1
        assert out["error"] == kind.expect
        assert out["message"]
        assert out["message_en"]
        assert "错误 / error" in stderr
    MEASURED.setdefault(name, {}).update(
        {"cli_s": round(seconds, 2), "cli_peak_mb": round(memory.peak / 2**20)}
    )

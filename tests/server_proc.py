"""The real server: `refundproof serve` in its own process on a free loopback port."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from server.settings import Config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SELLER = {"shop": "测试小店", "operator": "测试员", "contact": "13800000000"}


def seller_home(home: Path) -> Path:
    """A data folder whose seller has run `refundproof setup` (a report names its shop); only
    the settings are written, so the report key is made with the first report, as usual."""
    Config(token=secrets.token_urlsafe(24), **SELLER).save(home)
    return home


def run_cli(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`refundproof ARGS` in its own process on this data folder, as a seller types it."""
    env = {**os.environ, "REFUNDPROOF_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class ServerProcess:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        env = {**os.environ, "REFUNDPROOF_HOME": str(self.home)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.proc.stderr.read().decode()[-2000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

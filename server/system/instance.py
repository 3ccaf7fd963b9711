"""One server per data folder, and the port it listens on.

The running server holds a lock file in its data folder for as long as it runs (filelock:
msvcrt on Windows, fcntl elsewhere; the system lets go when the process ends, however it
ends) and notes its port and process id beside it, so a second start, `service status` and
`doctor` can say where it runs. The listening socket is made here, before uvicorn starts: a
port another program holds is answered in the seller's words, not with uvicorn's English.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from .. import TOOL_NAME
from ..errors import Problem
from ..files import write_atomic
from ..text import Text

LOCK = "serve.lock"
NOTE = "serve.json"


@dataclass(frozen=True)
class Running:
    """What the server running on a data folder noted about itself."""

    port: int
    pid: int


class Instance:
    """The data folder's server slot: `claim` it, or learn who holds it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = FileLock(str(home / LOCK), timeout=0)

    def claim(self, port: int) -> Text | None:
        """Held until the process ends; Problem `already_running` when another server holds it.
        A folder nothing can be written to (a backup disk) still serves its cases, unguarded:
        the warning why is returned."""
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock.acquire()
        except Timeout:
            raise already_running(self.running()) from None
        except OSError as e:
            return Text(
                f"数据文件夹不可写（{e.strerror}）：无法确认没有另一个服务在用它。",
                f"The data folder cannot be written ({e.strerror}): another server on it "
                "cannot be ruled out.",
            )
        with contextlib.suppress(OSError):  # only what status and a second start report
            write_atomic(self.home / NOTE, json.dumps({"port": port, "pid": os.getpid()}).encode())
        return None

    def release(self) -> None:
        with contextlib.suppress(OSError):
            (self.home / NOTE).unlink(missing_ok=True)
        self._lock.release()

    def running(self) -> Running | None:
        """The server on this data folder, if one runs (its lock is held)."""
        if not (self.home / LOCK).exists():
            return None
        probe = FileLock(str(self.home / LOCK), timeout=0)
        try:
            probe.acquire()
        except Timeout:
            try:
                note = json.loads((self.home / NOTE).read_bytes())
                return Running(int(note["port"]), int(note["pid"]))
            except (OSError, ValueError, KeyError, TypeError):
                return Running(0, 0)  # starting, or its note was lost: it runs all the same
        probe.release()
        return None


def already_running(running: Running | None) -> Problem:
    where = f"http://127.0.0.1:{running.port}" if running and running.port else ""
    pid = f"，进程 {running.pid}" if running and running.pid else ""
    pid_en = f", process {running.pid}" if running and running.pid else ""
    return Problem(
        "already_running",
        Text(
            f"RefundProof 已经在运行（{where or '同一数据文件夹'}{pid}），不用再启动。"
            "要配对扩展：运行 refundproof pair，把显示的 6 位配对码填进扩展的设置页。",
            f"RefundProof is already running ({where or 'same data folder'}{pid_en}); no need "
            "to start it again. To pair the extension: run refundproof pair and type the "
            "6-digit code on the extension's options page.",
        ),
        409,
    )


def is_refundproof(port: int) -> bool:
    """Whether a RefundProof answers on this loopback port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
            return bool(json.loads(r.read(4096)).get("name") == TOOL_NAME)
    except (OSError, ValueError, AttributeError):
        return False


def port_taken(port: int) -> Problem:
    ours = is_refundproof(port)
    who = Text(
        "另一个 RefundProof（使用别的数据文件夹）" if ours else "其他程序",
        "another RefundProof (with another data folder)" if ours else "another program",
    )
    other = port + 1 if port < 65535 else 8766
    return Problem(
        "port_taken",
        Text(
            f"端口 {port} 已被{who.zh}占用。换一个端口启动：refundproof serve --port {other}，"
            f"再在扩展的设置页把端口改成 {other}（服务地址 http://127.0.0.1:{other}）。",
            f"Port {port} is held by {who.en}. Start on another port: refundproof serve --port "
            f"{other}, then set the port to {other} on the extension's options page "
            f"(server address http://127.0.0.1:{other}).",
        ),
        409,
    )


def listen(port: int) -> socket.socket:
    """The server's loopback socket; Problem `port_taken` when another program holds the port.
    Address reuse only where it means "after TIME_WAIT" (POSIX): on Windows SO_REUSEADDR would
    let two programs share the port, so create_server leaves it off there."""
    try:
        return socket.create_server(("127.0.0.1", port), backlog=128)
    except OSError as e:
        raise port_taken(port) from e


def port_free(port: int) -> bool:
    try:
        listen(port).close()
    except Problem:
        return False
    return True

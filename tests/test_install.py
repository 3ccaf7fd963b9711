"""A seller's computer: doctor, setup, the autostart entry each system gets, and a server that
says in words why it cannot start (already running, port taken)."""

from __future__ import annotations

import os
import plistlib
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path, PureWindowsPath

import httpx
import pytest

from server.service import Service
from server.settings import Config
from server.system import autostart, first_run

from .server_proc import ServerProcess, free_port, run_cli

COMMAND = ["/opt/py/bin/python", "-m", "server.cli"]
PLACES = autostart.Places(home="/home/王 小", appdata="C:\\Users\\王 小\\AppData\\Roaming")


def test_linux_gets_a_systemd_user_unit(tmp_path):
    home = Path("/home/王 小/.local/share/refundproof")
    p = autostart.plan("linux", COMMAND, home, 8766, PLACES)
    [(path, unit)] = p.files
    assert str(path) == "/home/王 小/.config/systemd/user/refundproof.service"
    assert "ExecStart=/opt/py/bin/python -m server.cli serve --port 8766\n" in unit
    assert 'Environment="REFUNDPROOF_HOME=/home/王 小/.local/share/refundproof"' in unit
    assert "WantedBy=default.target" in unit and "Restart=on-failure" in unit
    assert p.install[-1] == ["systemctl", "--user", "enable", "--now", "refundproof.service"]
    assert p.uninstall == [["systemctl", "--user", "disable", "--now", "refundproof.service"]]


def test_macos_gets_a_launch_agent_plist_that_parses():
    home = Path("/Users/wang/Library/Application Support/refundproof")
    p = autostart.plan("macos", COMMAND, home, 8765, PLACES)
    [(path, text)] = p.files
    assert str(path) == "/home/王 小/Library/LaunchAgents/org.refundproof.server.plist"
    agent = plistlib.loads(text.encode("utf-8"))  # the format launchd reads
    assert agent["ProgramArguments"] == [*COMMAND, "serve", "--port", "8765"]
    assert agent["EnvironmentVariables"]["REFUNDPROOF_HOME"] == str(home)
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False, "Crashed": True}
    assert p.install == [["launchctl", "load", "-w", str(path)]]


def test_windows_gets_a_startup_entry_without_a_window():
    home = Path("C:\\Users\\王 小\\AppData\\Local\\refundproof")
    command = [
        "C:\\Users\\王 小\\pipx\\venvs\\refundproof\\Scripts\\python.exe",
        "-m",
        "server.cli",
    ]
    p = autostart.plan("windows", command, home, 8765, PLACES)
    [(path, text)] = p.files
    assert path == PureWindowsPath(
        "C:\\Users\\王 小\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup"
        "\\RefundProof.cmd"
    )
    lines = text.split("\r\n")  # cmd.exe reads CRLF lines
    assert lines[0] == "@echo off" and lines[1] == "chcp 65001 >nul"  # UTF-8 paths
    start = next(line for line in lines if line.startswith("start "))
    assert '"C:\\Users\\王 小\\pipx\\venvs\\refundproof\\Scripts\\pythonw.exe"' in start
    assert "-m server.cli serve --port 8765" in start
    assert f'set "REFUNDPROOF_HOME={home}"' in lines
    assert p.install == [] and p.uninstall == []  # the Startup folder needs no command


@pytest.mark.parametrize("system", ["windows", "macos", "linux"])
def test_the_dry_run_prints_what_it_would_write_and_writes_nothing(tmp_path, system):
    out = run_cli(tmp_path / "data", "service", "install", "--dry-run", "--os", system)
    assert out.returncode == 0, out.stderr
    assert "演练" in out.stdout and "写入" in out.stdout
    assert {"windows": "pythonw.exe", "macos": "<plist", "linux": "ExecStart="}[
        system
    ] in out.stdout
    assert not (tmp_path / "data" / "serve.json").exists()


def test_install_and_uninstall_on_linux_run_systemctl(tmp_path):
    """With a stand-in systemctl on PATH that records what it is asked."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "systemctl.log"
    fake = bin_dir / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "REFUNDPROOF_HOME": str(tmp_path / "数据 文件夹"),
    }
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "server.cli", "service", *a], env=env, capture_output=True, text=True
    )
    installed = run("install", "--port", "8799")
    assert installed.returncode == 0, installed.stderr
    assert "运行 refundproof setup" in installed.stdout  # nothing set up yet: says what is next
    unit = tmp_path / "config" / "systemd" / "user" / "refundproof.service"
    assert "serve --port 8799" in unit.read_text(encoding="utf-8")
    assert log.read_text().splitlines() == [
        "--user daemon-reload",
        "--user enable --now refundproof.service",
    ]
    status = run("status")
    assert status.returncode == 3 and "已安装" in status.stdout and "没有运行" in status.stdout
    assert run("uninstall").returncode == 0
    assert not unit.exists()
    assert log.read_text().splitlines()[-1] == "--user disable --now refundproof.service"
    assert run("install", "--os", "windows").returncode == 1  # another system: dry run only


def test_setup_with_flags_saves_the_identity_and_ends_with_the_checks(tmp_path):
    home = tmp_path / "数据"
    port = str(free_port())
    out = run_cli(
        home,
        "setup",
        "--shop",
        "店铺",
        "--operator",
        "张三",
        "--contact",
        "13800000000",
        "--yes",
        "--port",
        port,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "店铺：店铺" in out.stdout and "Pango" in out.stdout and "一切就绪" in out.stdout
    cfg = Config.load(home)
    assert (cfg.shop, cfg.operator, cfg.contact, cfg.language) == (
        "店铺",
        "张三",
        "13800000000",
        "zh",
    )
    english = run_cli(home, "setup", "--yes", "--lang", "en", "--port", port)
    assert english.returncode == 0 and "Shop: 店铺" in english.stdout
    assert Config.load(home).language == "en"
    nothing = run_cli(tmp_path / "empty", "setup", "--yes")
    assert nothing.returncode == 1 and "请给出店铺名" in nothing.stderr


def test_setup_asks_what_is_missing_and_keeps_what_is_there(home):
    service = Service(home)
    typed = iter(["", "李四", "110@example.com", "en"])
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(typed)

    got = first_run.answers(service, {"shop": None}, "zh", ask)
    assert asked[0].startswith("店铺名") and "[测试小店]" in asked[0]  # Enter keeps it
    assert got == {
        "shop": "测试小店",
        "operator": "李四",
        "contact": "110@example.com",
        "language": "en",
    }


def test_doctor_names_a_held_port_and_an_unwritable_folder_with_what_to_do(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = str(held.getsockname()[1])
        out = run_cli(blocker / "home", "doctor", "--port", port)
    assert out.returncode == 1
    assert f"✗ 端口 {port}：被其他程序占用" in out.stdout
    assert "refundproof serve --port" in out.stdout
    assert "✗ 数据文件夹可写" in out.stdout and "REFUNDPROOF_HOME" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def _serve(home: Path, port: int, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REFUNDPROOF_HOME": str(home), **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_a_second_server_and_a_taken_port_end_in_words(home, tmp_path):
    server = ServerProcess(home).start()
    try:
        second = _serve(home, free_port())
        assert second.returncode == 1
        assert "RefundProof 已经在运行" in second.stderr and f":{server.port}" in second.stderr
        assert "配对码" in second.stdout  # a fresh code: what a second start is usually for
        assert "Traceback" not in second.stderr
        taken = _serve(tmp_path / "other", server.port)
        assert taken.returncode == 1
        assert f"端口 {server.port} 已被另一个 RefundProof" in taken.stderr
        assert f"--port {server.port + 1}" in taken.stderr and "Traceback" not in taken.stderr
        assert httpx.get(f"{server.url}/api/health").status_code == 200  # the first one runs on
        status = run_cli(home, "service", "status")
        assert status.returncode == 0 and f"127.0.0.1:{server.port}" in status.stdout
    finally:
        server.stop()
    # stopped: the data folder is free again
    assert run_cli(home, "service", "status").returncode == 3


def test_the_first_serve_at_a_terminal_asks_for_the_shop_then_serves(tmp_path):
    """stdin a terminal (a pty), nothing set: setup's questions first, then the server."""
    import pty

    home = tmp_path / "首次"
    port = free_port()
    master, terminal = pty.openpty()
    serve = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "REFUNDPROOF_HOME": str(home)},
    )
    try:
        os.write(master, "好物小店\n张三\n13800000000\n\n".encode())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        cfg = Config.load(home)
        assert (cfg.shop, cfg.operator, cfg.contact) == ("好物小店", "张三", "13800000000")
    finally:
        serve.terminate()
        out, _ = serve.communicate(timeout=20)
        os.close(master)
        os.close(terminal)
    text = out.decode("utf-8")
    assert text.index("店铺名") < text.index("系统检查") < text.index("正在运行")
    assert f"✓ 端口 {port}：RefundProof 正在此端口运行" in text


def test_without_the_ocr_package_doctor_warns_and_says_which_python(monkeypatch):
    """As on Python 3.13, where rapidocr-onnxruntime does not install."""
    import importlib.util

    from server.system import doctor

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "rapidocr_onnxruntime" else real(name, *a),
    )
    found = doctor.check_ocr()
    assert not found.ok and not found.required  # a warning: the other checks still work
    assert found.fix is not None and "Python 3.12" in found.fix.zh
    assert "3.12" in found.detail.en

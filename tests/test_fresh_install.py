"""The seller's install: the project built as a wheel and installed (not editable) into a new
virtual environment, its `refundproof` command run from elsewhere as a seller runs it.

Installing the whole dependency set from the registry on every run would take minutes, so the
new environment reuses the already installed dependencies through a .pth line (only their
folder: the editable install there is never activated) and takes RefundProof itself only from
the wheel; which wheels the dependencies have everywhere is tests/test_wheels.py's concern.
Building the wheel fetches the build backend (setuptools) like any `pip install .`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from .server_proc import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.registry


@pytest.fixture(scope="module")
def seller(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seller")
    dist = tmp / "dist"
    # nothing from the checkout on the path: what runs is what the wheel installed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip = [sys.executable, "-m", "pip"]
    run = lambda *a: subprocess.run(a, env=env, check=True, timeout=300)  # noqa: E731
    # built from a copy: setuptools leaves build/ and *.egg-info where it builds
    source = tmp / "source"
    source.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    for package in ("server", "reports"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    run(*pip, "wheel", "-q", "--no-deps", "-w", dist, source)
    [wheel] = dist.glob("refundproof-*.whl")
    venv = tmp / "新 环境"  # a folder with Chinese and a space, as a Windows user name may be
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "shared-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # --force-reinstall: the shared folder's editable refundproof has the same version
    run(
        *pip,
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--force-reinstall",
        wheel,
    )
    env["REFUNDPROOF_HOME"] = str(tmp / "数据")
    return {"bin": venv / "bin", "env": env, "cwd": tmp}


def _run(seller, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [seller["bin"] / "refundproof", *args],
        env=seller["env"],
        cwd=seller["cwd"],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_the_installed_command_is_the_wheel_not_the_checkout(seller):
    where = subprocess.run(
        [seller["bin"] / "python", "-c", "import server, reports; print(server.__file__)"],
        env=seller["env"],
        cwd=seller["cwd"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "新 环境" in where and str(ROOT) not in where


def test_doctor_setup_serve_and_service_from_the_installed_package(seller):
    port = free_port()
    doctor = _run(seller, "doctor", "--port", str(port))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "✓ Pango" in doctor.stdout and "✓ 中文字体" in doctor.stdout

    setup = _run(
        seller,
        "setup",
        "--shop",
        "店铺",
        "--operator",
        "张三",
        "--contact",
        "13800000000",
        "--yes",
        "--port",
        str(port),
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "店铺：店铺" in setup.stdout and "一切就绪" in setup.stdout

    started = time.monotonic()
    serve = subprocess.Popen(
        [seller["bin"] / "refundproof", "serve", "--port", str(port)],
        env=seller["env"],
        cwd=seller["cwd"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        health = None
        while time.monotonic() - started < 30 and health is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).json()
            except httpx.TransportError:
                time.sleep(0.05)
        assert health and health["name"] == "RefundProof" and health["ok"]
        # the daily path is quick: well within 2 s on an idle machine (a margin here for a
        # loaded CI); the lines are few
        assert time.monotonic() - started < 6
        status = _run(seller, "service", "status")
        assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stdout
    finally:
        serve.terminate()
        out, _ = serve.communicate(timeout=20)
    assert len(out.splitlines()) <= 4 and "配对码" in out

    for system, marker in (("", "ExecStart="), ("windows", "pythonw.exe"), ("macos", "<plist")):
        args = ["service", "install", "--dry-run", *(["--os", system] if system else [])]
        dry = _run(seller, *args)
        assert dry.returncode == 0, dry.stderr
        assert marker in dry.stdout and "新 环境" in dry.stdout  # the installed interpreter

"""The pinned runtime set installs from wheels alone on every platform sellers use.

Reaches the package registry (as any install does): pip resolves each pinned runtime package,
`--only-binary=:all:` for the target platform and Python version, without downloading the wheels
(`--dry-run`; the registry's metadata is enough). A pin with no wheel for one of them fails here
with the package, platform and Python named. Pure-Python wheels (py3-none-any) pass everywhere
their Requires-Python allows; this is how rapidocr-onnxruntime (<3.13) was found.
The resolving test is marked `registry`: `pytest -m "not registry"` skips it offline.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / "constraints-runtime.txt"
PYTHONS = ("3.11", "3.12", "3.13")
# glibc 2.28 and macOS 14 are the floors: onnxruntime's Linux wheels need manylinux_2_28 and
# OpenCV's Intel macOS wheels macOS 14. pip does not widen a manylinux_2_X tag to older ones,
# so every tag a glibc-2.28 system takes is listed.
_LINUX = [f"manylinux_2_{x}_x86_64" for x in range(28, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]
PLATFORMS: dict[str, tuple[list[str], dict[str, str]]] = {
    "windows-x64": (["win_amd64"], {"sys_platform": "win32", "platform_machine": "AMD64"}),
    "macos-arm64": (["macosx_14_0_arm64"], {"sys_platform": "darwin", "platform_machine": "arm64"}),
    "macos-x86_64": (
        ["macosx_14_0_x86_64"],
        {"sys_platform": "darwin", "platform_machine": "x86_64"},
    ),
    "linux-x86_64": (_LINUX, {"sys_platform": "linux", "platform_machine": "x86_64"}),
}


def pins(env: dict[str, str], python: str) -> list[str]:
    """The runtime pins that apply on this platform and Python (their markers evaluated for
    the target, not for the machine running the test)."""
    target = {**env, "python_version": python, "python_full_version": f"{python}.0"}
    out = []
    for line in RUNTIME.read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if not spec:
            continue
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate(target):
            out.append(f"{req.name}{req.specifier}")
    return out


def _resolve(platforms: list[str], python: str, reqs: list[str], tmp: Path) -> str:
    """pip's error output ('' when every requirement has a wheel)."""
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps"]
    cmd += ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
    cmd += [f"--platform={p}" for p in platforms]
    cmd += ["--target", str(tmp / "target"), "--no-cache-dir", *reqs]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR")]
    return "\n".join(errors) if run.returncode else ""


def _missing(name: str, python: str, tmp: Path) -> list[str]:
    platforms, env = PLATFORMS[name]
    reqs = pins(env, python)
    if not _resolve(platforms, python, reqs, tmp):
        return []
    # pip stops at the first: ask for each to name them all
    with ThreadPoolExecutor(8) as pool:
        errors = pool.map(lambda r: (r, _resolve(platforms, python, [r], tmp)), reqs)
        return [f"{name} Python {python}: {r}" for r, err in errors if err]


def test_pins_cover_the_dependencies() -> None:
    """Every runtime dependency pyproject.toml names is pinned (else the install takes the
    newest, which may have no wheel somewhere)."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {
        canonicalize_name(Requirement(p).name) for p in pins(PLATFORMS["linux-x86_64"][1], "3.11")
    }
    named = {canonicalize_name(Requirement(d).name) for d in deps["dependencies"]}
    assert named <= pinned, named - pinned


def test_the_dev_set_pins_the_same_runtime_versions() -> None:
    """constraints.txt (what `make test` installs here) tests the versions sellers get."""
    dev = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            dev[canonicalize_name(req.name)] = str(req.specifier)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    for spec in pins(PLATFORMS["linux-x86_64"][1], python):
        req = Requirement(spec)
        assert dev.get(canonicalize_name(req.name)) == str(req.specifier), req.name


@pytest.mark.registry
def test_every_pinned_runtime_package_has_a_wheel_everywhere(tmp_path: Path) -> None:
    combos = [(name, py) for name in PLATFORMS for py in PYTHONS]
    with ThreadPoolExecutor(4) as pool:
        found = pool.map(lambda c: _missing(c[0], c[1], tmp_path / f"{c[0]}-{c[1]}"), combos)
        missing = [m for ms in found for m in ms]
    assert not missing, "no wheel:\n" + "\n".join(missing)

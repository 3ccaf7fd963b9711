"""The shape of the code, checked rather than promised: layers import downward only, the
domain does no I/O, Service is the only door to the store, every check is registered and
documented, every console adapter has its fixture page, and the extension's lists match the
server's."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from server.checks import REGISTRY, VIDEO_REGISTRY
from server.domain.cases import CASE_FACTS
from server.text import Text

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"

# Lower numbers sit lower; a module may import its own package and anything lower.
LAYERS = {
    "server": 0,  # the package itself: version and name
    "server.text": 0,
    "server.errors": 0.5,  # built on text
    "server.files": 0,
    "server.formats": 1,
    "server.imaging": 1,
    "server.domain": 2,
    "server.checks": 3,
    "server.store": 3,
    "server.settings": 3,
    "server.intake_video": 3.9,  # the video limits, called by intake
    "server.intake": 4,
    "server.trust": 4,
    "server.pairing": 4,
    "server.desk_session": 4,  # the case desk's one-time links and session cookies
    "server.checking": 4.2,  # one verification's check work: reads the store, writes nothing
    "server.workers": 4.4,
    "server.catalog_service": 4.8,  # the catalogue's part of the service
    "reports": 4,
    "server.identity": 4,
    "server.service": 5,
    "server.system": 5.5,  # setup, doctor, autostart: over the service, under the CLI
    "server.desk": 5.5,  # the case desk: views, links, numbers, packages over the service
    "server.web": 6,
    "server.demo": 6,
    "server.cli_catalog": 6.5,  # `refundproof catalog …`, registered by the CLI
    "server.cli": 7,  # the entry point: it also starts the web shell and builds the demo
}
# No file, socket, process or clock reader in the domain: it is rules over plain data.
IO_MODULES = {"os", "io", "pathlib", "socket", "subprocess", "shutil", "tempfile", "urllib"}
IO_MODULES |= {"tinydb", "sqlite3", "http", "requests", "httpx", "time"}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in ("server", "reports"):
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _layer(module: str) -> tuple[str, float]:
    """The layer a module belongs to: its longest prefix in LAYERS."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return key, LAYERS[key]
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            out.append((node.lineno, target))
            # `from . import x` names a submodule: count it as an import of that module
            out += [(node.lineno, f"{target}.{a.name}") for a in node.names if not node.module]
    return out


def test_reports_read_one_frozen_input_never_the_store():
    """The service is the only door to the store: reports are made from a ReportInput."""
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for module, path in _modules().items()
        if module.split(".")[0] == "reports"
        for line, target in _imports(module, path)
        if target.startswith("server.store")
    ]
    assert wrong == []


def test_every_import_points_down_or_sideways_within_its_own_package():
    wrong = []
    for module, path in _modules().items():
        own, rank = _layer(module)
        for line, target in _imports(module, path):
            if target.split(".")[0] not in ("server", "reports"):
                continue
            if target not in _modules():  # a name imported from a module, e.g. server.x.Name
                target = target.rsplit(".", 1)[0]
            their, their_rank = _layer(target)
            if their == own or their_rank < rank:
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {target} ({their})")
    assert wrong == []


@pytest.mark.parametrize("layer", ["server.formats", "server.imaging"])
def test_formats_and_imaging_import_nothing_above_the_base(layer):
    for module, path in _modules().items():
        if not module.startswith(layer):
            continue
        for line, target in _imports(module, path):
            if target.startswith("server"):
                assert _layer(target)[1] == 0 or target.startswith(layer), (
                    f"{path.relative_to(ROOT)}:{line} imports {target}"
                )


def test_the_domain_does_no_io():
    for module, path in _modules().items():
        if not module.startswith("server.domain"):
            continue
        for line, target in _imports(module, path):
            assert target.split(".")[0] not in IO_MODULES, f"{path}:{line} imports {target}"
        calls = [
            n.lineno
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open"
        ]
        assert calls == [], f"{path} calls open() on lines {calls}"


def test_only_the_service_and_the_report_snapshot_reach_the_store():
    allowed = {
        "server.service",
        "server.catalog_service",
        "server.checking",
        "reports",
        "reports.snapshot",
    }
    for module, path in _modules().items():
        if module.startswith("server.store") or module in allowed:
            continue
        for line, target in _imports(module, path):
            assert not target.startswith("server.store"), (
                f"{path.relative_to(ROOT)}:{line}: go through Service, not the store"
            )


def test_languages_are_chosen_in_one_place():
    """Only server/text.py compares a language code; everything else asks a Text."""
    pattern = re.compile(r"""lang\s*[!=]=\s*["']|["'](en|zh)["']\s*[!=]=\s*lang""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for module, path in _modules().items()
        if module != "server.text"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_every_check_module_is_registered_documented_and_states_its_limits():
    folder = ROOT / "server" / "checks"
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "base", "parsed", "video_parsed"}
    every = {*REGISTRY, *VIDEO_REGISTRY}
    registered = {c.__name__.rsplit(".", 1)[1] for c in every}  # type: ignore[attr-defined]
    assert registered == modules
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for check in every:
        stem = check.__name__.rsplit(".", 1)[1]  # type: ignore[attr-defined]
        assert f"`{stem}`" in readme, f"README.md does not describe the check {stem}"
        assert isinstance(check.TITLE, Text)
        assert isinstance(check.LIMITS, Text)
        assert check.LIMITS.zh.strip()
        assert check.LIMITS.en.strip()
        assert re.fullmatch(r"\d+", check.VERSION), check.NAME
    assert len({c.NAME for c in REGISTRY}) == len(REGISTRY)
    assert len({c.NAME for c in VIDEO_REGISTRY}) == len(VIDEO_REGISTRY)


def _manifest() -> dict:
    return json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))


def test_every_console_adapter_is_loaded_and_has_a_fixture_page():
    scripts = _manifest()["content_scripts"][0]["js"]
    for adapter in sorted((EXTENSION / "sites").glob("*.js")):
        assert f"sites/{adapter.name}" in scripts, f"{adapter.name} is not in the manifest"
        fixture = ROOT / "tests" / "fixtures" / "consoles" / f"{adapter.stem}.html"
        assert fixture.exists(), f"{adapter.name} has no fixture page {fixture.name}"


def test_every_file_the_manifest_names_exists_and_every_script_is_named():
    m = _manifest()
    named = {m["background"]["service_worker"], m["options_page"], m["action"]["default_popup"]}
    named |= {m["side_panel"]["default_path"]}
    named |= {js for block in m["content_scripts"] for js in block["js"]}
    for name in named:
        assert (EXTENSION / name).is_file(), name
    loaded_by_pages = {
        s
        for page in EXTENSION.glob("*.html")
        for s in re.findall(r'src="([^"]+\.js)"', page.read_text())
    }
    imported = {
        str((js.parent / i).resolve().relative_to(EXTENSION))
        for js in EXTENSION.rglob("*.js")
        for i in re.findall(r'^import\s+(?:[^"]*from\s+)?"(\./[^"]+)"', js.read_text(), re.M)
    }
    every = {str(p.relative_to(EXTENSION)) for p in EXTENSION.rglob("*.js")}
    assert every - named - loaded_by_pages - imported == set()


def test_the_extension_sends_the_facts_the_server_knows():
    background = (EXTENSION / "background.js").read_text(encoding="utf-8")
    block = re.search(r"const FACT_KEYS = \[(.*?)\];", background, re.S)
    assert block is not None
    assert tuple(re.findall(r'"([a-z_]+)"', block.group(1))) == CASE_FACTS

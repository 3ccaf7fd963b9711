"""`refundproof doctor`: what the reports need from the computer, each with what to install on
this system when it is missing (Windows, macOS, Debian/Ubuntu). `setup` ends with the same."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import trust
from ..text import Text
from .instance import Instance, is_refundproof, port_free

OS = Literal["windows", "macos", "linux"]
OSES: tuple[OS, ...] = ("windows", "macos", "linux")


def this_os() -> OS:
    return (
        "windows" if sys.platform == "win32" else "macos" if sys.platform == "darwin" else "linux"
    )


@dataclass(frozen=True)
class Finding:
    """One check's result; `fix` says what to do, for this system, when it is not ok."""

    name: Text
    ok: bool
    detail: Text
    fix: Text | None = None
    required: bool = True  # a failed check that is not required is a warning

    @property
    def mark(self) -> str:
        return "✓" if self.ok else "✗" if self.required else "!"


GTK_RUNTIME = "https://github.com/tschoonj/GTK-for-Windows-Runtime-Environment-Installer/releases"
APT_LINE = (
    "sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
    "fonts-noto-cjk libgl1 libglib2.0-0"
)
# what WeasyPrint's documentation says to install for Pango, per system
PANGO_FIX: dict[OS, Text] = {
    "windows": Text(
        f"安装 GTK 运行库（WeasyPrint 文档推荐）：{GTK_RUNTIME} 下载最新的安装程序，按默认选项安装，"
        "然后关闭并重新打开命令行窗口。仍然找不到时，设置环境变量 "
        "WEASYPRINT_DLL_DIRECTORIES=C:\\Program Files\\GTK3-Runtime Win64\\bin。",
        f"Install the GTK runtime (as WeasyPrint's documentation says): download the latest "
        f"installer from {GTK_RUNTIME}, keep the default options, then close and reopen the "
        "command window. If it is still not found, set WEASYPRINT_DLL_DIRECTORIES="
        "C:\\Program Files\\GTK3-Runtime Win64\\bin.",
    ),
    "macos": Text(
        "用 Homebrew 安装 Pango：brew install pango（没有 Homebrew：先按 https://brew.sh 安装）。",
        "Install Pango with Homebrew: brew install pango (no Homebrew: install it from "
        "https://brew.sh first).",
    ),
    "linux": Text(f"Debian/Ubuntu：{APT_LINE}", f"Debian/Ubuntu: {APT_LINE}"),
}
FONT_FIX: dict[OS, Text] = {
    "windows": Text(
        "Windows 自带微软雅黑/宋体；若被删除：设置 → 时间和语言 → 语言 → 添加“中文(简体)”。",
        "Windows ships Microsoft YaHei/SimSun; if removed: Settings → Time & language → "
        "Language → add Chinese (Simplified).",
    ),
    "macos": Text(
        "macOS 自带苹方字体；若缺少：brew install --cask font-noto-sans-cjk-sc。",
        "macOS ships PingFang; if missing: brew install --cask font-noto-sans-cjk-sc.",
    ),
    "linux": Text(
        "Debian/Ubuntu：sudo apt-get install -y fonts-noto-cjk",
        "Debian/Ubuntu: sudo apt-get install -y fonts-noto-cjk",
    ),
}
# fonts with Chinese glyphs the systems ship, where fontconfig's fc-list is not at hand
_CJK_FONTS: dict[OS, tuple[str, ...]] = {
    "windows": ("msyh.ttc", "msyh.ttf", "simsun.ttc", "simhei.ttf", "Deng.ttf"),
    "macos": ("PingFang.ttc", "Hiragino Sans GB.ttc", "STHeiti Light.ttc", "Songti.ttc"),
    "linux": (),
}


def check_pango(os_name: OS) -> Finding:
    name = Text("Pango（WeasyPrint 排版报告用）", "Pango (WeasyPrint lays out the reports)")
    try:
        import weasyprint  # loads Pango through cffi: fails here when it is missing

        version = Text.same(f"WeasyPrint {weasyprint.__version__}")
        return Finding(name, True, version)
    except OSError as e:  # cffi's "cannot load library …"
        why = Text(f"找不到 Pango：{e}", f"Pango not found: {e}")
        return Finding(name, False, why, PANGO_FIX[os_name])


def check_cjk_font(os_name: OS) -> Finding:
    name = Text("中文字体", "A font with Chinese glyphs")
    found = _cjk_font(os_name)
    if found:
        return Finding(name, True, Text.same(found))
    return Finding(
        name,
        False,
        Text(
            "没有找到含中文字形的字体：报告里的中文会显示成方框。",
            "None found: Chinese text in the reports would show as boxes.",
        ),
        FONT_FIX[os_name],
    )


def _cjk_font(os_name: OS) -> str | None:
    if shutil.which("fc-list"):  # what WeasyPrint itself finds through fontconfig
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        # Simplified Chinese first: the one the reports use
        named = {line.split(",")[0].strip() for line in out.splitlines() if line}
        families = sorted(named, key=lambda f: ("SC" not in f and "GB" not in f, f))
        if families:
            return ", ".join(families[:3])
    folders = {
        "windows": [Path(os.environ.get("WINDIR", "C:\\Windows")) / "Fonts"],
        "macos": [Path("/System/Library/Fonts"), Path("/Library/Fonts")],
        "linux": [],
    }[os_name]
    for folder in folders:
        for font in _CJK_FONTS[os_name]:
            if (folder / font).exists():
                return str(folder / font)
    return None


def check_ocr() -> Finding:
    """The OCR that reads visible "AI生成" marks: rapidocr-onnxruntime stops at Python 3.12."""
    name = Text("文字识别（图片上可见的“AI生成”字样）", 'OCR (visible "AI生成" marks)')
    if importlib.util.find_spec("rapidocr_onnxruntime") is not None:
        return Finding(name, True, Text("已安装", "installed"))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Finding(
        name,
        False,
        Text(
            f"未安装（Python {version}；rapidocr-onnxruntime 只支持到 3.12）：可见标识检查不能运行，"
            "其他检查照常。",
            f"Not installed (Python {version}; rapidocr-onnxruntime supports up to 3.12): the "
            "visible-mark check cannot run, the others do.",
        ),
        Text(
            '用 Python 3.12 重新安装：pipx install --python 3.12 . --pip-args="-c constraints-runtime.txt"',
            'Reinstall with Python 3.12: pipx install --python 3.12 . --pip-args="-c '
            'constraints-runtime.txt"',
        ),
        required=False,
    )


def check_data_folder(home: Path) -> Finding:
    name = Text("数据文件夹可写", "Data folder writable")
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryFile(dir=home):
            pass
        return Finding(name, True, Text.same(str(home)))
    except OSError as e:
        return Finding(
            name,
            False,
            Text(f"{home}：{e.strerror}", f"{home}: {e.strerror}"),
            Text(
                "换一个可写的文件夹：设置环境变量 REFUNDPROOF_HOME=文件夹路径。",
                "Use a writable folder: set the environment variable REFUNDPROOF_HOME=PATH.",
            ),
        )


def check_port(home: Path, port: int) -> Finding:
    name = Text(f"端口 {port}", f"Port {port}")
    running = Instance(home).running()
    if running and running.port == port:
        return Finding(name, True, Text("RefundProof 正在此端口运行", "RefundProof runs on it"))
    if port_free(port):
        return Finding(name, True, Text("空闲", "free"))
    ours = is_refundproof(port)
    return Finding(
        name,
        False,
        Text(
            "被另一个 RefundProof（别的数据文件夹）占用" if ours else "被其他程序占用",
            "held by another RefundProof (another data folder)"
            if ours
            else "held by another program",
        ),
        Text(
            f"用别的端口：refundproof serve --port {port + 1}，并在扩展的设置页填这个端口。",
            f"Use another port: refundproof serve --port {port + 1}, and enter it on the "
            "extension's options page.",
        ),
    )


def check_trust_lists(home: Path) -> Finding:
    name = Text("C2PA 信任列表", "C2PA trust lists")
    lists = trust.listed(home)
    if lists:
        return Finding(name, True, Text.same(", ".join(e["name"] for e in lists)))
    return Finding(
        name,
        False,
        Text("尚未下载：签名者一律显示为不受信任。", "None yet: every signer reads as untrusted."),
        Text(
            "服务第一次启动时会自动下载；也可以现在运行 refundproof trust update。",
            "The server fetches them on its first start; or run refundproof trust update now.",
        ),
        required=False,
    )


def run(home: Path, port: int, os_name: OS | None = None) -> list[Finding]:
    system = os_name or this_os()
    return [
        check_pango(system),
        check_cjk_font(system),
        check_ocr(),
        check_data_folder(home),
        check_port(home, port),
        check_trust_lists(home),
    ]


def lines(findings: list[Finding]) -> list[Text]:
    out = []
    for f in findings:
        out.append(Text.same(f"{f.mark} ") + f.name + Text("：", ": ") + f.detail)
        if not f.ok and f.fix:
            out.append(Text("    怎么办：", "    What to do: ") + f.fix)
    ok = all(f.ok or not f.required for f in findings)
    out.append(
        Text("一切就绪。", "All set.")
        if ok
        else Text("有问题需要处理（见上面的“怎么办”）。", "Something needs fixing (see above).")
    )
    return out

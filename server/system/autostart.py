"""`refundproof service install|uninstall|status`: the server starts with the seller's session,
in the background — a systemd user unit on Linux, a LaunchAgent on macOS, a per-user
Startup-folder entry on Windows (no administrator rights needed anywhere).

What is written is a pure function of (system, command, data folder, port, where the user's
folders are): `plan()` returns the files and commands, tests read them for each system on any
machine, `--dry-run` prints them, and only `apply()` touches the disk or runs anything.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from xml.sax.saxutils import escape

from ..errors import Problem
from ..text import Text
from .doctor import OS

LABEL = "org.refundproof.server"  # the LaunchAgent's label
UNIT = "refundproof.service"
WINDOWS_ENTRY = "RefundProof.cmd"


@dataclass(frozen=True)
class Plan:
    os: OS
    files: list[tuple[PurePath, str]]  # where, what
    install: list[list[str]] = field(default_factory=list)  # run after writing the files
    uninstall: list[list[str]] = field(default_factory=list)  # run before removing them
    note: Text | None = None


@dataclass(frozen=True)
class Places:
    """The user's folders the entries go into, as the system names them."""

    home: str  # ~ (HOME or USERPROFILE)
    appdata: str = ""  # Windows %APPDATA% (Roaming), where the Startup folder lives
    xdg_config: str = ""  # Linux XDG_CONFIG_HOME, when set

    @classmethod
    def here(cls) -> Places:
        return cls(
            home=str(Path.home()),
            appdata=os.environ.get("APPDATA", ""),
            xdg_config=os.environ.get("XDG_CONFIG_HOME", ""),
        )


def plan(os_name: OS, command: list[str], home: Path, port: int, places: Places) -> Plan:
    """`command` starts RefundProof (the interpreter and `-m server.cli`: the same on every
    system, and on Windows the console-less pythonw.exe beside python.exe)."""
    serve = [*command, "serve", "--port", str(port)]
    if os_name == "linux":
        return _systemd(serve, home, places)
    if os_name == "macos":
        return _launch_agent(serve, home, places)
    return _windows_startup(serve, home, places)


def _systemd(serve: list[str], home: Path, places: Places) -> Plan:
    config = PurePosixPath(places.xdg_config or f"{places.home}/.config")
    unit = config / "systemd" / "user" / UNIT
    quoted = " ".join(_systemd_quote(a) for a in serve)
    text = (
        "[Unit]\n"
        "Description=RefundProof 退款鉴证 local server\n"
        "\n"
        "[Service]\n"
        f"ExecStart={quoted}\n"
        f"Environment={_systemd_quote(f'REFUNDPROOF_HOME={home}')}\n"
        "Environment=PYTHONIOENCODING=utf-8\n"
        # a second start on the same data folder exits 1 at once: not worth restarting for
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )
    systemctl = ["systemctl", "--user"]
    return Plan(
        "linux",
        [(unit, text)],
        install=[[*systemctl, "daemon-reload"], [*systemctl, "enable", "--now", UNIT]],
        uninstall=[[*systemctl, "disable", "--now", UNIT]],
        note=Text(
            "登录后自动启动。要在开机后、登录前就运行：sudo loginctl enable-linger $USER",
            "Starts when you log in. To run from boot, before any login: "
            "sudo loginctl enable-linger $USER",
        ),
    )


def _systemd_quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "-_./:=@+," for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _launch_agent(serve: list[str], home: Path, places: Places) -> Plan:
    plist = PurePosixPath(places.home) / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    log = PurePosixPath(str(home)) / "serve.log"
    args = "".join(f"\n    <string>{escape(a)}</string>" for a in serve)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n'
        "<dict>\n"
        f"  <key>Label</key>\n  <string>{LABEL}</string>\n"
        f"  <key>ProgramArguments</key>\n  <array>{args}\n  </array>\n"
        "  <key>EnvironmentVariables</key>\n  <dict>\n"
        f"    <key>REFUNDPROOF_HOME</key>\n    <string>{escape(str(home))}</string>\n"
        "    <key>PYTHONIOENCODING</key>\n    <string>utf-8</string>\n"
        "  </dict>\n"
        "  <key>RunAtLoad</key>\n  <true/>\n"
        # restarted when it crashes, not when it exits on purpose (already running)
        "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n"
        "    <key>Crashed</key>\n    <true/>\n  </dict>\n"
        f"  <key>StandardOutPath</key>\n  <string>{escape(str(log))}</string>\n"
        f"  <key>StandardErrorPath</key>\n  <string>{escape(str(log))}</string>\n"
        "</dict>\n"
        "</plist>\n"
    )
    return Plan(
        "macos",
        [(plist, text)],
        install=[["launchctl", "load", "-w", str(plist)]],
        uninstall=[["launchctl", "unload", "-w", str(plist)]],
        note=Text("登录后自动启动。", "Starts when you log in."),
    )


def _windows_startup(serve: list[str], home: Path, places: Places) -> Plan:
    appdata = PureWindowsPath(places.appdata or f"{places.home}\\AppData\\Roaming")
    folder = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    entry = folder / WINDOWS_ENTRY
    # pythonw.exe: the same interpreter without a console window (python.exe's neighbour)
    exe = PureWindowsPath(serve[0])
    python = exe.stem.lower() in ("python", "python3")
    windowless = str(exe.with_name("pythonw.exe")) if python else serve[0]
    args = " ".join(_cmd_quote(a) for a in [windowless, *serve[1:]])
    log = PureWindowsPath(str(home)) / "serve.log"
    text = (
        "@echo off\r\n"
        # the paths below may hold Chinese (a user name, a folder): read this file as UTF-8
        "chcp 65001 >nul\r\n"
        "rem RefundProof: starts the local server when you sign in.\r\n"
        "rem Remove with: refundproof service uninstall\r\n"
        f'set "REFUNDPROOF_HOME={home}"\r\n'
        "set PYTHONIOENCODING=utf-8\r\n"
        f'start "RefundProof" /b {args} >> "{log}" 2>&1\r\n'
    )
    return Plan(
        "windows",
        [(entry, text)],
        note=Text(
            "登录 Windows 后自动在后台启动（不弹出窗口）；现在就启动：重新登录，或运行 refundproof serve。",
            "Starts in the background (no window) when you sign in to Windows; to start it now, "
            "sign in again or run refundproof serve.",
        ),
    )


def _cmd_quote(arg: str) -> str:
    return f'"{arg}"' if any(c in arg for c in " &()^%!,;=") or not arg else arg


def lines(p: Plan, action: str) -> list[Text]:
    """What install/uninstall does, as the dry run prints it."""
    out: list[Text] = []
    for path, text in p.files:
        verb = Text("写入", "write") if action == "install" else Text("删除", "remove")
        out.append(verb + Text.same(f" {path}"))
        if action == "install":
            out += [Text.same(f"    {line}") for line in text.splitlines()]
    for cmd in p.install if action == "install" else p.uninstall:
        out.append(Text("运行 ", "run ") + Text.same(" ".join(cmd)))
    return out


def apply(p: Plan, action: str) -> list[Text]:
    """Write (or remove) the entry and run the system's commands; a command that fails is
    reported with what to type, the files stay as written."""
    problems: list[Text] = []
    if action == "uninstall":
        problems += _run_all(p.uninstall)
    for path, text in p.files:
        target = Path(path)
        try:
            if action == "install":
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8", newline="")
            else:
                target.unlink(missing_ok=True)
        except OSError as e:
            raise Problem(
                "autostart",
                Text(f"无法写入 {target}：{e.strerror}", f"Cannot write {target}: {e.strerror}"),
            ) from e
    if action == "install":
        problems += _run_all(p.install)
    return problems


def _run_all(commands: list[list[str]]) -> list[Text]:
    problems = []
    for cmd in commands:
        typed = " ".join(cmd)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            failed = done.returncode != 0
            why = (done.stderr or done.stdout).strip()[:300]
        except (OSError, subprocess.SubprocessError) as e:
            failed, why = True, str(e)
        if failed:
            problems.append(
                Text(
                    f"命令失败：{typed}（{why}）。请自己运行一次。",
                    f"The command failed: {typed} ({why}). Run it yourself.",
                )
            )
    return problems


def installed(p: Plan) -> bool:
    return all(Path(path).exists() for path, _ in p.files)

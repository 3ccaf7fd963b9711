"""What differs on Windows, checked here through the seams the code keeps for it: the data
folder, file names Windows refuses, replacing a file another program holds open, and console
output in UTF-8 whatever the console's code page."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from platformdirs.windows import Windows

from server.files import ascii_part, portable_name, replace_retrying
from server.settings import data_home


def test_the_data_folder_is_under_local_appdata_not_roaming(monkeypatch):
    monkeypatch.delenv("REFUNDPROOF_HOME", raising=False)
    # platformdirs' own override of what Windows reports for each known folder
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", "C:\\Users\\王 小\\AppData\\Local")
    monkeypatch.setenv("WIN_PD_OVERRIDE_APPDATA", "C:\\Users\\王 小\\AppData\\Roaming")
    home = str(data_home(Windows))
    assert home.startswith("C:\\Users\\王 小\\AppData\\Local") and home.endswith("refundproof")


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ('退款:订单<1>/"2"|3?*.pdf', "退款_订单_1___2__3__.pdf"),
        ("报告. . ", "报告"),
        ("CON", "_CON"),
        ("con.pdf", "_con.pdf"),
        ("COM1.jpg", "_COM1.jpg"),
        ("lpt9", "_lpt9"),
        ("CONSOLE.pdf", "CONSOLE.pdf"),  # only the device names themselves
        ("a\x00b\tc.png", "a_b_c.png"),
        ("...", "_"),
    ],
)
def test_names_windows_refuses_are_made_safe(given, safe):
    assert portable_name(given) == safe


def test_a_long_name_keeps_its_extension():
    name = portable_name("订" * 300 + ".pdf", most=50)
    assert len(name) == 50 and name.endswith(".pdf")


def test_a_name_part_from_platform_text_is_plain_ascii():
    assert ascii_part("TB 订单/4012…345?") == "TB_4012_345"
    assert ascii_part("订单号", empty="no-order") == "no-order"
    assert ascii_part("A" * 39 + "/B") == "A" * 39  # cut at 40, no "_" left at the end


def test_a_file_held_open_elsewhere_is_replaced_once_it_is_let_go(tmp_path):
    """As on Windows while a scanner or a viewer holds the file: access denied, then free."""
    src, dst = tmp_path / "new", tmp_path / "old"
    src.write_text("new")
    dst.write_text("old")
    refusals = iter([PermissionError(13, "denied"), PermissionError(13, "denied")])

    def held_twice(a: str, b: str) -> None:
        err = next(refusals, None)
        if err:
            raise err
        os.replace(a, b)

    replace_retrying(src, dst, held_twice)
    assert dst.read_text() == "new" and not src.exists()

    def held_for_good(a: str, b: str) -> None:
        raise PermissionError(13, "denied")

    with pytest.raises(PermissionError):
        replace_retrying(dst, src, held_for_good)
    assert dst.read_text() == "new"  # nothing lost


def test_console_output_is_utf8_whatever_the_code_page(tmp_path):
    """A Chinese-Windows pipe or redirect defaults to GBK (cp936), which has no ✓: the CLI writes
    UTF-8 regardless."""
    env = {**os.environ, "PYTHONIOENCODING": "cp936", "REFUNDPROOF_HOME": str(tmp_path / "家")}
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "doctor", "--port", "1"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    text = out.stdout.decode("utf-8")  # would fail on GBK bytes
    assert "✓ 数据文件夹可写" in text
    assert "Traceback" not in out.stderr.decode("utf-8", "replace")

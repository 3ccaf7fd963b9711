"""The command line speaks the seller's language, argparse's own errors included: Chinese
only, or English only with --lang en."""

from __future__ import annotations

from .server_proc import run_cli


def test_argument_errors_are_in_chinese_only(home):
    for args, said in (
        (("report", "--variant", "x"), "参数 --variant 的值 'x' 无效"),
        (("verify-report",), "缺少必需的参数：file"),
        (("verify", "--bogus"), "无法识别的参数：--bogus"),
        (("serve", "--port", "abc"), "参数 --port 的值 'abc' 无效"),
    ):
        r = run_cli(home, *args)
        assert r.returncode == 2, args
        assert said in r.stderr and "用法：refundproof" in r.stderr, r.stderr
        for english in ("usage:", "error:", "invalid", "required", "unrecognized"):
            assert english not in r.stderr, (args, r.stderr)
    r = run_cli(home, "verify-report", "--help")
    assert "用法：" in r.stdout and "显示本帮助并退出" in r.stdout and "usage:" not in r.stdout


def test_argument_errors_in_english_with_lang_en(home):
    r = run_cli(home, "report", "--lang", "en", "--variant", "x")
    assert r.returncode == 2
    assert "usage: refundproof report" in r.stderr
    assert "error: argument --variant: invalid choice: 'x'" in r.stderr
    assert "用法" not in r.stderr and "错误" not in r.stderr


def test_the_language_chosen_in_setup_is_the_default(home):
    r = run_cli(home, "setup", "--shop", "店铺", "--lang", "en", "--yes")
    assert r.returncode in (0, 1), r.stderr  # doctor may find something missing here
    r = run_cli(home, "report", "--variant", "x")
    assert r.returncode == 2
    assert "error: argument --variant: invalid choice: 'x'" in r.stderr
    assert "错误" not in r.stderr
    # --lang still wins over the saved choice
    r = run_cli(home, "report", "--lang", "zh", "--variant", "x")
    assert "参数 --variant 的值 'x' 无效" in r.stderr

"""The `refundproof` command as a seller runs it."""

from __future__ import annotations

import json
import os
import re

from server.demo import samples
from server.store import Store

from .conftest import TRUST
from .server_proc import run_cli


def test_verify_text_json_and_english(home, tmp_path):
    labelled = tmp_path / "buyer.png"
    labelled.write_bytes(
        samples.png(
            samples.photo(96, 64),
            [
                samples.png_text_chunk(
                    "XML:com.adobe.xmp", samples.tc260_xmp(samples.DOUBAO_LABEL), "iTXt"
                )
            ],
        )
    )
    listing = tmp_path / "listing.jpg"
    listing.write_bytes(samples.jpeg(samples.photo(96, 64, seed=4)))
    first = r = run_cli(home, "verify", str(labelled), "--listing", str(listing), "--order", "123")
    assert r.returncode == 0, r.stderr
    assert "有力证据" in r.stdout
    assert "91110102MACQD9K640" in r.stdout
    assert "[商品图]" in r.stdout
    r = run_cli(home, "verify", str(labelled), "--json")
    out = json.loads(r.stdout)
    photo = out["photos"][0]
    assert set(photo) >= {"file", "sha256", "verdict", "findings"}
    assert set(photo["findings"][0]) >= {"check", "signal", "strength", "summary", "data"}
    # the same file in a second case: the reuse check names the first one
    first_case = re.search(r"案件 (RP[\w-]+)", first.stdout).group(1)
    assert out["case"]["verdict"]["level"] == "decisive"
    reused = [f for f in photo["findings"] if f["signal"] == "reused_in_other_refund"]
    assert reused
    assert reused[0]["data"]["other_case"] == first_case
    r = run_cli(home, "verify", str(labelled), "--lang", "en", "--case", out["case"]["id"])
    assert "Decisive evidence" in r.stdout
    assert "not mean the photo is authentic" not in r.stdout
    assert "GB 45438 implicit label" in r.stdout


def test_cli_errors_are_clear_and_nonzero(home, tmp_path):
    bad = tmp_path / "photo.jpg"
    bad.write_text("just text")
    r = run_cli(home, "verify", str(bad))
    assert r.returncode == 1
    assert "不是可识别的图片" in r.stderr
    assert "not a recognised image" in r.stderr
    r = run_cli(home, "verify", str(tmp_path / "missing.jpg"))
    assert r.returncode == 1
    assert "missing.jpg" in r.stderr
    r = run_cli(home, "verify", "--case", "RP-NOPE")
    assert r.returncode == 1
    assert "RP-NOPE" in r.stderr
    r = run_cli(home, "trust", "import", str(bad))
    assert r.returncode == 1
    assert "PEM" in r.stderr


def test_trust_import_list_and_token(home, real):
    r = run_cli(home, "trust", "import", str(TRUST / "C2PA-TRUST-LIST.pem"))
    assert r.returncode == 0
    assert "C2PA-TRUST-LIST" in r.stdout
    assert "30 certs" in r.stdout
    assert "C2PA-TRUST-LIST" in run_cli(home, "trust", "list").stdout
    r = run_cli(home, "trust", "import", str(TRUST / "CAI-INTERIM-ALLOWED.sha256.txt"))
    assert "CAI-INTERIM-ALLOWED  [legacy_allowed]  114 hashes" in r.stdout
    r = run_cli(home, "trust", "import", str(TRUST / "CAI-INTERIM-STORE.cfg"), "--kind", "eku")
    assert "[eku]  6 EKUs" in r.stdout
    assert run_cli(home, "trust", "list").stdout.count("sha256 ") == 3
    token = run_cli(home, "token").stdout.strip()
    assert len(token) > 20
    assert run_cli(home, "token").stdout.strip() == token
    assert run_cli(home, "token", "--new").stdout.strip() != token


def test_demo_builds_a_case(home):
    r = run_cli(home, "demo")
    assert r.returncode == 0, r.stderr
    assert "buyer_doubao.png" in r.stdout
    assert "有力证据" in r.stdout
    assert "对买家有利" in r.stdout


def test_a_gbk_file_name_from_a_chinese_windows_zip_verifies(home, tmp_path):
    """Unzipped on Linux, a zip made on Chinese Windows leaves GBK bytes in the name; verify
    must read the photo, keep no half-made case and print the name as a person reads it."""
    folder = os.fsencode(tmp_path)
    raw = os.path.join(folder, "退款照片.jpg".encode("gbk"))
    with open(raw, "wb") as f:
        f.write(samples.jpeg(samples.photo(64, 48)))
    r = run_cli(home, "verify", os.fsdecode(raw), "--json")
    assert r.returncode == 0, r.stderr[-800:]
    assert "Traceback" not in r.stderr
    result = json.loads(r.stdout)
    store = Store(home)
    (case_id,) = store.case_ids()
    assert result["case"]["id"] == case_id
    (photo,) = store.case_photos(case_id)
    assert photo.source.file_name == "退款照片.jpg"
    r = run_cli(home, "check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_catalog_subcommand_errors_follow_lang(home):
    """`catalog add` is a command inside a command: its argparse errors follow --lang too."""
    r = run_cli(home, "catalog", "add", "--lang", "en")
    assert r.returncode == 2
    assert "usage: refundproof catalog add" in r.stderr
    assert "error: the following arguments are required: paths" in r.stderr
    assert "用法" not in r.stderr and "错误" not in r.stderr, r.stderr
    r = run_cli(home, "catalog", "add")
    assert r.returncode == 2 and "用法：refundproof catalog add" in r.stderr, r.stderr
    assert "usage:" not in r.stderr and "error:" not in r.stderr

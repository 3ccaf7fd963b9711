"""What a hostile or careless sender tries against the API and the CLI, each row of the
hardening review by behaviour: bodies capped before they are read (chunked ones too), upload
metadata checked, parse errors in the documented JSON, a strict Host, the pixel limit named
right, phone MPO JPEGs accepted, batches that finish, names that cannot reorder a screen."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile

import httpx
import pytest
from PIL import Image

from server.demo import samples
from server.domain.limits import Limits
from server.errors import Problem
from server.intake import check_image
from server.settings import Config

from .conftest import signals, verify_bytes
from .server_proc import run_cli
from .test_api import api, server  # noqa: F401  (fixtures: the real server on loopback)


def _json_error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert body["error"] == code
    assert body["message"]
    assert body["message_en"]


def _chunks(total: int, size: int = 1024 * 1024):
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


def test_pairing_refuses_a_large_body_before_reading_it(server):  # noqa: F811
    r = httpx.post(
        f"{server.url}/api/pair",
        content=_chunks(400 * 1024 * 1024),  # 400 MB, chunked: no length to refuse it by
        headers={
            "Origin": "chrome-extension://abcdefghijklmnop",
            "Content-Type": "application/json",
        },
        timeout=60,
    )
    _json_error(r, 413, "too_large")
    # a declared length over the limit is refused before a byte of the body is sent
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(
            b"POST /api/pair HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Origin: chrome-extension://abcdefghijklmnop\r\nContent-Type: application/json\r\n"
            b"Content-Length: 400000000\r\n\r\n"
        )
        answer = b""
        while chunk := s.recv(65536):  # the server answers, then closes
            answer += chunk
        answer = answer.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413")
    assert '"too_large"' in answer


def test_report_check_refuses_an_endless_chunked_body(api):  # noqa: F811
    r = api.post("/api/reports/verify", content=_chunks(400 * 1024 * 1024), timeout=120)
    _json_error(r, 413, "too_large")


def test_a_chunked_upload_over_the_limit_is_refused_without_filling_the_disk(api):  # noqa: F811
    case = api.post("/api/cases", json={}).json()

    def multipart():
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n\r\n'
        yield from _chunks(80 * 1024 * 1024)
        yield b"\r\n--B--\r\n"

    before = _temp_bytes()
    r = api.post(
        f"/api/cases/{case['id']}/photos",
        content=multipart(),
        headers={"Content-Type": "multipart/form-data; boundary=B"},
        timeout=120,
    )
    _json_error(r, 413, "too_large")
    assert _temp_bytes() - before < 60 * 1024 * 1024  # not the whole 80 MB spooled


def _temp_bytes() -> int:
    folder = tempfile.gettempdir()
    total = 0
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            total += entry.stat().st_size
    return total


@pytest.mark.parametrize(
    "meta",
    [
        {"sha256": 12345},
        {"method": {"evil": True}},
        {"role": "admin"},
        {"http_headers": ["not", "a", "map"]},
        {"source_url": "x" * 10_000},
        {"surprise": 1},
    ],
)
def test_upload_metadata_is_checked_and_nothing_is_stored(api, meta):  # noqa: F811
    case = api.post("/api/cases", json={}).json()
    data = samples.jpeg(samples.photo(64, 48))
    r = api.post(
        f"/api/cases/{case['id']}/photos",
        files={"file": ("p.jpg", data)},
        data={"meta": json.dumps(meta)},
    )
    _json_error(r, 400, "meta")
    assert api.get(f"/api/cases/{case['id']}").json()["photos"] == []
    # and the case can still get its report later: nothing half-stored blocks it
    ok = api.post(f"/api/cases/{case['id']}/photos", files={"file": ("p.jpg", data)})
    assert ok.status_code == 201


def test_a_broken_multipart_body_gets_the_documented_json(api):  # noqa: F811
    case = api.post("/api/cases", json={}).json()
    r = api.post(
        f"/api/cases/{case['id']}/photos",
        content=b"--B\r\nContent-Disposition: form-data\r\n\r\nno name, no end",
        headers={"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert r.status_code == 400
    assert r.json()["error"] in ("multipart", "no_file")
    assert r.json()["message_en"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1:18901@evil.example", "evil.example", "127.0.0.1:", "[::1]x"]
)
def test_only_a_strict_loopback_host_is_served(server, host):  # noqa: F811
    token = Config.load(server.home).token
    r = httpx.get(
        f"{server.url}/api/cases", headers={"Host": host, "Authorization": f"Bearer {token}"}
    )
    _json_error(r, 400, "host")


def test_the_pixel_limit_named_is_the_one_that_refuses(service):
    assert Limits().max_pixels == Image.MAX_IMAGE_PIXELS
    big = Image.new("L", (11_000, 9_000))  # 99 MP
    buf = io.BytesIO()
    big.save(buf, "PNG")
    with pytest.raises(Problem) as e:
        check_image(buf.getvalue(), Limits())
    assert e.value.code == "too_many_pixels"
    assert "89 MP" in e.value.text.en
    assert "150" not in e.value.text.en


def test_a_phone_mpo_jpeg_is_accepted_and_checked_as_a_jpeg(service):
    first = samples.photo(640, 480, seed=1)
    second = samples.photo(320, 240, seed=2)  # what phones append: a depth map, a preview
    buf = io.BytesIO()
    first.save(buf, "MPO", save_all=True, append_images=[second], quality=90)
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    result = verify_bytes(service, data)
    assert result["format"] == "JPEG"
    assert (result["width"], result["height"]) == (640, 480)
    assert all(c["status"] == "ok" for c in result["checks"])


def _pixel_checks_not_run(result: dict) -> set[str]:
    return {c["check"] for c in result["checks"] if c["status"] == "not_run"}


def test_a_truncated_photo_is_kept_and_its_metadata_still_speaks(service):
    labelled = samples.jpeg(
        samples.photo(800, 600, seed=4), xmp=samples.tc260_xmp(samples.DOUBAO_LABEL)
    )
    data = labelled[: len(labelled) // 2]  # cut in the middle of the picture data
    result = verify_bytes(service, data)
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert signals(result, "aigc_label")["gb45438_label"]["strength"] in ("decisive", "strong")
    # read as viewers show it (the missing half grey), so the pixel checks still run, and
    # the photo says it is incomplete
    assert not {"visible_mark", "forensics"} & _pixel_checks_not_run(result)
    mended = signals(result, "decoding")["pixels_decoded_after_mending"]
    assert "不完整" in mended["summary"]
    stored = service.store.evidence.get(result["sha256"])
    assert stored == data  # the damaged file itself is the evidence, byte for byte


def test_a_heic_whose_picture_is_missing_is_kept(service):
    buf = io.BytesIO()
    samples.photo(64, 48).save(buf, "HEIF")
    whole = buf.getvalue()
    data = whole[: whole.index(b"mdat") + 4]  # the boxes that describe it, no picture data
    result = verify_bytes(service, data)
    assert result["format"] == "HEIF"
    assert "visible_mark" in _pixel_checks_not_run(result)
    assert {c["status"] for c in result["checks"]} <= {"ok", "not_run"}


def test_a_batch_verifies_every_good_file_and_names_each_bad_one(home, tmp_path):
    good = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    for n, path in enumerate(good):
        path.write_bytes(samples.jpeg(samples.photo(96, 72, seed=n)))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    r = run_cli(home, "verify", str(good[0]), str(empty), str(good[1]), str(text), "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert [p["file"] for p in out["photos"]] == ["a.jpg", "b.jpg"]
    assert [(x["file"].rsplit("/", 1)[-1], x["error"]) for x in out["refused"]] == [
        ("empty.jpg", "empty"),
        ("notes.jpg", "not_image"),
    ]
    assert "empty.jpg" in r.stderr
    assert "notes.jpg" in r.stderr


def test_names_with_control_characters_are_shown_not_obeyed(home, tmp_path):
    sly = tmp_path / "invoice\u202egpj.exe\x1b[31m.jpg"
    sly.write_bytes(samples.jpeg(samples.photo(96, 72, seed=5)))
    r = run_cli(home, "verify", str(sly), "--buyer", "tb_\u202eevil\x07")
    assert r.returncode == 0, r.stderr
    assert "\u202e" not in r.stdout
    assert "\x1b" not in r.stdout
    assert "\\u202e" in r.stdout  # the escape is shown, so the seller sees it was there


def test_nothing_is_written_outside_the_data_folder(tmp_path):
    """The OCR's runtime (onnxruntime) writes a device id into the user's cache folder as
    it loads; the CLI points it into the data folder."""
    user = tmp_path / "user"
    user.mkdir()
    photo = tmp_path / "p.jpg"
    marked, _ = samples.draw_text(samples.photo(640, 480, seed=2), "AI生成", 40, "top-left")
    photo.write_bytes(samples.jpeg(marked))  # a mark, so the OCR surely runs
    # without CI: onnxruntime writes nothing when CI is set, and a seller's machine has none
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "HOME", "CI")},
        "HOME": str(user),
        "REFUNDPROOF_HOME": str(tmp_path / "data"),
    }
    r = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify", str(photo)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr[-800:]
    assert "AI生成" in r.stdout
    assert list(user.rglob("*")) == []
    assert list((tmp_path / "data" / "runtime-cache").rglob("deviceid"))


def test_a_key_password_comes_from_a_file_never_the_command_line(home, tmp_path):
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        load_pem_private_key,
        pkcs12,
    )

    from reports import keys

    key_pem, chain = keys._generate("好物小店")  # stands in for the shop's own certificate
    p12 = tmp_path / "shop.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"shop",
            load_pem_private_key(key_pem, None),
            chain[0],
            chain[1:],
            BestAvailableEncryption(b"s3cret"),
        )
    )
    on_the_line = run_cli(home, "keys", "import", str(p12), "--password", "s3cret")
    assert on_the_line.returncode == 2  # refused by the command itself
    secret = tmp_path / "pw.txt"
    secret.write_text("wrong\n")
    assert run_cli(home, "keys", "import", str(p12), "--password-file", str(secret)).returncode == 1
    secret.write_text("s3cret\n")
    ok = run_cli(home, "keys", "import", str(p12), "--password-file", str(secret))
    assert ok.returncode == 0, ok.stderr
    assert keys.fingerprint(chain[0]) in ok.stdout

"""The API against real uvicorn on a loopback port."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from server.demo import samples
from server.settings import Config

from .server_proc import ServerProcess


@pytest.fixture
def server(home):
    s = ServerProcess(home).start()
    yield s
    s.stop()


@pytest.fixture
def api(server, home):
    token = Config.load(home).token
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as c:
        yield c


def _upload(api, case_id, data, **meta):
    return api.post(
        f"/api/cases/{case_id}/photos",
        files={"file": ("p.png", data)},
        data={"meta": json.dumps(meta)},
    )


def test_case_photos_verify_findings(api):
    r = api.post(
        "/api/cases",
        json={"platform": "拼多多", "order_id": "123", "delivered_at": "2026-11-18T15:00"},
    )
    assert r.status_code == 201
    case_id = r.json()["id"]
    labelled = samples.png(
        samples.photo(96, 64),
        [samples.png_text_chunk("AIGC", json.dumps(samples.DOUBAO_LABEL).encode())],
    )
    sha = hashlib.sha256(labelled).hexdigest()
    r = _upload(
        api,
        case_id,
        labelled,
        role="evidence",
        sha256=sha,
        source_url="https://img.example/p.png",
        page_url="https://seller.example/refund/1",
        fetched_at="2026-11-20T10:00:00+08:00",
        http_headers={"content-type": "image/png"},
        method="original_fetch",
    )
    assert r.status_code == 201, r.text
    assert r.json()["photo"]["sha256"] == sha
    assert api.get(f"/api/cases/{case_id}/findings").status_code == 404
    out = api.post(f"/api/cases/{case_id}/verify").json()
    assert out["case"]["verdict"]["level"] == "strong"
    assert out["photos"][0]["source"]["source_url"] == "https://img.example/p.png"
    assert out["photos"][0]["source"]["http_headers"] == {"content-type": "image/png"}
    en = api.get(f"/api/cases/{case_id}/findings", params={"lang": "en"}).json()
    assert en["case"]["verdict"]["summary"].startswith("Strong evidence")
    case = api.get(f"/api/cases/{case_id}").json()
    assert case["facts"]["platform"] == "拼多多"
    assert case["photos"][0]["sha256"] == sha


def test_bad_input_gets_readable_json_error_and_server_stays_up(api):
    case_id = api.post("/api/cases", json={}).json()["id"]
    good = samples.jpeg(samples.photo(64, 48))
    assert _upload(api, case_id, good).status_code == 201
    for data, meta, status in [
        (b"", {}, 400),
        (b"not an image at all", {}, 415),
        (good + b"x", {"sha256": hashlib.sha256(good).hexdigest()}, 422),
        (good, {"role": "selfie"}, 400),
    ]:
        r = _upload(api, case_id, data, **meta)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["message"]
        assert body["message_en"]
    assert (
        api.post(
            "/api/cases", content=b"{nope", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert api.post("/api/cases", json={"colour": "red"}).status_code == 400
    assert api.get("/api/cases/NOPE").status_code == 404
    assert api.get("/api/health").status_code == 200
    assert len(api.get(f"/api/cases/{case_id}").json()["photos"]) == 1


def test_token_host_origin_refused(server, home):
    token = Config.load(home).token
    url = f"{server.url}/api/cases"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url, headers=ok).status_code == 200
    r = httpx.get(url, headers={**ok, "Host": "evil.example:8765"})
    assert r.status_code == 400
    assert r.json()["error"] == "host"
    r = httpx.get(url, headers={**ok, "Origin": "https://evil.example"})
    assert r.status_code == 403
    assert r.json()["error"] == "origin"
    assert httpx.get(url, headers={"X-RefundProof-Token": token}).status_code == 200


def test_reports_over_http(api, home):
    case_id = api.post("/api/cases", json={"order_id": "77", "platform": "京东"}).json()["id"]
    assert _upload(api, case_id, samples.png(samples.photo(64, 48))).status_code == 201
    bad = api.post(f"/api/cases/{case_id}/reports", json={"variant": "court"})
    assert bad.status_code == 400
    assert "appeal" in bad.json()["message_en"]
    made = api.post(f"/api/cases/{case_id}/reports", json={"variant": "appeal", "lang": "en"})
    assert made.status_code == 201
    record = made.json()
    listed = api.get(f"/api/cases/{case_id}/reports").json()["reports"]
    assert [r["id"] for r in listed] == [record["id"]]
    pdf = api.get(record["urls"]["report.pdf"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert hashlib.sha256(pdf.content).hexdigest() == record["sha256"]
    page = api.get(record["urls"]["page-01.png"])
    assert page.content.startswith(b"\x89PNG")
    checked = api.post("/api/reports/verify?lang=en", content=pdf.content).json()
    assert checked["ok"]
    assert checked["trusted"]
    assert checked["report_id"] == record["id"]
    tampered = bytearray(pdf.content)
    tampered[len(tampered) // 2] ^= 1
    checked = api.post("/api/reports/verify", content=bytes(tampered)).json()
    assert not checked["ok"]
    assert checked["problems"]
    not_pdf = api.post("/api/reports/verify", content=b"hello")
    assert not_pdf.status_code == 400
    assert "PDF" in not_pdf.json()["message"]
    assert api.get(f"/api/reports/{record['id']}/files/../../index.json").status_code == 404
    assert api.get("/api/reports/RPT-nope").status_code == 404


def test_figures_are_served(api):
    case_id = api.post("/api/cases", json={}).json()["id"]
    _upload(api, case_id, samples.jpeg(samples.photo(320, 240)))
    found = api.post(f"/api/cases/{case_id}/verify").json()
    shas = [
        f["data"]["figure"]["sha256"]
        for f in found["photos"][0]["findings"]
        if isinstance(f["data"].get("figure"), dict)
    ]
    assert shas
    figure = api.get(f"/api/figures/{shas[0]}")
    assert figure.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(figure.content).hexdigest() == shas[0]
    assert api.get("/api/figures/" + "0" * 64).status_code == 404
    assert api.get("/api/figures/not-a-hash").status_code == 404


def test_half_a_character_and_a_long_part_name_are_answered_plainly(api):
    """A lone surrogate in JSON is a 400 in words (it used to be a 500); a multipart part's own
    file name is held to the 255-character cap like the meta's."""
    r = api.post(
        "/api/cases",
        content=b'{"buyer": "\\ud800x"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "代理项" in r.json()["message"]
    case_id = api.post("/api/cases", json={"order_id": "long-name"}).json()["id"]
    meta_surrogate = api.post(
        f"/api/cases/{case_id}/photos",
        files={"file": ("p.png", samples.png(samples.photo(32, 24)))},
        data={"meta": '{"file_name": "\\udcd6x.png"}'},
    )
    assert meta_surrogate.status_code == 400
    long_name = "图" * 400 + ".png"
    r = api.post(
        f"/api/cases/{case_id}/photos",
        files={"file": (long_name, samples.png(samples.photo(32, 24)))},
    )
    assert r.status_code == 201, r.text
    kept = r.json()["photo"]["source"]["file_name"]
    assert len(kept) <= 255 and kept.endswith(".png")
    assert api.get(f"/api/cases/{case_id}").status_code == 200

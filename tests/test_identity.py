"""Shop identity first: no report while the shop name is unset; the API, the CLI and the
extension's options page set shop, operator and a contact the police record prints."""

from __future__ import annotations

import httpx
import pytest

from server.demo import samples
from server.service import Service
from server.settings import Config

from .server_proc import ServerProcess, run_cli
from .test_report import pdftotext


@pytest.fixture
def unset(tmp_path, monkeypatch):
    """A data folder where nobody has run setup yet."""
    h = tmp_path / "fresh"
    monkeypatch.setenv("REFUNDPROOF_HOME", str(h))
    return h


def test_the_api_refuses_a_report_until_the_shop_is_set_then_prints_the_contact(unset):
    server = ServerProcess(unset).start()
    try:
        token = Config.load(unset).token
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as api:
            case_id = api.post("/api/cases", json={"platform": "淘宝", "order_id": "9"}).json()[
                "id"
            ]
            png = samples.png(samples.photo(96, 64), [])
            api.post(f"/api/cases/{case_id}/photos", files={"file": ("p.png", png)})
            refused = api.post(f"/api/cases/{case_id}/reports", json={"variant": "police"})
            assert refused.status_code == 409
            body = refused.json()
            assert body["error"] == "shop_unset"
            assert "refundproof setup" in body["message"] and "设置页" in body["message"]
            assert api.get(f"/api/cases/{case_id}/reports").json()["reports"] == []

            assert api.get("/api/settings").json()["shop"] is None
            bad = api.patch("/api/settings", json={"shop": "x", "token": "mine"})
            assert bad.status_code == 400 and "token" in bad.json()["message"]
            who = {"shop": "好物小店", "operator": "张三", "contact": "13800000000"}
            saved = api.patch("/api/settings", json=who).json()
            assert saved == {**who, "language": "zh"}
            assert api.get("/api/settings").json() == saved
            assert Config.load(unset).token == token  # identity never touches the pairing

            made = api.post(f"/api/cases/{case_id}/reports", json={"variant": "police"})
            assert made.status_code == 201, made.text
            pdf = api.get(made.json()["urls"]["report.pdf"]).content
        text = pdftotext(pdf)
        assert "好物小店" in text and "张三" in text
        assert "联系方式" in text and "13800000000" in text
    finally:
        server.stop()


def test_the_cli_says_how_to_set_the_shop_and_adds_nothing(unset, tmp_path):
    photo = tmp_path / "p.png"
    photo.write_bytes(samples.png(samples.photo(64, 48), []))
    out = run_cli(unset, "report", "--photo", str(photo), "--order", "1", "--platform", "淘宝")
    assert out.returncode == 1
    assert "还没有设置店铺名" in out.stderr and "refundproof setup" in out.stderr
    assert "Traceback" not in out.stderr
    assert Service(unset).list_cases()["total"] == 0
    run_cli(unset, "settings", "--shop", "好物小店", "--contact", "shop@example.com")
    cfg = Config.load(unset)
    assert (cfg.shop, cfg.contact) == ("好物小店", "shop@example.com")

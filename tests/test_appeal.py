"""What reaches a platform reviewer: the appeal report and its images name nobody from other
refunds (the police record may), show the evidence large enough to see, and fit each
platform's evidence upload."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from server.demo import samples
from server.domain.cases import Source
from server.service import Service
from server.settings import Config

from .pixels_util import jpeg
from .test_report import flat, pdftotext

OTHER = {
    "platform": "淘宝",
    "order_id": "TB4417009182",
    "refund_id": "RF88213307",
    "buyer": "小林同学tb",
}
THIS = {"platform": "拼多多", "order_id": "PDD-250611-0042", "amount": "89.00", "buyer": "pdd用户"}


@pytest.fixture
def quiet_home(home: Path) -> Path:
    cfg = Config.load(home)
    cfg.tsa_urls = []
    cfg.shop = "测试小店"
    cfg.save(home)
    return home


def _attachments(pdf: bytes) -> dict[str, bytes]:
    reader = PdfReader(io.BytesIO(pdf))
    return {name: b"".join(blobs) for name, blobs in reader.attachments.items()}


def test_an_appeal_names_nobody_from_the_other_refund(quiet_home):
    service = Service(quiet_home)
    picture = jpeg(samples.product_shot(1000, 750, seed=21), 90)
    first = service.create_case(OTHER)
    service.add_photo(first["id"], picture, "evidence", Source(file_name="a.jpg"))
    service.verify(first["id"])
    case = service.create_case(THIS)
    service.add_photo(case["id"], picture, "evidence", Source(file_name="b.jpg"))
    result = service.verify(case["id"])
    reused = next(f for f in result["photos"][0]["findings"] if f["check"] == "reuse")
    assert reused["signal"] == "reused_in_other_refund"
    assert "淘宝" in reused["summary"]  # named by platform and date
    secrets = [OTHER["order_id"], OTHER["refund_id"], OTHER["buyer"]]

    appeal = service.report(case["id"], "appeal")
    pdf = service.report_file(appeal["id"], "report.pdf").read_bytes()
    text = flat(pdftotext(pdf))
    assert "淘宝" in text and "另外1笔退款" in text
    for secret in secrets:
        assert secret not in text
        for name, blob in _attachments(pdf).items():
            assert secret.encode() not in blob, name
        for name in appeal["files"]:
            blob = service.report_file(appeal["id"], name).read_bytes()
            assert secret.encode() not in blob, name

    police = service.report(case["id"], "police")
    police_text = flat(pdftotext(service.report_file(police["id"], "report.pdf").read_bytes()))
    for secret in secrets:  # the police may be told whose refund it was
        assert flat(secret) in police_text

"""What reaches a platform reviewer: the appeal report and its images name nobody from other
refunds (the police record may), show the evidence large enough to see, and fit each
platform's evidence upload."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from pypdf import PdfReader

from reports import appeal_images
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


@pytest.fixture(scope="module")
def marked_case(tmp_path_factory):
    """A 拼多多 refund with three photos carrying a visible 豆包 mark and one honest photo,
    its appeal report made once for the tests below."""
    home = tmp_path_factory.mktemp("home")
    cfg = Config.load(home)
    cfg.tsa_urls = []
    cfg.shop = "测试小店"
    cfg.save(home)
    service = Service(home)
    case = service.create_case(THIS)
    for seed in (31, 32, 33):
        base = samples.product_shot(1600, 1200, seed=seed)
        marked = samples.draw_text(base, "豆包AI生成", 80, "bottom-right")[0]
        service.add_photo(case["id"], jpeg(marked, 88), "evidence", Source(file_name=f"{seed}.jpg"))
    honest = jpeg(samples.product_shot(1200, 900, seed=34), 88)
    service.add_photo(case["id"], honest, "evidence", Source(file_name="honest.jpg"))
    record = service.report(case["id"], "appeal")
    return service, record


def _qr(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as im:
        text, _, _ = cv2.QRCodeDetectorAruco().detectAndDecode(np.asarray(im.convert("RGB")))
    return str(text)


def _wide_rows(data: bytes) -> int:
    """Rows holding a run of picture (not paper) at least half the image's width: a picture
    drawn that wide is at least that many rows tall; text and rules are not."""
    with Image.open(io.BytesIO(data)) as im:
        ink = np.asarray(im.convert("RGB")).min(axis=2) < 225
    half, rows = ink.shape[1] // 2, 0
    for row in ink:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        runs = edges[1::2] - edges[::2]
        rows += bool(runs.size and runs.max() >= half)
    return rows


def test_every_platform_gets_images_its_form_takes(marked_case):
    service, record = marked_case
    listed = record["appeal_images"]
    assert listed[0]["platform"] == "pinduoduo"  # the case's own platform first
    by_form: dict[tuple[str, str], list[dict]] = {}
    for item in listed:
        by_form.setdefault((item["platform"], item["form"]), []).append(item)
    platforms = {p.key: p for p in appeal_images.PLATFORMS}
    assert {k for k, _ in by_form} == set(platforms)
    for (key, form_key), items in by_form.items():
        form = next(f for f in platforms[key].forms if f.key == form_key)
        # three photos with evidence: the conclusion and one image each, as far as the form takes
        wanted = 3 if form_key == "message" else min(form.images, 4)
        assert len(items) == wanted, (key, form_key)
        for item in items:
            data = service.report_file(record["id"], item["name"]).read_bytes()
            assert len(data) == item["bytes"] <= form.max_bytes
            assert data.startswith(b"\xff\xd8")
            assert item["name"].startswith(f"appeal-{key}-PDD-250611-0042-{form_key}-")
    (proof,) = by_form["taobao", "refuse_proof"]
    assert proof["max_bytes"] == 130_000 and proof["kind"] == "verdict"


def test_the_qr_decodes_on_every_conclusion_image_at_its_final_size(marked_case):
    service, record = marked_case
    verdicts = [i for i in record["appeal_images"] if i["kind"] == "verdict"]
    assert verdicts
    for item in verdicts:
        text = _qr(service.report_file(record["id"], item["name"]).read_bytes())
        assert record["id"] in text, item["name"]
        assert f"PDF SHA-256: {record['sha256']}" in text


def test_the_evidence_is_drawn_at_least_half_the_width(marked_case):
    service, record = marked_case
    smallest = min(record["appeal_images"], key=lambda i: i["bytes"])
    assert smallest["max_bytes"] == 130_000
    for item in (smallest, next(i for i in record["appeal_images"] if i["kind"] == "photo1")):
        assert _wide_rows(service.report_file(record["id"], item["name"]).read_bytes()) > 300
    # and on the appeal PDF's first page: the first flagged photo's evidence picture
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    width = page.get_width()
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4))
    widest = max(obj.get_bounds()[2] - obj.get_bounds()[0] for obj in images)
    assert widest >= width / 2


def test_a_nothing_found_case_says_so_in_its_images(quiet_home):
    service = Service(quiet_home)
    case = service.create_case({"platform": "京东", "order_id": "JD-1"})
    honest = jpeg(samples.product_shot(1200, 900, seed=35), 88)
    service.add_photo(case["id"], honest, "evidence", Source(file_name="h.jpg"))
    record = service.report(case["id"], "appeal")
    kinds = {i["kind"] for i in record["appeal_images"]}
    assert kinds == {"verdict"}  # no photo has evidence: the conclusion alone
    assert record["appeal_images"][0]["platform"] == "jd"

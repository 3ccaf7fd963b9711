"""The signed evidence report: content, fonts, PDF/A-3b, signature, attachments, tampering."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import zlib

import psutil
import pytest
from pypdf import PdfReader, PdfWriter

import reports
from reports import render
from server.demo import samples
from server.demo.case import FACTS, material
from server.domain.cases import Source
from server.errors import EvidenceTampered, Problem
from server.service import Service

from .conftest import DST
from .server_proc import seller_home

VARIANTS_LANGS = [(v, lang) for v in ("appeal", "police") for lang in ("zh", "en")]


def pdftotext(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def has_phrase(text: str, phrase: str) -> bool:
    """Every word of the phrase is in the text (read in content-stream order): lines wrap
    wherever the layout chose, so a sentence comes back with breaks inside it."""
    compact = flat(text).replace("-", "")  # pdftotext drops the hyphen where a word wraps
    return all(flat(word).replace("-", "") in compact for word in phrase.split())


def flat(text: str) -> str:
    """Text without whitespace: long hashes and CJK lines wrap anywhere in a PDF."""
    return re.sub(r"\s+", "", text)


class NotdefLog(logging.Handler):
    """Collects WeasyPrint's warning for text drawn with no glyph (a tofu box)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if ".notdef" in record.getMessage():
            self.missing.append(record.getMessage())

    def __enter__(self) -> NotdefLog:
        logging.getLogger("weasyprint").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("weasyprint").removeHandler(self)


@pytest.fixture(scope="module")
def case(tmp_path_factory, c2pa_signer):
    """A case holding every kind of finding: C2PA, TC260 label, generator metadata, EXIF
    before delivery (with counter-evidence), a plain photo, a listing photo, a page capture."""
    home = seller_home(tmp_path_factory.mktemp("report-home"))
    service = Service(home)
    c = service.create_case(FACTS)
    photos = [(name, role, data) for name, role, data in material()]
    photos.append(
        (
            "buyer_c2pa.jpg",
            "evidence",
            c2pa_signer.sign(
                samples.jpeg(samples.photo(400, 300, seed=9)),
                [{"action": "c2pa.created", "digitalSourceType": DST + "trainedAlgorithmicMedia"}],
            ),
        )
    )
    photos.append(("page.png", "page_capture", samples.png(samples.photo(900, 500, seed=10))))
    for name, role, data in photos:
        method = "page_capture" if role == "page_capture" else "upload"
        service.add_photo(c["id"], data, role, Source(method=method, file_name=name))
    service.verify(c["id"])
    with NotdefLog() as log:
        made = {(v, lang): service.report(c["id"], v, lang) for v, lang in VARIANTS_LANGS}
    return service, c["id"], made, log.missing


def _pdf(service, record) -> bytes:
    return service.report_file(record["id"], "report.pdf").read_bytes()


@pytest.mark.parametrize("variant,lang", VARIANTS_LANGS)
def test_report_states_facts_hashes_and_verdicts(case, variant, lang):
    service, case_id, made, _ = case
    record = made[(variant, lang)]
    text = pdftotext(_pdf(service, record))
    compact = flat(text)
    result = service.findings(case_id, lang)
    for key in ("platform", "order_id", "refund_id", "amount"):
        assert flat(FACTS[key]) in compact
    assert record["id"] in compact
    assert has_phrase(text, result["case"]["verdict"]["summary"])
    for p in result["photos"]:
        if p["role"] == "evidence" or variant == "police":
            assert p["sha256"] in compact, p["file"]
        if p["role"] == "evidence":
            assert has_phrase(text, p["verdict"]["summary"])
    assert record["signer_fingerprint"] in compact
    assert record["snapshot_sha256"] in compact
    if lang == "zh":
        assert "不是司法鉴定意见书" in compact or "非司法鉴定意见书" in compact
        assert "本机时钟" in compact  # no TSA configured: the report says whose clock
    else:
        assert "forensic" in text
        assert "clock" in text
    if variant == "police":
        counter = [c for p in result["photos"] for c in p["verdict"]["counter_evidence"]]
        assert counter
        assert all(has_phrase(text, c) for c in counter)
        for p in result["photos"]:
            for f in p["findings"]:
                assert has_phrase(text, f["summary"]), f["summary"]
        assert ("第二百六十六条" if lang == "zh" else "art. 266") in (
            compact if lang == "zh" else text
        )
        assert ("电子数据清单" if lang == "zh" else "Evidence list") in text
        assert str(service.store.audit_log.head()["seq"]) in text
        assert "sha256sum" in text
        assert "pdfdetach" in text


def test_appeal_is_short_and_police_is_complete(case):
    _, _, made, _ = case
    # each flagged photo's evidence is drawn at least half the page wide: about a page each
    assert made[("appeal", "zh")]["pages"] <= 8
    assert made[("police", "zh")]["pages"] > made[("appeal", "zh")]["pages"]


def test_appeal_page_one_decides_in_thirty_seconds(service, c2pa_signer):
    """Four buyer photos, two with evidence: shop, request, conclusion by kind, each flagged
    photo's reason and the signature note all on page 1; two pages in all."""
    service.change_settings(shop="好物小店", operator="张三")
    c = service.create_case({"platform": "拼多多", "order_id": "P-1", "amount": "129.00"})
    listing = samples.product_shot(900, 700, seed=3)
    fake = samples.paint_damage(listing, (400, 250, 560, 400))
    labelled = samples.png(
        samples.photo(640, 480, seed=4),
        [
            samples.png_text_chunk(
                "XML:com.adobe.xmp", samples.tc260_xmp(samples.DOUBAO_LABEL), "iTXt"
            )
        ],
    )
    for name, role, data in [
        ("listing.jpg", "listing", samples.jpeg(listing)),
        ("a.jpg", "evidence", samples.jpeg(fake)),
        ("b.png", "evidence", labelled),
        ("c.jpg", "evidence", samples.jpeg(samples.photo(640, 480, seed=5))),
        ("d.jpg", "evidence", samples.jpeg(samples.photo(640, 480, seed=6))),
    ]:
        service.add_photo(c["id"], data, role, Source(file_name=name))
    record = service.report(c["id"], "appeal")
    assert record["pages"] <= 4  # two flagged photos, each with its evidence large
    pdf = _pdf(service, record)
    text = pdftotext(pdf)
    page1 = flat(text.split("\f")[0])
    for phrase in ("好物小店", "请求", "驳回", "4张图片中2张有证据", "改自卖家的商品图"):
        assert phrase in page1, phrase
    # the signature note comes after the evidence, once
    for phrase in ("隐式标识", "签名有效性未知", "refundproofverify-report", "pdfsig"):
        assert phrase in flat(text), phrase
    assert flat(text).count("签名有效性未知") == 1
    assert "未提供" not in page1  # only the facts the seller gave


@pytest.mark.parametrize("variant,lang", VARIANTS_LANGS)
def test_fonts_embedded_and_every_glyph_drawn(case, variant, lang):
    service, _, made, _ = case
    pdf = _pdf(service, made[(variant, lang)])
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    rows = fonts.stdout.decode().splitlines()[2:]
    assert rows
    assert any("CJK" in r for r in rows)
    for row in rows:
        assert re.search(r"\s+yes\s+yes\s+yes\s+\d+\s+\d+$", row), row  # emb, sub, uni
    assert case[3] == []  # no character of any report was drawn as a tofu box


def test_glyph_check_would_catch_a_missing_glyph():
    from weasyprint import HTML

    with NotdefLog() as log:
        HTML(string="<p>中文 \ue000</p>").write_pdf()
    assert log.missing


def test_page_images_and_summary(case):
    service, _, made, _ = case
    from PIL import Image

    for record in made.values():
        pages = [n for n in record["files"] if n.startswith("page-")]
        assert len(pages) == record["pages"]
        with Image.open(service.report_file(record["id"], pages[0])) as im:
            assert im.width > 800
            assert im.height > im.width
            # not blank: the page has ink
            assert im.convert("L").getextrema()[0] < 60


def test_pdfa3b_with_attachments_named_by_hash(case):
    service, case_id, made, _ = case
    pdf = _pdf(service, made[("police", "zh")])
    assert pdf.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    # pyHanko rewrites the XMP on signing in attribute form; the PDF/A claim must survive
    assert re.search(rb'pdfaid:part(="|>)3', xmp)
    assert re.search(rb'pdfaid:conformance(="|>)B', xmp)
    files = {name: blobs[0] for name, blobs in reader.attachments.items()}
    shas = {p.sha256 for p in service.store.case_photos(case_id)}
    data_files = ("snapshot.json", "findings.json", "audit-excerpt.jsonl")
    named = {n: b for n, b in files.items() if n not in data_files}
    audit = [json.loads(line) for line in files["audit-excerpt.jsonl"].splitlines()]
    assert {e["event"] for e in audit} >= {"case.created", "photo.received", "case.verified"}
    assert all(e["data"]["case"] == case_id and len(e["hash"]) == 64 for e in audit)
    photo_files = {n: b for n, b in named.items() if not n.startswith("figure-")}
    assert {n.split(".")[0] for n in photo_files} == shas
    assert len(named) > len(photo_files)  # the checks' figures ride along
    for name, blob in named.items():
        assert hashlib.sha256(blob).hexdigest() == name.removeprefix("figure-").split(".")[0]
    snapshot = json.loads(files["snapshot.json"])
    assert snapshot["case"]["facts"] == FACTS
    assert snapshot["audit_head"]["hash"]
    assert json.loads(files["findings.json"])["case"]["id"] == case_id


@pytest.mark.parametrize("variant", ["appeal", "police"])
def test_pdfa_rules_that_can_be_checked_offline(case, variant):
    """The PDF/A-3b rules a validator flagged: no image asks to be interpolated, the
    attachment name tree is sorted, Info and XMP name the same producer; and each attachment
    says how it relates to the report."""
    service, _, made, _ = case
    pdf = _pdf(service, made[(variant, "zh")])
    reader = PdfReader(io.BytesIO(pdf))
    images = [
        xobj.get_object()
        for page in reader.pages
        for xobj in (page["/Resources"].get("/XObject") or {}).values()
        if xobj.get_object().get("/Subtype") == "/Image"
    ]
    assert images
    assert all(im.get("/Interpolate") in (None, False) for im in images)
    assert b"/Interpolate true" not in pdf
    tree = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    keys = [str(tree[i]) for i in range(0, len(tree), 2)]
    assert keys == sorted(keys)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    (xmp_producer,) = re.findall(r'pdf:Producer(?:="|>)([^"<]*)', xmp)
    assert reader.metadata["/Producer"] == xmp_producer
    for i in range(1, len(tree), 2):
        assert tree[i].get_object()["/AFRelationship"] in ("/Source", "/Supplement", "/Data")


def test_extracted_attachments_hash_to_printed_values(case, tmp_path):
    """What a third party does without RefundProof: pdfdetach, sha256sum, compare."""
    service, _, made, _ = case
    pdf_path = service.report_file(made[("police", "zh")]["id"], "report.pdf")
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(pdf_path)], check=True)
    text = flat(pdftotext(pdf_path.read_bytes()))
    extracted = list(tmp_path.iterdir())
    assert len(extracted) >= 8
    for f in extracted:
        assert hashlib.sha256(f.read_bytes()).hexdigest() in text, f.name


def test_signature_valid_and_trusted(case):
    service, _, made, _ = case
    for record in made.values():
        check = service.check_report(_pdf(service, record))
        assert check.ok
        assert check.intact
        assert check.trusted
        assert check.covers_whole_file
        assert check.signer_fingerprint == record["signer_fingerprint"]
        assert check.report_id == record["id"]
        assert all(a["ok"] for a in check.attachments)


def test_unknown_computer_sees_intact_but_untrusted(case, tmp_path):
    service, _, made, _ = case
    check = reports.check(_pdf(service, made[("appeal", "zh")]), tmp_path / "other-home")
    assert check.ok
    assert not check.trusted
    assert any("指纹" in n.zh for n in check.notes)


def test_flipping_any_byte_is_detected(case):
    service, _, made, _ = case
    pdf = _pdf(service, made[("appeal", "en")])
    contents = pdf.rindex(b"/Contents <") + 20
    for pos in (9, len(pdf) // 5, len(pdf) // 2, 4 * len(pdf) // 5, contents, len(pdf) - 30):
        bad = bytearray(pdf)
        bad[pos] ^= 0x01
        check = service.check_report(bytes(bad))
        assert not check.ok, pos
        assert check.problems, pos


def test_swapped_attachment_is_detected(case):
    service, _case_id, made, _ = case
    pdf = _pdf(service, made[("appeal", "zh")])
    reader = PdfReader(io.BytesIO(pdf))
    victim = next(n for n in reader.attachments if n.endswith(".png"))
    writer = PdfWriter(clone_from=reader)
    for name_tree in writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"][1::2]:
        spec = name_tree.get_object()
        if spec["/F"] == victim:
            stream = spec["/EF"]["/F"].get_object()
            stream.set_data(samples.png(samples.photo(64, 64, seed=99)))
    out = io.BytesIO()
    writer.write(out)
    check = service.check_report(out.getvalue())
    assert not check.ok
    assert any(victim in p.en for p in check.problems)


def test_content_appended_after_signing_is_detected(case):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    service, _, made, _ = case
    w = IncrementalPdfFileWriter(io.BytesIO(_pdf(service, made[("appeal", "zh")])))
    w.root["/RefundProofForged"] = generic.TextStringObject("changed verdict")
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    check = service.check_report(out.getvalue())
    assert not check.ok
    assert check.intact
    assert not check.covers_whole_file


def test_same_snapshot_renders_the_same_pdf(case):
    service, case_id, _, _ = case
    from reports import keys, snapshot

    inp = service._report_input(case_id, service.store.latest_verification(case_id), "appeal", "zh")
    snap = snapshot.take(inp, keys.load_or_create(service.home), snapshot.time_source(None, []))
    assert render.pdf(snap) == render.pdf(snap)


def test_changed_evidence_file_refuses_to_render(service, tmp_path):
    c = service.create_case({"order_id": "1"})
    data = samples.png(samples.photo(64, 48, seed=1))
    photo, _ = service.add_photo(c["id"], data, "evidence", Source(file_name="a.png"))
    service.verify(c["id"])
    path = service.store.evidence.path(photo.sha256)
    path.chmod(0o644)
    path.write_bytes(data[:-1] + b"\x00")
    with pytest.raises(EvidenceTampered):
        service.report(c["id"], "appeal")
    assert service.list_reports(c["id"]) == []
    assert not (service.home / "reports").exists() or not any((service.home / "reports").iterdir())


def test_layout_holds_with_30_photos_long_text_and_odd_names(service):
    odd = '王<b>小明</b> & "O\'Brien" ‏עברית‏ 🙂\u200b\\x00 {{ 7*7 }}'
    c = service.create_case(
        {"buyer": odd, "reason": "破损" * 600, "order_id": "9" * 60, "platform": "拼多多"}
    )
    for i in range(30):
        size = (300 + 37 * i, 200 + 23 * (i % 7))
        service.add_photo(
            c["id"],
            samples.png(samples.photo(*size, seed=100 + i)),
            "evidence",
            Source(file_name=f"图片_{i}_" + "很长的文件名" * 10 + ".png"),
        )
    for variant in ("appeal", "police"):
        with NotdefLog() as log:
            record = service.report(c["id"], variant, "zh")
        pdf = _pdf(service, record)
        text = pdftotext(pdf)
        assert has_phrase(text, "王<b>小明</b> {{ 7*7 }}")  # printed, not interpreted
        if variant == "police":
            assert "（未提供）" in text  # the record says a fact is missing, not left blank
        else:
            assert "（未提供）" not in text  # the appeal shows only what the seller gave
        assert service.check_report(pdf).ok
        assert log.missing == []  # emoji, Hebrew, zero-width space: all drawn
        assert record["pages"] < (12 if variant == "appeal" else 60)


def test_cli_report_and_verify_report(home, tmp_path):
    env = {"REFUNDPROOF_HOME": str(home), "PATH": "/usr/bin:/bin"}
    photo = tmp_path / "buyer.png"
    photo.write_bytes(material()[0][2])
    listing = tmp_path / "listing.jpg"
    listing.write_bytes(material()[-1][2])
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "report",
            "--photo",
            str(photo),
            "--listing",
            str(listing),
            "--order",
            "555",
            "--variant",
            "appeal",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    pdf = next((tmp_path / "out").glob("*/report.pdf"))
    ok = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-report", str(pdf)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0
    assert "报告完好" in ok.stdout
    bad = tmp_path / "bad.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x20
    bad.write_bytes(bytes(data))
    failed = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-report", str(bad), "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert failed.returncode == 1
    assert "FAILED" in failed.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-report", str(tmp_path / "nope.pdf")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert missing.returncode == 1
    assert "无法读取" in missing.stderr


def test_imported_pkcs12_signs_and_old_reports_still_verify(service, home):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from reports import keys

    c = service.create_case({"order_id": "1"})
    service.add_photo(c["id"], samples.png(samples.photo(64, 48)), "evidence", Source())
    old = service.report(c["id"], "appeal")
    key_pem, chain = keys._generate("某企业")  # stands in for an enterprise certificate
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    p12 = pkcs12.serialize_key_and_certificates(
        b"shop",
        load_pem_private_key(key_pem, None),
        chain[0],
        chain[1:],
        BestAvailableEncryption(b"secret"),
    )
    with pytest.raises(Problem):
        keys.import_pkcs12(home, p12, "wrong")
    imported = keys.import_pkcs12(home, p12, "secret")
    new = service.report(c["id"], "appeal")
    assert new["signer_fingerprint"] == imported.fingerprint != old["signer_fingerprint"]
    for record in (old, new):
        check = service.check_report(_pdf(service, record))
        assert check.ok
        assert check.trusted


def test_the_certificate_names_the_shop_never_the_computer(service):
    import getpass
    import socket

    from reports import keys

    service.change_settings(shop="好物小店")
    key = keys.load_or_create(service.home)
    subject = key.subject
    assert "好物小店" in subject
    assert "self-signed" in subject  # it says it is the shop's own, not vouched for by anyone
    assert getpass.getuser() not in subject
    assert socket.gethostname() not in subject
    # a new shop name makes a new key; the old one is archived and its reports still verify
    c = service.create_case({"order_id": "7"})
    service.add_photo(c["id"], samples.png(samples.photo(64, 48)), "evidence", Source())
    before = _pdf(service, service.report(c["id"], "appeal"))
    service.change_settings(shop="好物小店二号")
    assert "好物小店二号" in keys.load_or_create(service.home).subject
    assert service.check_report(before).ok


# verify-report on PDFs from anyone: crafted, broken, missing


def _crafted_report(home, snapshot: bytes, bombs: int = 0, names=None) -> bytes:
    """A signed PDF (a real signature, this test's key) whose snapshot.json is `snapshot` and
    which carries `bombs` attachments of 73 KB that each inflate to 75 MB; `names(writer)`,
    when given, makes the catalog's /Names instead."""
    from pypdf.generic import NameObject

    from reports import keys, sign

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if names:
        writer.root_object[NameObject("/Names")] = names(writer)
    deflated = zlib.compress(bytes(75_000_000), 9)
    for i in range(bombs):
        stream = writer.add_attachment(f"{i:02d}.png", b"x").pdf_object["/EF"]["/F"].get_object()
        stream._data = deflated  # stored as it is, already deflated
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    if not names:
        writer.add_attachment("snapshot.json", snapshot)
    out = io.BytesIO()
    writer.write(out)
    return sign.sign(out.getvalue(), keys.load_or_create(home), "crafted")


def _bomb_snapshot(n: int) -> bytes:
    listed = [{"name": f"{i:02d}.png", "sha256": "0" * 64} for i in range(n)]
    snap = {"report": {"id": "RPT-BOMB"}, "attachments": listed, "signer": {"fingerprint": "x"}}
    return json.dumps(snap).encode()


def _run_watched(args: list[str], env: dict, cap: int) -> tuple[subprocess.CompletedProcess, int]:
    """The CLI in its own process, its resident memory sampled; killed past `cap` bytes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak, watched = 0, psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        if peak > cap:
            proc.kill()
        time.sleep(0.01)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode, out, err), peak


def test_verify_report_refuses_an_attachment_bomb_under_800_mb(home, tmp_path):
    """Issue 19: 64 attachments that inflate to 4.8 GB took 4.8 GB to check."""
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(_crafted_report(tmp_path / "signer", _bomb_snapshot(64), bombs=64))
    assert pdf.stat().st_size < 6_000_000
    env = {**os.environ, "REFUNDPROOF_HOME": str(home)}
    started = time.monotonic()
    run, peak = _run_watched(["verify-report", str(pdf)], env, cap=800 * 2**20)
    assert peak < 800 * 2**20, f"peak {peak / 2**20:.0f} MB"
    assert time.monotonic() - started < 60
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "解压炸弹" in run.stdout  # each one named, the rest in one line
    assert "其余 " in run.stdout


def test_verify_report_in_the_server_runs_in_a_capped_worker(home, tmp_path):
    from server.workers import Workers

    pdf = _crafted_report(tmp_path / "signer", _bomb_snapshot(8), bombs=8)
    workers = Workers()
    try:
        check = Service(home, runner=workers).check_report(pdf)
    finally:
        workers.close()
    assert not check.ok
    assert any("decompression bomb" in p.en for p in check.problems)
    assert 0 < workers.peak_rss < 800 * 2**20


def _deep_snapshot(tmp_path):
    return _crafted_report(tmp_path / "signer", b"[" * 200_000 + b"]" * 200_000)


def _unsigned(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _broken_signature(tmp_path):
    pdf = _crafted_report(tmp_path / "signer", _bomb_snapshot(0))
    at = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    return pdf[:at] + b"0" * 400 + pdf[at + 400 :]  # the CMS blob zeroed, same length


def _looping_name_tree(writer):
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    node = DictionaryObject()
    ref = writer._add_object(node)
    node[NameObject("/Kids")] = ArrayObject([ref])  # its own child
    return DictionaryObject({NameObject("/EmbeddedFiles"): ref})


def _self_reference(writer):
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject, NullObject

    ref = writer._add_object(NullObject())
    writer._objects[ref.idnum - 1] = IndirectObject(ref.idnum, 0, writer)  # "6 0 obj 6 0 R"
    return DictionaryObject({NameObject("/EmbeddedFiles"): ref})


BROKEN = {
    "not_a_pdf": lambda tmp_path: b"just text, not a report",
    "empty": lambda tmp_path: b"",
    "pdf_header_then_garbage": lambda tmp_path: b"%PDF-1.7\n" + bytes(range(256)) * 40,
    "unsigned": _unsigned,
    "cut_in_half": lambda tmp_path: _crafted_report(tmp_path / "s", _bomb_snapshot(0))[:3000],
    "broken_signature": _broken_signature,
    "deep_snapshot": _deep_snapshot,
    "looping_name_tree": lambda tmp_path: _crafted_report(tmp_path, b"", names=_looping_name_tree),
    "self_reference": lambda tmp_path: _crafted_report(tmp_path, b"", names=_self_reference),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", [*BROKEN, "missing", "folder", "bad_trust_file"])
def test_verify_report_answers_every_broken_input(tmp_path, kind, lang):
    """Issue 20: a clear sentence in the reader's language and a non-zero exit, never a
    traceback, whatever the file."""
    home = tmp_path / "reader"  # someone who never installed RefundProof's data folder
    pdf = tmp_path / "report.pdf"
    extra: list[str] = []
    if kind in BROKEN:
        pdf.write_bytes(BROKEN[kind](tmp_path))
    elif kind == "folder":
        pdf.mkdir()
    elif kind == "bad_trust_file":
        pdf.write_bytes(_unsigned(tmp_path))
        (tmp_path / "cert.pem").write_text("not a certificate")
        extra = ["--trust", str(tmp_path / "cert.pem")]
    env = {**os.environ, "REFUNDPROOF_HOME": str(home)}
    run = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-report", str(pdf), "--lang", lang, *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    said = run.stdout + run.stderr
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]{4}", said), said
        assert "核对失败" in said or "错误" in said
    else:
        assert "FAILED" in said or "error" in said
    if kind == "deep_snapshot":
        assert ("嵌套超过" if lang == "zh" else "nests more than") in said
    assert not home.exists()  # checking someone's report makes no data folder

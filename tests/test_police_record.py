"""The police record says what the evidence says (issue 20 item 4): a case with nothing strong
found is warned about and says so up front, the law section cites only what the findings
support, page 1 says who complains about what, raw headers ride in an attachment, and the
Chinese record is Chinese."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader

from reports import police
from server.demo import samples
from server.domain.cases import Source
from server.service import Service

from .test_report import flat, pdftotext

FACTS = {
    "platform": "拼多多",
    "order_id": "261123-084512345678",
    "refund_id": "SH202611230099",
    "amount": "86.50",
    "refund_requested_at": "2026-11-23T09:00:00+08:00",
}
HEADER_VALUE = "edge-7f3a-HEADER-ONLY-IN-ATTACHMENT"
# What may stay in ASCII in the Chinese record: names of products, formats, standards and
# tools, and commands a reader types. Ids, hashes, URLs and file names are removed first.
ALLOWED = {
    *("AI", "C2PA", "CAI", "Content", "Credentials", "Verify", "Gemini", "Made", "with"),
    *("RefundProof", "refundproof", "verify-report", "Doubao", "Pillow", "IJG", "OCR"),
    *("PDF", "PAdES", "Adobe", "Acrobat", "Reader", "poppler", "pdfsig", "pdfdetach", "saveall"),
    *("JPEG", "JSON", "Lines", "EXIF", "XMP", "XML", "com", "adobe", "xmp", "iTXt", "GB"),
    *("ReservedCode", "OffsetTimeOriginal", "UTC", "HTTP", "SHA-256", "App", "B"),
    *("figure-", "snapshot", "json", "pdf"),  # attachment names the text explains
    *("MB", "referenced"),  # a size unit; the snapshot field that names a video kept aside
    *("RFC", "Base64"),  # RFC 3161, the trusted time stamp standard a catalogue entry names
}


def _add(service: Service, case_id: str, name: str, data: bytes) -> None:
    """A photo as the extension sends it: fetched from the image server, headers and all."""
    source = Source(
        method="original_fetch",
        source_url=f"https://img.pddpic.com/refund/{name}",
        page_url="https://mms.pinduoduo.com/aftersales-ssr/detail?id=SH202611230099",
        fetched_at="2026-11-23T02:00:00+00:00",
        http_headers={"content-type": "image/jpeg", "x-cache-edge": HEADER_VALUE},
        file_name=name,
    )
    service.add_photo(case_id, data, "evidence", source)


def _record(service: Service, case_id: str) -> tuple[dict, bytes, str]:
    record = service.report(case_id, "police", "zh")
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    return record, pdf, pdftotext(pdf)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """In one data folder: the police record of a case where nothing is found and of one
    with an AI label, and a third case for the command line."""
    home = tmp_path_factory.mktemp("police-home")
    service = Service(home)
    service.change_settings(shop="好物小店")
    plain = service.create_case(FACTS)
    _add(service, plain["id"], "plain.jpg", samples.jpeg(samples.photo(640, 480, seed=31)))
    labelled = service.create_case({**FACTS, "order_id": "261124-000000000001", "refund_id": "SH2"})
    label = samples.png_text_chunk(
        "XML:com.adobe.xmp", samples.tc260_xmp(samples.DOUBAO_LABEL), "iTXt"
    )
    _add(service, labelled["id"], "ai.png", samples.png(samples.photo(640, 480, seed=32), [label]))
    cli = service.create_case({**FACTS, "order_id": "261125-000000000002", "refund_id": "SH3"})
    _add(service, cli["id"], "other.jpg", samples.jpeg(samples.photo(640, 480, seed=33)))
    made = {"plain": _record(service, plain["id"]), "labelled": _record(service, labelled["id"])}
    return service, made, cli["id"]


def _cli(home, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REFUNDPROOF_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "report", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def law_section(text: str) -> str:
    compact = flat(text)
    start = compact.index("九、相关法律依据")
    return compact[start : compact.index("十、完整性与核对方法", start)]


def test_cli_withholds_a_police_record_without_strong_evidence(cases):
    service, _, plain = cases
    # the default makes both: the appeal is made, the police record withheld with a warning
    run = _cli(service.home, "--case", plain)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "没有发现有力或确定性的证据" in run.stderr
    assert "--force" in run.stderr
    assert "Traceback" not in run.stderr
    assert [r["variant"] for r in service.list_reports(plain)] == ["appeal"]
    english = _cli(service.home, "--case", plain, "--variant", "police", "--lang", "en")
    assert english.returncode == 1
    assert "no strong or decisive evidence" in english.stderr
    assert [r["variant"] for r in service.list_reports(plain)] == ["appeal"]
    forced = _cli(service.home, "--case", plain, "--variant", "police", "--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted(r["variant"] for r in service.list_reports(plain)) == ["appeal", "police"]


def test_a_record_with_nothing_found_says_so_and_cites_no_fraud_or_label_law(cases):
    _, made, _ = cases
    _, _, text = made["plain"]
    page1 = flat(text.split("\f")[0])
    assert "没有发现有力或确定性的证据" in page1
    assert "不能作为报案的依据" in page1
    law = law_section(text)
    for cited in ("第二百六十六条", "治安管理处罚法", "第五十八条", "人工智能生成合成内容标识办法"):
        assert cited not in law, cited
    assert "GB45438" not in law
    assert "电子数据" in law  # what the record follows as good practice is still named


def test_a_labelled_case_cites_the_labelling_duty_and_fraud_law_quoted_right(cases):
    _, made, _ = cases
    _, _, text = made["labelled"]
    assert "不能作为报案的依据" not in flat(text)
    law = law_section(text)
    assert "《人工智能生成合成内容标识办法》" in law
    assert "GB45438-2025" in law
    assert "第二百六十六条" in law
    # DOMAIN.md §6: detention OR a fine up to ¥2,000
    assert "处五日以上十日以下拘留或者二千元以下罚款" in law
    assert "可以并处二千元" not in law
    assert "第十条" not in law  # no label was cut off or hidden


def _result(level: str, *findings: tuple[str, str, str]) -> dict:
    """A case result with one evidence photo holding (check, signal, strength) findings."""
    listed = [{"check": c, "signal": s, "strength": st, "data": {}} for c, s, st in findings]
    return {
        "case": {"verdict": {"level": level}},
        "photos": [{"role": "evidence", "findings": listed}],
    }


@pytest.mark.parametrize(
    "result,expected",
    [
        (_result("none", ("forensics", "no_region", "none")), (False, False, False)),
        (_result("counter", ("exif_context", "camera", "counter")), (False, False, False)),
        # an unsure label ('possibly AI') is a label: the duty, not fraud
        (
            _result("supporting", ("aigc_label", "gb45438_label", "supporting")),
            (False, True, False),
        ),
        (_result("strong", ("aigc_label", "gb45438_label", "strong")), (True, True, False)),
        (_result("strong", ("ai_metadata", "ai_software", "strong")), (True, False, False)),
        (_result("decisive", ("listing_match", "derived", "decisive")), (True, False, False)),
        # a mark cut off by the frame, read in part or known by its glyphs: art. 10 too
        (
            _result("supporting", ("visible_mark", "partial_visible_mark", "supporting")),
            (False, True, True),
        ),
        (
            _result("supporting", ("visible_mark", "cut_visible_mark", "supporting")),
            (False, True, True),
        ),
    ],
)
def test_the_law_cited_follows_the_findings(result, expected):
    basis = police.law_basis(result)
    assert (basis["fraud"], basis["label"], basis["label_removed"]) == expected


def test_page_one_says_who_complains_about_what_and_holds_no_raw_headers(cases):
    service, made, _ = cases
    _, pdf, text = made["labelled"]
    page1 = flat(text.split("\f")[0])
    for fact in ("好物小店", "拼多多", "261124-000000000001", "86.50", "2026-11-2309:00"):
        assert fact in page1, fact
    assert "有力证据" in page1  # what the evidence shows
    assert page1.index("报案事项") < page1.index("一、取证经过")
    assert HEADER_VALUE not in flat(text)
    assert "x-cache-edge" not in text
    assert "http-headers.json" in page1  # where they are instead
    files = {n: b[0] for n, b in PdfReader(io.BytesIO(pdf)).attachments.items()}
    (fetched,) = json.loads(files["http-headers.json"])
    assert fetched["http_headers"]["x-cache-edge"] == HEADER_VALUE
    assert service.check_report(pdf).ok  # the new attachment is listed and hashed


def test_how_each_photo_was_obtained_is_said_once_and_right(cases):
    _, made, _ = cases
    _, _, text = made["plain"]
    compact = flat(text)
    assert compact.count("浏览器扩展从平台图片地址下载的原始文件") == 1
    assert "不是通过浏览器扩展获取" not in compact
    assert "不是浏览器扩展从退款页面获取" not in compact
    section8 = compact[compact.index("八、页面截图") : compact.index("九、相关法律依据")]
    assert "图片由浏览器扩展从退款页面获取" in section8


def _without(text: str, value: str) -> str:
    """The text with a verbatim value taken out, wherever the layout broke its lines."""
    pattern = r"\s*".join(re.escape(c) for c in value if not c.isspace())
    return re.sub(pattern, " ", text)


def _verbatim(snapshot: dict) -> list[str]:
    """The values a record prints as they are (ids, hashes, addresses, file names, the
    certificate's own subject), longest first; the findings' data is not among them."""
    found: list[str] = []
    stack: list = [snapshot[k] for k in ("report", "signer", "photos", "attachments", "case")]
    stack.append(snapshot["audit_head"])
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += item.values()
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str) and len(item) > 1:
            found.append(item)
    return sorted(set(found), key=len, reverse=True)


@pytest.mark.parametrize("which", ["plain", "labelled"])
def test_the_chinese_record_has_no_english(cases, which):
    _, made, _ = cases
    _, pdf, text = made[which]
    snapshot = json.loads(PdfReader(io.BytesIO(pdf)).attachments["snapshot.json"][0])
    # and the commands it quotes: how to check a catalogue time stamp, how to fill the catalogue
    for value in [*_verbatim(snapshot), *police.QUOTED, "refundproof catalog add"]:
        text = _without(text, value)
    # codes the findings print (a content ID, a credit code): letters and digits, no words
    text = re.sub(r"\b(?=[A-Za-z]*\d)[A-Za-z0-9]{8,}\b", " ", text)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9-]*", text))
    leftover = sorted(words - ALLOWED)
    assert not leftover, leftover


# the panel: a focused page with the panel's own rendering code, no server


def _panel_clicks(level: str) -> tuple[str, list[dict]]:
    """Render a case at this level in the panel's code, click 下载报警材料, and return the
    status line and the messages sent to the background."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from .browser import CHROMIUM, EXTENSION

    result = {
        "case": {"id": "C1", "facts": {}, "verdict": {"level": level, "summary": "结论"}},
        "photos": [],
    }
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content('<div id="body"></div>')
            page.add_script_tag(path=str(EXTENSION / "content" / "render.js"))
            page.evaluate(
                """(result) => {
                  window.sent = [];
                  RP.send = async (msg) => { window.sent.push(msg); throw { zh: "停" }; };
                  const body = document.getElementById("body");
                  body.innerHTML = RP.caseHtml({ caseId: "C1", result, problems: [] });
                  RP.wireCase(body, "C1");
                }""",
                result,
            )
            page.click("button.report[data-variant=police]")
            status = page.text_content(".report-status") or ""
            sent = page.evaluate("window.sent")
            if page.locator("button.police-anyway").count():
                page.click("button.police-anyway")
                page.wait_for_function("window.sent.length > 0")
                sent = [{"asked_first": True}, *page.evaluate("window.sent")]
            return status, sent
        finally:
            browser.close()


def test_panel_asks_before_a_police_record_without_strong_evidence():
    status, sent = _panel_clicks("supporting")
    assert "不能作为报案的依据" in status
    assert sent[0] == {"asked_first": True}  # nothing was asked of the server before that
    assert sent[1]["type"] == "rp:report" and sent[1]["variant"] == "police"
    status, sent = _panel_clicks("strong")
    assert "不能作为报案的依据" not in status
    assert sent and sent[0]["variant"] == "police"  # straight away

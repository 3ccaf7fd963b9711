"""The case desk in real Chromium: opened from the real extension's popup against the real
server, searched, filtered, a case opened, its status moved 已申诉 → 申诉成功 on the desk and
on to 已报警 from the extension's panel, its evidence package and the CSV downloaded and
checked. Also takes the README's screenshots (docs/desk.png, docs/desk-case.png with
REFUNDPROOF_DOCS=1)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from server import pairing
from server.demo import samples
from server.settings import Config

from .browser import FixtureWeb, launch, pair, service_worker, wait_until
from .server_proc import ServerProcess

playwright_api = pytest.importorskip("playwright.sync_api")
# the screenshots: into docs/ for the README when asked (REFUNDPROOF_DOCS=1), else artifacts/
SHOTS = (
    Path(__file__).resolve().parents[1] / "docs"
    if os.environ.get("REFUNDPROOF_DOCS")
    else Path(__file__).parent / "artifacts"
)
ORDER = "4012345678901234567"
LABELLED = samples.png(
    samples.photo(640, 480, seed=4),
    [samples.png_text_chunk("XML:com.adobe.xmp", samples.tc260_xmp(samples.DOUBAO_LABEL), "iTXt")],
)
PLAIN = samples.jpeg(samples.photo(800, 600, seed=7))
LISTING_PICTURE = samples.product_shot(1200, 900, seed=1)
LISTING = samples.jpeg(LISTING_PICTURE)
# the seller's own listing photo with a painted crack, cropped: a finding with a figure
CRACK = samples.jpeg(
    samples.paint_damage(LISTING_PICTURE, (500, 300, 700, 500)).crop((100, 80, 1100, 830))
)
# a few more refunds, so the list looks like a shop's week (facts only, not verified)
MORE = [
    {"platform": "抖店", "order_id": "DY6930012", "buyer": "抖音用户_88", "amount": "59.00"},
    {"platform": "快手小店", "order_id": "KS2211903", "buyer": "快手_木木", "amount": "129.00"},
    {
        "platform": "淘宝/天猫",
        "order_id": "4012345678900000001",
        "buyer": "tb_王小二",
        "amount": "88.00",
    },
    {"platform": "京东", "refund_id": "AFS1188990011", "buyer": "jd_李", "amount": "349.00"},
]


def _upload(
    api: httpx.Client, case_id: str, data: bytes, name: str, role: str = "evidence"
) -> None:
    meta = {"role": role, "method": "upload", "file_name": name}
    r = api.post(
        f"/api/cases/{case_id}/photos",
        files={"file": (name, data)},
        data={"meta": json.dumps(meta)},
    )
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    home = tmp_path_factory.mktemp("desk") / "home"
    cfg = Config.load(home)
    cfg.tsa_urls = []  # the report below: no time-stamp service to wait for
    cfg.shop = "好物小店"
    cfg.save(home)
    server = ServerProcess(home).start()
    api = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {cfg.token}"}, timeout=120
    )
    ai = api.post(
        "/api/cases",
        json={"platform": "淘宝/天猫", "order_id": ORDER, "buyer": "tb_王小二", "amount": "199.00"},
    ).json()["id"]
    _upload(api, ai, LABELLED, "buyer-1.png")
    _upload(api, ai, CRACK, "buyer-2.jpg")
    _upload(api, ai, LISTING, "listing.jpg", role="listing")
    api.post(f"/api/cases/{ai}/verify").raise_for_status()
    api.post(f"/api/cases/{ai}/reports", json={"variant": "appeal"}).raise_for_status()
    plain = api.post(
        "/api/cases", json={"platform": "拼多多", "order_id": "PDD-250611-0042", "amount": "12.00"}
    ).json()["id"]
    _upload(api, plain, PLAIN, "buyer-2.jpg")
    api.post(f"/api/cases/{plain}/verify").raise_for_status()
    for facts in MORE:
        api.post("/api/cases", json=facts).raise_for_status()
    web = FixtureWeb({})
    with playwright_api.sync_playwright() as p:
        context = launch(p, tmp_path_factory.mktemp("profile"), web)
        worker = service_worker(context)
        ext = pair(context, server.url, pairing.new_code(home))
        yield {
            "home": home,
            "server": server,
            "api": api,
            "context": context,
            "worker": worker,
            "ext": ext,
            "ai": ai,
            "plain": plain,
        }
        context.close()
    web.stop()
    api.close()
    server.stop()


def _rows(page) -> list[str]:
    return page.eval_on_selector_all("#cases tr.case-row", "rows => rows.map(r => r.dataset.id)")


def _shown(page, hash_: str = "#/") -> None:
    """Wait until the desk has drawn this view. (Selectors, not wait_for_function: that
    evaluates strings, which the desk's policy forbids, as it should.)"""
    page.wait_for_selector(f"body[data-ready={json.dumps(hash_)}]")


def _search(page) -> None:
    """Submit the filter form and wait for the list it asks for."""
    before = page.url
    page.click("#search")
    page.wait_for_url(lambda url: url != before)
    _shown(page, "#" + page.url.split("#", 1)[1])


def test_the_desk_from_the_popup_to_the_package(desk, tmp_path):
    context, ai = desk["context"], desk["ai"]
    popup = context.new_page()
    popup.goto(f"chrome-extension://{desk['ext']}/popup.html")
    popup.wait_for_selector("#server .ok")
    with context.expect_page() as opened:
        popup.click("#desk")
    page = opened.value
    page.wait_for_url("**/desk**")
    _shown(page)
    assert page.title() == "RefundProof 案件台"
    assert len(_rows(page)) == 6
    assert "English" in page.text_content("#lang")  # Chinese first; English on request
    count = page.locator("#count")
    assert "共 6 条" in count.text_content()
    assert int(count.get_attribute("data-ms")) < 2000  # the whole round trip, in a browser
    # search: by order number, then by buyer (two refunds of one buyer)
    page.fill("#q", ORDER)
    _search(page)
    assert _rows(page) == [ai]
    page.fill("#q", "王小二")
    _search(page)
    assert len(_rows(page)) == 2
    # filters: platform, then the kind of evidence
    page.fill("#q", "")
    page.select_option("#f-platform", "拼多多")
    _search(page)
    assert _rows(page) == [desk["plain"]]
    page.select_option("#f-platform", "")
    page.select_option("#f-kind", "ai")
    _search(page)
    assert _rows(page) == [ai]
    page.select_option("#f-kind", "")
    # a date range in the seller's own days: today holds all six, the day before none
    page.fill("#f-since", time.strftime("%Y-%m-%d"))
    _search(page)
    assert len(_rows(page)) == 6
    assert page.input_value("#f-since") == time.strftime("%Y-%m-%d")
    page.fill("#f-since", "")
    page.fill("#f-until", time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400)))
    _search(page)
    assert _rows(page) == []
    page.fill("#f-until", "")
    page.fill("#f-amount-min", "100")
    page.select_option("#f-sort", "-amount")
    _search(page)
    amounts = page.eval_on_selector_all(
        "#cases tr.case-row td.num:nth-of-type(6)", "t => t.map(c => c.textContent)"
    )
    assert amounts == ["349.00", "199.00", "129.00"]
    # the case: facts, its photo with its badge (large on click), its report
    page.click(f"tr.case-row[data-id='{ai}']")
    _shown(page, f"#/case/{ai}")
    assert page.text_content("#case-id") == ai
    assert page.text_content("dd[data-fact=order_id]") == ORDER
    photo = page.locator(".photo").first
    assert photo.locator(".badge").text_content() == "AI标识"
    wait_until(
        lambda: page.eval_on_selector_all(
            "img.original", "all => all.every(i => i.complete && i.naturalWidth > 0)"
        ),
        15,
    )
    photo.locator("img.original").click()
    large = page.locator("#lightbox img")
    large.wait_for()
    assert large.bounding_box()["width"] > photo.locator("img.original").bounding_box()["width"]
    page.click("#lightbox")
    # a finding's figure (the edit outlined on the aligned listing photo), large on click
    figure = page.locator("img.figure").first
    wait_until(lambda: figure.evaluate("i => i.complete && i.naturalWidth > 0"), 15)
    figure.click()
    large.wait_for()
    assert large.bounding_box()["width"] > figure.bounding_box()["width"] * 2
    page.click("#lightbox")
    assert [b.text_content() for b in page.locator(".photo .badge").all()] == [
        "AI标识",
        "改自商品图",
        "商品图",
    ]
    assert page.locator(".report-pdf").count() == 1
    with page.expect_download() as got:  # the PDF again, under a name that says what it is
        page.click(".report-pdf")
    assert got.value.suggested_filename.startswith(f"RefundProof-appeal-taobao-{ORDER}-RPT")
    assert Path(got.value.path()).read_bytes().startswith(b"%PDF")
    assert page.locator(".appeal-image").count() >= 1
    # what happened next: 已申诉 with the platform's appeal id, then 申诉成功
    page.select_option("#status-select", "appealed")
    page.fill("#appeal-id", "AP-20261125-01")
    page.click("#save-status")
    page.wait_for_selector("#status-saved:has-text('已保存')")
    assert "已申诉" in page.text_content("h2 .status")
    page.select_option("#status-select", "appeal_won")
    page.fill("#status-note", "平台支持卖家")
    page.click("#save-status")
    page.wait_for_selector("h2 .status:has-text('申诉成功')")
    status = desk["api"].get(f"/api/cases/{ai}").json()["status"]
    assert (status["value"], status["appeal_id"], status["note"]) == (
        "appeal_won",
        "AP-20261125-01",
        "平台支持卖家",
    )
    assert status["appealed_at"] == time.strftime("%Y-%m-%d")  # not given: the day it was set
    assert page.input_value("input[name=appealed_at]") == status["appealed_at"]
    history = page.text_content("#history")
    assert "待处理 → 已申诉" in history and "已申诉 → 申诉成功" in history
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "desk-case.png"), full_page=True)
    # the evidence package: every file is what its manifest says
    with page.expect_download(timeout=60000) as got:
        page.click("#package")
    assert got.value.suggested_filename.startswith(f"RefundProof-taobao-{ORDER}-")
    archive = tmp_path / got.value.suggested_filename
    got.value.save_as(archive)
    zf = zipfile.ZipFile(archive)
    manifest = dict(
        reversed(line.split("  ", 1))
        for line in zf.read("manifest-sha256.txt").decode().splitlines()
    )
    assert set(manifest) == set(zf.namelist()) - {"manifest-sha256.txt", "README.txt"}
    for name, sha in manifest.items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == sha
    assert f"originals/{hashlib.sha256(LABELLED).hexdigest()}.png" in manifest
    assert any(n.endswith("/report.pdf") for n in manifest)
    assert json.loads(zf.read("case.json"))["case"]["status"]["value"] == "appeal_won"
    # the CSV of the list as filtered: only the won appeal
    page.goto(page.url.split("#")[0] + "#/?status=appeal_won")
    _shown(page, "#/?status=appeal_won")
    assert _rows(page) == [ai]
    with page.expect_download() as got:
        page.click("#csv")
    data = Path(got.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["案件编号"], r["状态"], r["平台申诉单号"]) for r in rows] == [
        (ai, "申诉成功", "AP-20261125-01")
    ]
    # the numbers
    page.click("#nav-numbers")
    _shown(page, "#/numbers")
    assert "tb_王小二" in page.text_content("#repeat")
    # for the README: the list as a seller sees it
    page.goto(page.url.split("#")[0] + "#/")
    _shown(page)
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 560})
    page.screenshot(path=str(SHOTS / "desk.png"))
    page.close()


def test_the_panel_sets_the_status_too(desk):
    """The side panel (the same renderer as the in-page panel) of a tab that verified the
    case: its status control shows what the desk set and moves it on to 已报警."""
    context, worker, plain = desk["context"], desk["worker"], desk["plain"]
    tab_id = 4242  # the tab the case was verified in, as the background remembers it
    worker.evaluate(f"chrome.storage.session.set({{'case:{tab_id}': {json.dumps(plain)}}})")
    desk["api"].patch(f"/api/cases/{plain}", json={"status": "申诉失败"}).raise_for_status()
    side = context.new_page()
    side.goto(f"chrome-extension://{desk['ext']}/sidepanel.html?tab={tab_id}")
    side.wait_for_selector(".case-status-box")
    wait_until(lambda: side.input_value("select.case-status") == "appeal_lost", 15)
    side.select_option("select.case-status", "police")
    side.fill("input.case-status-number", "110-2026-0042")
    side.click("button.case-status-save")
    side.wait_for_selector(".case-status-said:has-text('已保存')")
    status = desk["api"].get(f"/api/cases/{plain}").json()["status"]
    assert (status["value"], status["police_receipt"], status["appeal_outcome"]) == (
        "police",
        "110-2026-0042",
        "lost",
    )
    side.close()


def test_without_the_token_or_a_link_nothing_opens(desk):
    url, ai = desk["server"].url, desk["ai"]
    for path in ("/desk", f"/api/cases/{ai}/package", "/api/desk/cases.csv"):
        assert httpx.get(url + path).status_code == 401, path
    foreign = {"Origin": "https://evil.example", "Cookie": "rp_desk=9999999999.forged"}
    assert httpx.get(f"{url}/api/cases/{ai}/package", headers=foreign).status_code == 403
    # a link works once: the browser that opens it a second time is turned away
    path = desk["api"].post("/api/desk/link").json()["path"]
    page = desk["context"].new_page()
    assert page.goto(url + path).status == 200
    page.wait_for_url("**/desk")
    _shown(page)
    page.goto(url + "/desk?lang=en")  # English by the language setting
    _shown(page)
    assert page.title() == "RefundProof case desk"
    assert "Search (order, refund, buyer, any text)" in page.text_content("#filters")
    assert "待处理" not in page.text_content("#cases")
    again = page.goto(url + path)
    assert again.status == 403
    assert "只能用一次" in page.text_content("body")
    page.close()


def test_the_desk_opens_in_the_extensions_language(desk):
    context, worker = desk["context"], desk["worker"]
    worker.evaluate("chrome.storage.local.set({lang: 'en'})")
    try:
        popup = context.new_page()
        popup.goto(f"chrome-extension://{desk['ext']}/popup.html")
        popup.wait_for_selector("#server .ok")
        assert popup.text_content("#desk") == "Case desk"
        with context.expect_page() as opened:
            popup.click("#desk")
        page = opened.value
        page.wait_for_url("**/desk?lang=en")
        _shown(page)
        assert page.title() == "RefundProof case desk"
        assert "Cases" in page.text_content("header nav")
        assert "案件" not in page.text_content("#filters")
        page.close()
    finally:
        worker.evaluate("chrome.storage.local.set({lang: 'zh'})")
    # back in Chinese: the extension's setting wins over what the page remembers
    popup = context.new_page()
    popup.goto(f"chrome-extension://{desk['ext']}/popup.html")
    popup.wait_for_selector("#server .ok")
    with context.expect_page() as opened:
        popup.click("#desk")
    page = opened.value
    page.wait_for_url("**/desk?lang=zh")
    _shown(page)
    assert page.title() == "RefundProof 案件台"
    page.close()


def test_a_refund_video_plays_on_the_desk_with_its_own_badge(desk):
    """A video is shown in a player that loads it (its type and the page's policy allow it),
    and an AI label found in it gets its own badge, not "可疑"."""
    from . import video_util

    api = desk["api"]
    label = {"AIGC": json.dumps(video_util.KLING_LABEL)}
    clip = video_util.encode(video_util.frames(6, (160, 120)), metadata=label)
    case_id = api.post("/api/cases", json={"platform": "抖店", "order_id": "DY-VIDEO-1"}).json()[
        "id"
    ]
    _upload(api, case_id, clip, "crab.mp4")
    api.post(f"/api/cases/{case_id}/verify").raise_for_status()
    page = desk["context"].new_page()
    page.goto(desk["server"].url + api.post("/api/desk/link").json()["path"])
    _shown(page)  # signed in: the list is drawn (the link's page has moved on to it)
    page.goto(f"{desk['server'].url}/desk#/case/{case_id}")
    _shown(page, f"#/case/{case_id}")
    assert page.locator(".photo img.original").count() == 0
    wait_until(lambda: page.eval_on_selector("video.original", "v => v.readyState") >= 1)
    assert page.eval_on_selector("video.original", "v => v.videoWidth") == 160
    assert page.text_content(".photo .badge") == "AI标识"
    page.close()

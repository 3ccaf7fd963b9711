"""The extension fills the shop catalogue: the 加入商品图库 button on a product page adds its
main, SKU and (lazy) detail pictures at original size, a refund page's listing photo joins
too, and a later refund photo derived from any of them is found. Real Chromium with the
real extension, against the real server on a loopback port."""

from __future__ import annotations

import hashlib
import io

import httpx
import pytest
from PIL import Image

from server import pairing
from server.demo import copies
from server.service import Service
from server.settings import Config

from .browser import PAGES, FixtureWeb, launch, pair
from .pixels_util import jpeg
from .server_proc import ServerProcess
from .test_extension import BADGES, _images

playwright_api = pytest.importorskip("playwright.sync_api")

ITEM = "https://item.taobao.com/item.htm?id=701234567890"
CDN = "https://img.alicdn.com/imgextra/i1/77"
# 淘宝's current item page as public scrapers show it: a gallery of thumbnails, SKU values
# with their colour pictures, and detail images that load only when scrolled to (the real
# address in data-src, a 1-pixel gif in src).
PRODUCT_PAGE = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>保温杯-淘宝网</title>
<h1>真空保温杯 500ml</h1>
<div class="picGallery--Ab12"><ul>
<li><img class="thumbnailPic--x1" src="{CDN}/O1CN01goodsmain1.jpg_60x60q50.jpg"></li>
<li><img class="thumbnailPic--x1" src="{CDN}/O1CN01goodsmain2.jpg_60x60q50.jpg"></li></ul></div>
<div class="skuItem--y"><div class="valueItem--z" data-vid="1"><img class="valueItemImg--q" src="{CDN}/O1CN01goodsred.jpg_40x40.jpg"><span>红色</span></div>
<div class="valueItem--z" data-vid="2"><img class="valueItemImg--q" src="{CDN}/O1CN01goodsblue.jpg_40x40.jpg"><span>蓝色</span></div></div>
<div style="height:1500px">商品详情</div>
<div class="descV8-container"><div class="descV8-singleImage"><img class="descV8-singleImage-image" src="https://g.alicdn.com/s.gif" data-src="{CDN}/O1CN01goodsdetail.jpg"></div></div>
</html>""".encode()


def _pictures() -> dict[str, tuple[bytes, str]]:
    red = copies.listing(103)
    return {
        "goodsmain1": (jpeg(copies.listing(101), 92), "image/jpeg"),
        "goodsmain2": (jpeg(copies.listing(102), 92), "image/jpeg"),
        "goodsred": (jpeg(red, 92), "image/jpeg"),
        "goodsblue": (jpeg(copies.recoloured(red, 85), 92), "image/jpeg"),
        "goodsdetail": (jpeg(copies.detail_page(7), 90), "image/jpeg"),
        "s.gif": (b"GIF89a", "image/gif"),
        **_images(),
    }


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    home = tmp_path_factory.mktemp("ext-catalog") / "home"
    Service(home).change_settings(tsa_urls=[])  # no time-stamp service asked from a test
    server = ServerProcess(home).start()
    pictures = _pictures()
    web = FixtureWeb(pictures, {"/item.htm": PRODUCT_PAGE})
    with playwright_api.sync_playwright() as p:
        context = launch(p, tmp_path_factory.mktemp("profile"), web)
        pair(context, server.url, pairing.new_code(home))
        token = Config.load(home).token
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as api:
            yield {"context": context, "api": api, "pictures": pictures, "web": web}
        context.close()
    web.stop()
    server.stop()


def _verify(api: httpx.Client, *photos: bytes) -> list[dict]:
    """A later refund: a new case with these photos, verified; each photo's catalogue finding."""
    case = api.post(
        "/api/cases",
        json={"platform": "淘宝/天猫", "refund_id": f"R{len(photos)}{photos[0][-8:].hex()}"},
    ).json()
    for i, data in enumerate(photos):
        files = {"file": (f"p{i}.jpg", data)}
        assert api.post(
            f"/api/cases/{case['id']}/photos", files=files, data={"meta": '{"role": "evidence"}'}
        ).status_code in (200, 201)
    result = api.post(f"/api/cases/{case['id']}/verify").json()
    return [
        next(f for f in p["findings"] if f["check"] == "catalog_match") for p in result["photos"]
    ]


def test_the_product_page_button_adds_every_picture_at_original_size(rig):
    page = rig["context"].new_page()
    page.goto(ITEM)
    page.click("#refundproof-catalog")
    note = page.locator("#refundproof-catalog-note.ok")
    note.wait_for(timeout=90000)
    page.wait_for_function(
        "document.querySelector('#refundproof-catalog-note').textContent.includes('已加入商品图库 5 张')",
        timeout=90000,
    )
    entries = rig["api"].get("/api/catalog").json()["entries"]
    by_name = {e["origin"]["file_name"]: e for e in entries}
    for key in ("goodsmain1", "goodsmain2", "goodsred", "goodsblue", "goodsdetail"):
        entry = by_name[f"O1CN01{key}.jpg"]
        assert entry["sha256"] == hashlib.sha256(rig["pictures"][key][0]).hexdigest()
        assert entry["origin"]["page_url"] == ITEM
        assert entry["origin"]["image_url"] == f"{CDN}/O1CN01{key}.jpg"  # the original
        assert entry["origin"]["method"] == "extension_product_page"
    assert by_name["O1CN01goodsred.jpg"]["origin"]["sku"] == "红色"
    assert "详情图" in by_name["O1CN01goodsdetail.jpg"]["origin"]["title"]
    assert page.evaluate("scrollY") == 0  # the page is left where the seller had it
    # pressed again: nothing new
    page.click("#refundproof-catalog")
    page.wait_for_function(
        "document.querySelector('#refundproof-catalog-note').textContent.includes('5 张已在图库中')",
        timeout=90000,
    )
    page.close()
    # a later refund photo cut out of the detail image, and one of the blue variant, each edited
    cut = copies.painted(copies.cut_from(copies.detail_page(7), 2), share=0.05)
    blue = copies.painted(copies.recoloured(copies.listing(103), 85), share=0.05).rotate(4)
    found = _verify(rig["api"], jpeg(cut, 85), jpeg(blue, 85))
    assert [f["signal"] for f in found] == ["derived_from_catalog"] * 2, found
    names = [f["data"]["catalog_entry"]["origin"]["image_url"] for f in found]
    assert names == [f"{CDN}/O1CN01goodsdetail.jpg", f"{CDN}/O1CN01goodsblue.jpg"]


def test_a_refund_pages_listing_photo_joins_the_catalogue(rig):
    page = rig["context"].new_page()
    page.goto(PAGES["taobao"])
    page.click("#refundproof-verify")
    page.wait_for_function(f"{BADGES} >= 4", timeout=90000)
    page.close()
    listing = hashlib.sha256(rig["pictures"]["listing"][0]).hexdigest()
    entries = {e["sha256"]: e for e in rig["api"].get("/api/catalog").json()["entries"]}
    assert listing in entries
    origin = entries[listing]["origin"]
    assert origin["method"] == "extension_refund_page"
    assert origin["page_url"].startswith(PAGES["taobao"].split("?")[0])
    assert "_400x400" not in origin["image_url"]
    # a later refund photo made from that listing photo is found in the catalogue
    later = copies.painted(copies.crop_share(_listing(), 0.5))
    (finding,) = _verify(rig["api"], jpeg(later, 85))
    assert finding["signal"] == "derived_from_catalog", finding
    assert finding["data"]["catalog_entry"]["sha256"] == listing


def _listing() -> Image.Image:
    return Image.open(io.BytesIO(_images()["listing"][0])).convert("RGB")


def test_the_button_and_its_note_follow_the_sellers_language(rig):
    rig["context"].service_workers[0].evaluate("() => chrome.storage.local.set({lang: 'en'})")
    try:
        page = rig["context"].new_page()
        page.goto(ITEM)
        button = page.locator("#refundproof-catalog")
        page.wait_for_function(
            "document.querySelector('#refundproof-catalog')?.textContent === 'Add to catalogue'"
        )
        button.click()
        page.wait_for_function(
            "document.querySelector('#refundproof-catalog-note')?.textContent"
            ".includes('already in it')",
            timeout=90000,
        )
        note = page.locator("#refundproof-catalog-note")
        text = note.text_content() or ""
        assert "5 already in it" in text, text
        assert not any("\u4e00" <= c <= "\u9fff" for c in text), text  # no Chinese in English
        assert note.evaluate("(e) => getComputedStyle(e).whiteSpace") == "pre-line"
        page.close()
    finally:
        rig["context"].service_workers[0].evaluate("() => chrome.storage.local.set({lang: 'zh'})")


def test_tmall_hk_item_pages_are_product_pages(rig):
    """The product-page table in a plain page: 天猫国际's host and path are recognised."""
    from .browser import EXTENSION

    page = rig["context"].new_page()
    page.set_content("<p>item</p>")
    page.evaluate("() => { globalThis.RP = {}; }")
    page.add_script_tag(path=str(EXTENSION / "content" / "catalog.js"))
    which = page.evaluate(
        """(urls) => urls.map((u) => { const l = new URL(u);
             return RP.PRODUCT_PAGES.find((p) => p.host.test(l.hostname)
               && p.path.test(l.pathname))?.id || null; })""",
        [
            "https://detail.tmall.hk/hk/item.htm?id=1",
            "https://detail.tmall.com/item.htm?id=1",
            "https://item.taobao.com/item.htm?id=1",
            "https://detail.tmall.hk.evil.com/item.htm?id=1",
        ],
    )
    page.close()
    assert which == ["taobao", "taobao", "taobao", None]

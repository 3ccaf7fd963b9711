"""The extension on a refund page with a buyer's video: the page sends descriptors, the
background fetches the original video, hashes and uploads it, the server checks it as a video,
and both reports download straight from the server (real Chromium, real extension, real
server on loopback, the console page over HTTPS through the fixture proxy)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from server import pairing
from server.demo import samples
from server.settings import Config

from . import video_util as v
from .browser import FixtureWeb, launch, pair, service_worker, wait_download
from .server_proc import ServerProcess, seller_home

playwright_api = pytest.importorskip("playwright.sync_api")

PAGE = "https://refund2.taobao.com/refund/video.htm?disputeId=RF-VIDEO-1"
VIDEO_URL = "https://cloud.video.taobao.com/play/u/2201/p/1/e/6/t/1/kling-crab.mp4"
REFUND_PAGE = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>退款详情</title>
<div><span>退款编号</span><span>RF-VIDEO-1</span></div>
<div><span>订单编号</span><span>4012345678900000001</span></div>
<div><span>退款金额</span><span>¥88.00</span></div>
<div>买家凭证</div>
<div><img src="https://img.alicdn.com/imgextra/i1/2201/O1CN01plain.jpg" width="200" height="150">
<video controls width="320" height="240"><source src="{VIDEO_URL}" type="video/mp4"></video></div>
</html>""".encode()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    home = seller_home(tmp_path_factory.mktemp("ext-video") / "home")
    server = ServerProcess(home).start()
    video = v.encode(
        v.with_mark(v.frames(22, (320, 240))),
        metadata={"AIGC": json.dumps(v.KLING_LABEL)},
        sei=v.sei_nal(v.KLING_UUID, b"kling-ai"),
    )
    media = {
        "kling-crab": (video, "video/mp4"),
        "plain": (samples.jpeg(samples.photo(640, 480, seed=7)), "image/jpeg"),
    }
    web = FixtureWeb(media, {"/refund/video.htm": REFUND_PAGE})
    with playwright_api.sync_playwright() as p:
        context = launch(p, tmp_path_factory.mktemp("profile"), web)
        worker = service_worker(context)
        pair(context, server.url, pairing.new_code(home))
        yield {"home": home, "server": server, "context": context, "worker": worker, "video": video}
        context.close()
    web.stop()
    server.stop()


def _case(rig, case_id: str) -> dict:
    token = Config.load(rig["home"]).token
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=rig["server"].url, headers=headers, timeout=30) as api:
        return api.get(f"/api/cases/{case_id}").json()


def test_a_refund_video_is_fetched_by_the_background_checked_and_reported(rig):
    page = rig["context"].new_page()
    page.goto(PAGE)
    page.click("#refundproof-verify")
    page.wait_for_function(
        "document.querySelectorAll('.refundproof-badge').length >= 2", timeout=90000
    )
    panel = page.locator("#refundproof-root")
    case = _case(rig, panel.locator(".case-id").text_content())
    (video,) = [p for p in case["photos"] if p["media"] == "video"]
    assert video["sha256"] == hashlib.sha256(rig["video"]).hexdigest()
    assert (video["format"], video["role"]) == ("MP4", "evidence")
    assert video["source"]["method"] == "original_fetch"
    assert video["source"]["source_url"] == VIDEO_URL
    assert video["source"]["http_headers"]["content-type"] == "video/mp4"
    row = panel.locator(f".photo[data-sha='{video['sha256']}']")
    assert row.locator("video.thumb").count() == 1
    assert "AI" in row.locator(".tag").text_content()
    assert "kling_sei" in row.inner_html() and "gb45438_label" in row.inner_html()
    # the reports come straight from the server through the browser's downloads
    panel.locator("button.report[data-variant=police]").click()
    police = wait_download(rig["worker"], timeout=90)
    pdf = Path(police["filename"]).read_bytes()
    files = {n: b[0] for n, b in PdfReader(io.BytesIO(pdf)).attachments.items()}
    assert files[f"{video['sha256']}.mp4"] == rig["video"]
    checked = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-report", police["filename"]],
        capture_output=True,
        text=True,
        env={"REFUNDPROOF_HOME": str(rig["home"]), "PATH": "/usr/bin:/bin"},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    panel.locator("button.report[data-variant=appeal]").click()
    appeal = wait_download(rig["worker"], after=police["id"], timeout=90)
    assert Path(appeal["filename"]).read_bytes().startswith(b"%PDF")
    page.close()

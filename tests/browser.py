"""Real Chromium (Debian's package) with the real extension, driven by Playwright, and a
fixture web server that plays the consoles and their image CDNs (as the browser's proxy)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXTENSION = Path(__file__).resolve().parents[1] / "extension"
CONSOLES = Path(__file__).parent / "fixtures" / "consoles"

# console -> (page URL, fixture file). Hosts and paths as on the real consoles.
PAGES = {
    "taobao": "http://refund2.taobao.com/dispute/detail.htm?disputeId=1",
    "pinduoduo": "http://mms.pinduoduo.com/aftersales/detail?id=1",
    "jd": "http://shop.jd.com/afs/detail?id=1",
    "douyin": "http://fxg.jinritemai.com/ffa/aftersale/detail?id=1",
    "kuaishou": "http://s.kwaixiaodian.com/zone/refund/detail?id=1",
    "weixin": "http://store.weixin.qq.com/shop/aftersale/detail?id=1",
}


class FixtureWeb:
    """Answers proxied requests (absolute URLs) and direct ones on 127.0.0.1: the console
    pages by host, images by the keyword in their path (label, crack, plain, listing)."""

    def __init__(self, images: dict[str, tuple[bytes, str]], extra: dict[str, bytes] | None = None):
        self.images = images
        self.extra = extra or {}
        self.requests: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = (
                    self.path if "://" in self.path else f"http://{self.headers['Host']}{self.path}"
                )
                web.requests.append(url)
                body, kind = web.answer(url)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, url: str) -> tuple[bytes | None, str]:
        parts = urlsplit(url)
        for name, page in PAGES.items():
            if urlsplit(page).hostname == parts.hostname and parts.path == urlsplit(page).path:
                return (CONSOLES / f"{name}.html").read_bytes(), "text/html; charset=utf-8"
        if parts.path in self.extra:
            return self.extra[parts.path], "text/html; charset=utf-8"
        for key, (data, kind) in self.images.items():
            if key in parts.path:
                return data, kind
        return None, "text/plain"

    def stop(self) -> None:
        self.server.shutdown()


def launch(playwright, profile: Path, proxy_port: int):
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            f"--disable-extensions-except={EXTENSION}",
            f"--load-extension={EXTENSION}",
            f"--proxy-server=http://127.0.0.1:{proxy_port}",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
        viewport={"width": 1400, "height": 1000},
        accept_downloads=True,
    )


def service_worker(context):
    workers = context.service_workers
    return workers[0] if workers else context.wait_for_event("serviceworker", timeout=15000)


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")

"""Real Chromium (Debian's package) with the real extension, driven by Playwright, and a
fixture web server that plays the consoles and their image CDNs as the browser's proxy.

The consoles are HTTPS (and 抖店's host is HSTS-preloaded in Chromium), so the proxy answers
CONNECT and terminates TLS itself, with a certificate per host from a test CA; Chromium is
told to accept that one test key (by its SPKI hash) and nothing else."""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import re
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXTENSION = Path(__file__).resolve().parents[1] / "extension"
CONSOLES = Path(__file__).parent / "fixtures" / "consoles"

# console -> its refund detail's address, as on the real consoles (../shared/CONSOLES.md).
PAGES = {
    "taobao": "https://refund2.taobao.com/dispute/detail.htm"
    "?bizOrderId=4012345678901234567&disputeId=RF2026112300017&type=1",
    "pinduoduo": "https://mms.pinduoduo.com/aftersales-ssr/detail"
    "?id=SH202611230099&orderSn=261123-084512345678",
    "jd": "https://shop.jd.com/jdm/trade/after-sale/independent-after-sale/detail"
    "?afsServiceId=AFS1188990011",
    "douyin": "https://fxg.jinritemai.com/ffa/maftersale/aftersale/detail-v3?aftersale_id=DY77665544",
    "kuaishou": "https://s.kwaixiaodian.com/zone/refund/detail?refundId=KS2026112300088",
    "weixin": "https://store.weixin.qq.com/shop/aftersale/detail?afterSaleOrderId=WX300012345",
}
# (host, path) -> fixture file, for pages that are not a console's first page (京麦's iframe)
FRAMES = {("shop.jd.com", "/jdm/micro/afs/detail-frame.html"): "jd-frame.html"}
# What the fixture server sends for an address: bytes and a content type, or None (404).
Answer = tuple[bytes | None, str]


def _signed_urls() -> set[str]:
    """The signed image addresses the fixture pages issue (抖店's x-signature URLs): the
    image server answers these exactly and refuses any other form of them, as a signing CDN
    does."""
    found: set[str] = set()
    for page in CONSOLES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        found.update(
            html.unescape(u) for u in re.findall(r'src="(https://[^"]*-sign\.[^"]*)"', text)
        )
    return found


class TestCA:
    """A root and one leaf key; a certificate for each host on demand, signed by the root."""

    def __init__(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        self._root_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RefundProof fixture CA")])
        self.root = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self._root_key, hashes.SHA256())
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        self._folder = Path(tempfile.mkdtemp(prefix="rp-ca-"))
        self._key_file = self._folder / "leaf.key"
        self._key_file.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def spki_sha256(self) -> str:
        """What --ignore-certificate-errors-spki-list takes: base64 SHA-256 of the leaf SPKI."""
        spki = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def context(self, host: str) -> ssl.SSLContext:
        with self._lock:
            if host not in self._contexts:
                chain = self._folder / f"{hashlib.sha256(host.encode()).hexdigest()[:16]}.pem"
                chain.write_bytes(
                    self._leaf(host) + self.root.public_bytes(serialization.Encoding.PEM)
                )
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(chain, self._key_file)
                self._contexts[host] = ctx
            return self._contexts[host]

    def _leaf(self, host: str) -> bytes:
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.root.subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(self._root_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)


class FixtureWeb:
    """Answers proxied requests (absolute http URLs, and https through CONNECT with TLS
    terminated here) and direct ones on 127.0.0.1: the console pages by address, images by
    the keyword in their path (label, crack, plain, listing); signed image addresses only as
    issued. `extra` maps a path to a page, or to a function of the full URL."""

    def __init__(
        self,
        images: dict[str, tuple[bytes, str]],
        extra: dict[str, bytes | Callable[[str], Answer]] | None = None,
    ):
        self.images = images
        self.extra = extra or {}
        self.signed = _signed_urls()
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.ca = TestCA()
        web = self

        class Handler(BaseHTTPRequestHandler):
            scheme = "http"

            def do_GET(self) -> None:
                url = (
                    self.path
                    if "://" in self.path
                    else f"{self.scheme}://{self.headers['Host']}{self.path}"
                )
                web.requests.append(url)
                body, kind = web.answer(url)
                status = 200 if body is not None else 404
                if kind == "refused":
                    status, body, kind = 403, b"signature mismatch", "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body or b"")))
                if self.headers.get("Origin"):  # the consoles' own API calls are cross-origin
                    self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
                    self.send_header("Access-Control-Allow-Credentials", "true")
                self.end_headers()
                self.wfile.write(body or b"")

            def do_CONNECT(self) -> None:
                host = self.path.rsplit(":", 1)[0]
                self.send_response(200, "Connection Established")
                self.end_headers()
                try:
                    tls = web.ca.context(host).wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                TlsHandler(tls, self.client_address, self.server)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        class TlsHandler(Handler):
            scheme = "https"

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, url: str) -> Answer:
        parts = urlsplit(url)
        for name, page in PAGES.items():
            if urlsplit(page).hostname == parts.hostname and parts.path == urlsplit(page).path:
                return (CONSOLES / f"{name}.html").read_bytes(), "text/html; charset=utf-8"
        frame = FRAMES.get((parts.hostname or "", parts.path))
        if frame:
            return (CONSOLES / frame).read_bytes(), "text/html; charset=utf-8"
        if parts.path in self.extra:
            page_or_call = self.extra[parts.path]
            if callable(page_or_call):
                return page_or_call(url)
            return page_or_call, "text/html; charset=utf-8"
        if "-sign." in (parts.hostname or "") and url not in self.signed:
            self.refused.append(url)
            return None, "refused"
        for key, (data, kind) in self.images.items():
            if key in parts.path:
                return data, kind
        return None, "text/plain"

    def stop(self) -> None:
        self.server.shutdown()


def launch(playwright, profile: Path, web: FixtureWeb):
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            f"--disable-extensions-except={EXTENSION}",
            f"--load-extension={EXTENSION}",
            f"--proxy-server=http://127.0.0.1:{web.port}",
            f"--ignore-certificate-errors-spki-list={web.ca.spki_sha256}",
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


def pair(context, server_url: str, code: str) -> str:
    """Pair the loaded extension with the server as a seller does on its options page (the
    server's address, then the code); the extension's id."""
    ext = service_worker(context).url.split("/")[2]
    page = context.new_page()
    page.goto(f"chrome-extension://{ext}/options.html")
    page.fill("#server", server_url)
    page.click("#save")
    page.fill("#code", code)
    page.click("#pair")
    page.wait_for_selector("#status.ok")
    page.close()
    return ext


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def wait_download(worker, after: int = 0, timeout: float = 60.0) -> dict:
    """The first download with an id above `after` once it is complete: the extension saves
    reports through chrome.downloads, straight from the server, which Playwright's page
    events do not see. Its `filename` is where the browser put the file, `url` what it
    fetched."""
    import json
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        items = json.loads(
            worker.evaluate("chrome.downloads.search({}).then((x) => JSON.stringify(x))")
        )
        done = [i for i in items if i["id"] > after and i["state"] in ("complete", "interrupted")]
        if done:
            item = min(done, key=lambda i: i["id"])
            assert item["state"] == "complete", item
            return item
        time.sleep(0.2)
    raise AssertionError("no download finished")

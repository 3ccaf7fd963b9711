"""RFC 3161 timestamps on report signatures, against a real HTTP TSA on loopback."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

from server.demo import samples
from server.domain.cases import Source
from server.service import Service
from server.settings import Config

from .server_proc import free_port, run_cli


def _tsa_stamper() -> DummyTimeStamper:
    key = rsa.generate_private_key(65537, 2048)  # pyHanko's test TSA signs with RSA only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC) - timedelta(minutes=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
    )


@pytest.fixture
def tsa_url():
    stamper = _tsa_stamper()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(req).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()


def _case(service: Service) -> str:
    c = service.create_case({"order_id": "42"})
    service.add_photo(c["id"], samples.png(samples.photo(64, 48)), "evidence", Source())
    return c["id"]


def test_report_carries_an_rfc3161_timestamp(home, tsa_url):
    cfg = Config.load(home)
    dead = f"http://127.0.0.1:{free_port()}/tsa"
    cfg.tsa_urls = [dead, tsa_url]  # the first that answers is used
    cfg.save(home)
    service = Service(home)
    record = service.report(_case(service), "police")
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    check = service.check_report(pdf)
    assert check.ok
    assert check.timestamp
    assert abs(datetime.fromisoformat(check.timestamp) - datetime.now(UTC)) < timedelta(minutes=5)
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True).stdout
    assert b"RFC 3161" in text
    assert tsa_url.encode() in text


def test_when_no_service_answers_the_report_says_it_used_the_local_clock(home):
    cfg = Config.load(home)
    dead = f"http://127.0.0.1:{free_port()}/tsa"
    cfg.tsa_urls = [dead]
    cfg.save(home)
    service = Service(home)
    record = service.report(_case(service), "appeal")
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    check = service.check_report(pdf)
    assert check.ok
    assert check.timestamp is None
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True).stdout
    flat = text.decode().replace("\n", "")
    assert "本机时钟" in flat
    assert dead in flat  # the service that did not answer is named
    assert "无法连接" in flat


def test_the_default_services_are_tried_unless_turned_off(home):
    assert Config.load(home).time_stamp_services  # public services by default
    r = run_cli(home, "settings", "--no-tsa")
    assert r.returncode == 0
    assert Config.load(home).time_stamp_services == []
    run_cli(home, "settings", "--default-tsa")
    assert Config.load(home).tsa_urls is None


def test_a_settings_file_from_before_keeps_its_one_service(home):
    home.mkdir(parents=True)
    (home / "config.json").write_text('{"token": "t", "tsa_url": "http://tsa.example/x"}')
    assert Config.load(home).time_stamp_services == ["http://tsa.example/x"]

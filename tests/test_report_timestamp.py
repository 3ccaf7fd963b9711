"""RFC 3161 timestamps on report signatures, against a real HTTP TSA on loopback."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
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
from server.settings import ANSWERED_FOR, SILENT_FOR, Config, TsaMemory

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


def _serve_tsa(delay: float = 0.0):
    stamper = _tsa_stamper()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(req).dump()
            time.sleep(delay)
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


@pytest.fixture
def tsa_url():
    yield from _serve_tsa()


@pytest.fixture
def slow_tsa_url():
    yield from _serve_tsa(delay=1.0)  # answers, within the bound, later than the other


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
    r = run_cli(home, "settings")
    assert "https://freetsa.org/tsr  HTTPS" in r.stdout  # the HTTPS service first
    assert "HTTP（明文 / plain text）" in r.stdout  # said where a service only offers HTTP
    assert "境外" in r.stdout and "abroad" in r.stdout  # and where the requests go
    r = run_cli(home, "settings", "--no-tsa")
    assert r.returncode == 0
    assert Config.load(home).time_stamp_services == []
    run_cli(home, "settings", "--default-tsa")
    assert Config.load(home).tsa_urls is None


def test_a_settings_file_from_before_keeps_its_one_service(home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.json").write_text('{"token": "t", "tsa_url": "http://tsa.example/x"}')
    assert Config.load(home).time_stamp_services == ["http://tsa.example/x"]


@pytest.fixture
def hanging():
    """Three time-stamp addresses that accept connections and never answer; url -> how many
    connections each took."""
    socks, held, counts = [], [], {}

    def serve(sock: socket.socket, url: str) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)  # kept open, never read, never answered
            counts[url] += 1

    for _ in range(3):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/tsr"
        counts[url] = 0
        socks.append(sock)
        threading.Thread(target=serve, args=(sock, url), daemon=True).start()
    yield counts
    for s in socks + held:
        s.close()


def _pair(service: Service, case_id: str, urls: list[str]) -> tuple[float, list[dict]]:
    service.change_settings(tsa_urls=urls)
    started = time.monotonic()
    made = [service.report(case_id, variant) for variant in ("appeal", "police")]
    return time.monotonic() - started, made


def test_hanging_time_stamp_services_cost_a_report_pair_at_most_8_s(home, hanging):
    """Issue 20: each of three hanging services cost 5 s per report, 44 s for a pair."""
    service = Service(home)
    case_id = _case(service)
    _pair(service, case_id, [])  # warm: fonts, imports, the key
    offline, _ = _pair(service, case_id, [])
    stalled, made = _pair(service, case_id, list(hanging))
    assert stalled - offline <= 8, f"{stalled:.1f} s against {offline:.1f} s offline"
    # each asked once, together; the second report remembered them and did not ask again
    assert list(hanging.values()) == [1, 1, 1]
    assert made[0]["time_stamping"] == {"answered": None, "silent": list(hanging)}
    assert made[1]["time_stamping"] == {"answered": None, "silent": []}  # none asked
    for record in made:  # both name the services that did not answer
        pdf = service.report_file(record["id"], "report.pdf").read_bytes()
        text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True)
        flat = text.stdout.decode().replace("\n", "")
        assert all(url in flat for url in hanging)
    memory = TsaMemory.load(home)
    assert set(memory.silent) == set(hanging)
    assert memory.answered is None


def test_the_service_that_answered_is_asked_alone_next_time(home, hanging, tsa_url):
    service = Service(home)
    case_id = _case(service)
    stuck = next(iter(hanging))
    _, made = _pair(service, case_id, [stuck, tsa_url])
    assert [r["time_stamping"]["answered"] for r in made] == [tsa_url, tsa_url]
    assert hanging[stuck] == 1  # waited for once (it is listed first), then left alone
    memory = TsaMemory.load(home)
    assert memory.answered == tsa_url
    assert list(memory.silent) == [stuck]
    first, others, skipped = memory.plan([stuck, tsa_url], time.time())
    assert (first, others, skipped) == (tsa_url, [], [stuck])
    # an hour later the silent one is asked again; a day later the answered one is not first
    later = memory.plan([stuck, tsa_url], time.time() + SILENT_FOR + 1)
    assert later == (tsa_url, [stuck], [])
    assert memory.plan([stuck, tsa_url], time.time() + ANSWERED_FOR + 1)[0] is None


def test_the_earliest_listed_service_that_answers_is_preferred(tsa_url, slow_tsa_url):
    from reports import sign

    assert sign.first_answering(None, [slow_tsa_url, tsa_url]) == (slow_tsa_url, [])
    assert sign.first_answering(None, [tsa_url, slow_tsa_url]) == (tsa_url, [])


def test_a_damaged_memory_file_only_means_asking_again(home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "time-stamp-services.json").write_text("{not json")
    assert TsaMemory.load(home) == TsaMemory()

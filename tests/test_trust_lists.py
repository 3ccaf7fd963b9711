"""C2PA trust read with the five inputs Content Credentials Verify uses: the official C2PA
list, the C2PA TSA list, the CAI interim anchors, the interim allow-list and store.cfg.

No real Adobe Firefly or Samsung file is public here, so each input is proven on a chain the
tests make: with the input the signer reads trusted (and labelled by the list that trusted
it), without it the same file reads untrusted. The real lists from ../shared/trust/ are in
every case, so each also proves the real file parses and does not hide the added entry."""

from __future__ import annotations

import base64
import hashlib
import urllib.error
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from server import trust
from server.demo import samples
from server.errors import Problem

from .conftest import DST, TRUST, C2paTestSigner, signals, verify_bytes

SHARED_FILES = {
    "C2PA-TRUST-LIST.pem": ("signer", "C2PA-TRUST-LIST", "certificates", 30),
    "C2PA-TSA-TRUST-LIST.pem": ("tsa", "C2PA-TSA-TRUST-LIST", "certificates", 22),
    "CAI-INTERIM-ANCHORS.pem": ("legacy_anchors", "CAI-INTERIM-ANCHORS", "certificates", 27),
    "CAI-INTERIM-ALLOWED.sha256.txt": ("legacy_allowed", "CAI-INTERIM-ALLOWED", "entries", 114),
    "CAI-INTERIM-STORE.cfg": ("eku", "CAI-INTERIM-STORE", "entries", 6),
    "CAI-INTERIM-ALLOWED.pem": ("inspection", "CAI-INTERIM-ALLOWED-PEM", "certificates", 86),
}
CLAIM_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1")  # c2pa-claim_signing
MS_C2PA = x509.ObjectIdentifier("1.3.6.1.4.1.311.76.59.1.9")


@pytest.fixture
def shared() -> Path:
    if not TRUST.is_dir():
        pytest.skip(f"trust list copies not found at {TRUST}")
    return TRUST


def _ai_made(signer: C2paTestSigner) -> bytes:
    jpeg = samples.jpeg(samples.photo(160, 120, seed=4))
    action = {"action": "c2pa.created", "digitalSourceType": DST + "trainedAlgorithmicMedia"}
    return signer.sign(jpeg, [action])


def _import_with(home: Path, tmp: Path, shared: Path, name: str, extra: bytes) -> None:
    """Import a shared list with `extra` appended, under its own file name."""
    path = tmp / name
    path.write_bytes((shared / name).read_bytes() + b"\n" + extra)
    trust.import_file(home, path)


def _import_shared(home: Path, shared: Path, *names: str) -> None:
    for name in names:
        trust.import_file(home, shared / name)


def _leaf_hash(signer: C2paTestSigner) -> bytes:
    return base64.b64encode(hashlib.sha256(signer.leaf_der).digest())


def _c2pa(service, signer) -> dict[str, dict]:
    return signals(verify_bytes(service, _ai_made(signer)), "c2pa")


def test_the_shared_lists_import_by_content_and_are_named(service, shared):
    for file, (kind, name, unit, count) in SHARED_FILES.items():
        entry = trust.import_file(service.home, shared / file)
        assert (entry["kind"], entry["name"], entry[unit]) == (kind, name, count), file
        assert entry["sha256"] == hashlib.sha256((shared / file).read_bytes()).hexdigest()
        assert entry["imported_at"] and entry["source"] == f"file:{file}"
    info = trust.load(service.home)
    assert {e["name"] for e in info.lists} == {v[1] for v in SHARED_FILES.values()}
    assert "1.3.6.1.4.1.62558.2.1" in info.ekus
    assert info.allowed_list.count("=\n") >= 113
    assert trust.missing(service.home) == []
    # every result names every list, with its date and hash
    decl = _c2pa(service, C2paTestSigner())["c2pa_manifest"]
    assert [e["name"] for e in decl["data"]["trust_lists"]] == [e["name"] for e in info.lists]


def test_a_kind_given_is_checked_against_the_content(home, shared, tmp_path):
    with pytest.raises(Problem) as e:
        trust.import_file(home, shared / "C2PA-TRUST-LIST.pem", "eku")
    assert "EKU" in e.value.text.en
    html = tmp_path / "allowed.sha256.txt"
    html.write_text("<html>502 Bad Gateway</html>")  # what a failed download may leave
    with pytest.raises(Problem) as e:
        trust.import_file(home, html)
    assert e.value.code == "trust_list"
    assert trust.listed(home) == []


def test_first_start_fetches_all_five_from_their_canonical_addresses(home, shared, monkeypatch):
    files = {
        "C2PA-TRUST-LIST": "C2PA-TRUST-LIST.pem",
        "C2PA-TSA-TRUST-LIST": "C2PA-TSA-TRUST-LIST.pem",
        "CAI-INTERIM-ANCHORS": "CAI-INTERIM-ANCHORS.pem",
        "CAI-INTERIM-ALLOWED": "CAI-INTERIM-ALLOWED.sha256.txt",
        "CAI-INTERIM-STORE": "CAI-INTERIM-STORE.cfg",
    }
    by_url = {url: files[name] for name, (_, url) in trust.CANONICAL.items()}
    assert "https://contentcredentials.org/trust/allowed.sha256.txt" in by_url
    assert trust.missing(home) == list(files)

    class Answer:
        def __init__(self, url: str) -> None:
            self.data = (shared / by_url[url]).read_bytes()

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def read(self) -> bytes:
            return self.data

    monkeypatch.setattr(trust.urllib.request, "urlopen", lambda url, timeout: Answer(url))
    done, failed = trust.update(home, trust.missing(home))
    assert failed == []
    assert {e["name"]: e["source"] for e in done} == {n: u for n, (_, u) in trust.CANONICAL.items()}
    assert trust.missing(home) == []


def test_offline_each_failed_download_names_its_address_and_the_import_command(home, monkeypatch):
    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(trust.urllib.request, "urlopen", offline)
    done, failed = trust.update(home)
    assert done == [] and len(failed) == 5
    assert all("refundproof trust import" in f.en and "无法下载" in f.zh for f in failed)
    assert "https://contentcredentials.org/trust/store.cfg" in failed[-1].en


def test_interim_anchor_trusts_its_signer_labelled_legacy_and_decisive(service, shared, tmp_path):
    signer = C2paTestSigner()
    _import_shared(service.home, shared, "C2PA-TRUST-LIST.pem")
    without = _c2pa(service, signer)["c2pa_ai_declaration"]
    assert (without["strength"], without["data"]["signer_trust"]) == ("strong", "untrusted")

    _import_with(service.home, tmp_path, shared, "CAI-INTERIM-ANCHORS.pem", signer.ca_pem)
    decl = _c2pa(service, signer)["c2pa_ai_declaration"]
    assert decl["strength"] == "decisive"
    assert decl["data"]["trust_source"] == "legacy_cai_anchors"
    assert "旧版 CAI 临时列表" in decl["summary"] and "CAI-INTERIM-ANCHORS" in decl["summary"]
    assert "官方信任列表中" not in decl["summary"]


def test_allow_list_trusts_exactly_the_listed_certificate(service, shared, tmp_path):
    signer, stranger = C2paTestSigner(), C2paTestSigner()
    _import_shared(service.home, shared, "C2PA-TRUST-LIST.pem", "CAI-INTERIM-ANCHORS.pem")
    _import_shared(service.home, shared, "CAI-INTERIM-ALLOWED.sha256.txt")
    assert _c2pa(service, signer)["c2pa_manifest"]["data"]["signer_trust"] == "untrusted"

    line = b"# RefundProof test signer\n" + _leaf_hash(signer) + b"\n"
    _import_with(service.home, tmp_path, shared, "CAI-INTERIM-ALLOWED.sha256.txt", line)
    found = _c2pa(service, signer)
    decl = found["c2pa_ai_declaration"]
    assert decl["strength"] == "decisive"
    assert decl["data"]["trust_source"] == "legacy_cai_allowed"
    assert "旧版 CAI 临时列表" in found["c2pa_manifest"]["summary"]
    # the same root, another certificate: not on the list
    assert _c2pa(service, stranger)["c2pa_manifest"]["data"]["signer_trust"] == "untrusted"


@pytest.mark.parametrize("eku", [CLAIM_SIGNING, MS_C2PA], ids=["c2pa-claim_signing", "MS-C2PA"])
def test_store_cfg_admits_signing_ekus_the_sdk_refuses_by_default(service, shared, tmp_path, eku):
    signer = C2paTestSigner(eku)
    _import_with(service.home, tmp_path, shared, "CAI-INTERIM-ANCHORS.pem", signer.ca_pem)
    without = _c2pa(service, signer)["c2pa_ai_declaration"]
    assert without["strength"] == "strong"
    assert "signingCredential.invalid" in without["data"]["credential_problems"]

    _import_shared(service.home, shared, "CAI-INTERIM-STORE.cfg")
    decl = _c2pa(service, signer)["c2pa_ai_declaration"]
    assert decl["strength"] == "decisive"
    assert decl["data"]["credential_problems"] == []
    assert decl["data"]["trust_source"] == "legacy_cai_anchors"


def test_official_list_signer_is_labelled_official_among_all_five(service, shared, tmp_path):
    signer = C2paTestSigner()
    _import_shared(service.home, shared, *SHARED_FILES)
    _import_with(service.home, tmp_path, shared, "C2PA-TRUST-LIST.pem", signer.ca_pem)
    decl = _c2pa(service, signer)["c2pa_ai_declaration"]
    assert decl["strength"] == "decisive"
    assert decl["data"]["trust_source"] == "c2pa_trust_list"
    assert "C2PA 官方信任列表" in decl["summary"] and "旧版" not in decl["summary"]


def test_a_root_on_the_tsa_list_does_not_trust_a_content_signer(service, shared, tmp_path):
    """c2pa-rs 0.91.3 trusts signers chaining to a `tsa` entry too, so the TSA list is named,
    not given to the SDK: a time-stamping root must not vouch for who made a picture."""
    signer = C2paTestSigner()
    _import_shared(service.home, shared, "C2PA-TRUST-LIST.pem")
    _import_with(service.home, tmp_path, shared, "C2PA-TSA-TRUST-LIST.pem", signer.ca_pem)
    found = _c2pa(service, signer)
    assert found["c2pa_manifest"]["data"]["signer_trust"] == "untrusted"
    kinds = {e["name"]: e["kind"] for e in found["c2pa_manifest"]["data"]["trust_lists"]}
    assert kinds["C2PA-TSA-TRUST-LIST"] == "tsa"


def test_the_older_allowed_pem_is_listed_for_inspection_never_used(service, shared, tmp_path):
    signer = C2paTestSigner()
    _import_shared(service.home, shared, "C2PA-TRUST-LIST.pem")
    pem = x509.load_der_x509_certificate(signer.leaf_der).public_bytes(Encoding.PEM)
    _import_with(service.home, tmp_path, shared, "CAI-INTERIM-ALLOWED.pem", pem)
    m = _c2pa(service, signer)["c2pa_manifest"]["data"]
    assert m["signer_trust"] == "untrusted"
    assert [e["kind"] for e in m["trust_lists"]] == ["signer", "inspection"]

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.domain.cases import Source
from server.service import Service

from .server_proc import seller_home

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = SHARED / "fixtures" / "real"
TRUST = SHARED / "trust"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("REFUNDPROOF_HOME", str(h))
    return seller_home(h)


@pytest.fixture
def service(home: Path) -> Service:
    return Service(home)


@pytest.fixture
def real() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real third-party fixtures not found at {REAL}")
    return REAL


def verify_bytes(
    service: Service, data: bytes, facts: dict | None = None, lang: str = "zh"
) -> dict:
    """One photo through intake, store and every check; returns that photo's result."""
    case = service.create_case(facts or {})
    service.add_photo(case["id"], data, "evidence", Source(file_name="x"))
    return service.verify(case["id"], lang)["photos"][0]


def signals(photo_result: dict, check: str | None = None) -> dict[str, dict]:
    return {
        f["signal"]: f for f in photo_result["findings"] if check is None or f["check"] == check
    }


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "RefundProof Tests"),
        ]
    )


def _key_usage(**on: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


class C2paTestSigner:
    """A test CA and an end-entity certificate with the profile c2pa-rs requires; `eku` is
    the signing certificate's extended key usage."""

    def __init__(self, eku: x509.ObjectIdentifier = ExtendedKeyUsageOID.EMAIL_PROTECTION) -> None:
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(_name("RP Test Root"))
            .issuer_name(_name("RP Test Root"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        ee = (
            x509.CertificateBuilder()
            .subject_name(_name("RP Test Signer"))
            .issuer_name(self.ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        self.ca_pem = self.ca.public_bytes(pem)
        self.chain = ee.public_bytes(pem) + self.ca_pem
        self.leaf_der = ee.public_bytes(serialization.Encoding.DER)
        self.key = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, jpeg: bytes, actions: list[dict], ingredients: list | None = None) -> bytes:
        manifest = {
            "claim_generator_info": [{"name": "RefundProof test generator", "version": "1"}],
            "title": "test.jpg",
            "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
        }
        info = c2pa.C2paSignerInfo(
            alg=b"es256", sign_cert=self.chain, private_key=self.key, ta_url=None
        )
        out = io.BytesIO()
        # no check after signing: a test EKU the SDK's defaults refuse must still be signable
        ctx = c2pa.Context.from_dict({"verify": {"verify_after_sign": False}})
        with (
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(json.dumps(manifest), ctx) as b,
        ):
            b.sign(signer, "image/jpeg", io.BytesIO(jpeg), out)
        return out.getvalue()


@pytest.fixture(scope="session")
def c2pa_signer() -> C2paTestSigner:
    return C2paTestSigner()

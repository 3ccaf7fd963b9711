"""The report signing key: generated on first use (a local root and a signing certificate,
RSA so the signed PDF stays at a version PDF/A-3 allows), or imported from PKCS#12.

keys/current/ holds the key in use; keys/archive/<fingerprint>/ keeps every earlier one,
so reports signed before an import still verify on this computer.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.errors import Problem
from server.files import write_atomic
from server.settings import Config
from server.text import Text

KEY_FILE, CHAIN_FILE = "key.pem", "chain.pem"
MADE_HERE = "made-here.json"  # a key this computer made (not imported), for which shop


@dataclass(frozen=True)
class SigningKey:
    key_pem: bytes
    chain: list[x509.Certificate]  # signer first, then issuers up to the root if known

    @property
    def cert(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert)

    @property
    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()

    def private(self) -> PrivateKeyTypes:
        """The private key. It was validated when it was made or imported: skipping the RSA
        re-validation saves about 0.1 s per load."""
        return serialization.load_pem_private_key(
            self.key_pem, None, unsafe_skip_rsa_key_validation=True
        )


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def keys_dir(home: Path) -> Path:
    return home / "keys"


def load_or_create(home: Path) -> SigningKey:
    """The current report key. One this computer made names the shop from the settings; when
    the shop's name changes, a new one is made and the old one archived (its reports still
    verify). An imported key is used as it is."""
    current = keys_dir(home) / "current"
    shop = Config.load(home).shop
    made_here = current / MADE_HERE
    if (current / KEY_FILE).exists():
        if not made_here.exists() or json.loads(made_here.read_bytes()).get("shop") == shop:
            return _load(current)
        _archive(home, current)
    _save(current, *_generate(shop))
    write_atomic(made_here, json.dumps({"shop": shop}, ensure_ascii=False).encode())
    return _load(current)


def _archive(home: Path, current: Path) -> None:
    old = _load(current)
    archive = keys_dir(home) / "archive" / old.fingerprint[:16]
    if not archive.exists():
        shutil.copytree(current, archive)
    (current / MADE_HERE).unlink(missing_ok=True)


def import_pkcs12(home: Path, data: bytes, password: str | None) -> SigningKey:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except ValueError as e:
        raise Problem(
            "key_file",
            Text(
                "无法打开 PKCS#12 文件：密码错误或文件损坏。",
                "Cannot open the PKCS#12 file: wrong password or damaged file.",
            ),
        ) from e
    if key is None or cert is None:
        raise Problem(
            "key_file",
            Text(
                "PKCS#12 文件中没有私钥和证书。",
                "The PKCS#12 file holds no private key and certificate.",
            ),
        )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise Problem(
            "key_file",
            Text(
                "只支持 RSA 或 ECDSA 密钥（PDF/A-3 允许的签名算法）。",
                "Only RSA or ECDSA keys are supported (signature algorithms PDF/A-3 allows).",
            ),
        )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    current = keys_dir(home) / "current"
    if (current / KEY_FILE).exists():
        _archive(home, current)
    _save(current, key_pem, [cert, *(extra or [])])
    return _load(current)


def trusted_certificates(home: Path) -> list[x509.Certificate]:
    """Every certificate this computer ever signed reports with, current and archived."""
    out = []
    for chain in sorted(keys_dir(home).glob(f"**/{CHAIN_FILE}")):
        out += x509.load_pem_x509_certificates(chain.read_bytes())
    return out


def sign_json(home: Path, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with a signature by the current report key over its canonical JSON."""
    key = load_or_create(home)
    private = key.private()
    data = _canonical(body)
    if isinstance(private, rsa.RSAPrivateKey):
        signature = private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        signature = private.sign(data, ec.ECDSA(hashes.SHA256()))
    else:  # import_pkcs12 accepts only these two
        raise TypeError(type(private).__name__)
    return {"body": body, "signer": key.fingerprint, "signature": signature.hex()}


def verify_json(home: Path, signed: dict[str, Any]) -> dict[str, Any]:
    """The body, if a key this computer signs reports with signed it; ValueError otherwise."""
    data, signature = _canonical(signed["body"]), bytes.fromhex(signed["signature"])
    for cert in trusted_certificates(home):
        if fingerprint(cert) != signed["signer"]:
            continue
        public = cert.public_key()
        try:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            else:
                continue
        except InvalidSignature:
            continue
        return dict(signed["body"])
    raise ValueError("no valid signature by a report key of this computer")


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _load(folder: Path) -> SigningKey:
    chain = x509.load_pem_x509_certificates((folder / CHAIN_FILE).read_bytes())
    return SigningKey((folder / KEY_FILE).read_bytes(), chain)


def _save(folder: Path, key_pem: bytes, chain: list[x509.Certificate]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.parent, 0o700)
    write_atomic(
        folder / CHAIN_FILE, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    )
    write_atomic(folder / KEY_FILE, key_pem)
    os.chmod(folder / KEY_FILE, 0o600)


def _generate(shop: str | None) -> tuple[bytes, list[x509.Certificate]]:
    """A local root and a signing certificate issued by it (a third party can pin the root),
    both naming the shop and saying they are self-made: the software's maker vouches for
    nothing, and the computer's login and host names stay out."""
    holder = _fit((shop or "").strip(), 64) or "未设置店铺名 shop name not set"
    made = "卖家自签 self-signed by the seller"
    now = datetime.now(UTC) - timedelta(minutes=5)
    root_key = rsa.generate_private_key(65537, 3072)
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(f"根证书 root: {holder}", 64)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, made),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(65537, 3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, holder),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, made),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, [cert, root]


def _fit(text: str, most: int) -> str:
    """At most `most` UTF-8 bytes (the limit X.509 sets on a name), cut between characters."""
    return text.encode()[:most].decode(errors="ignore")


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # non-repudiation: what PAdES validators look for
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )

"""PAdES signature on a report (pyHanko) and the offline check of a signed report.

The check is what a court clerk would do by hand: is the signature intact, does it cover
the whole file, who signed (certificate fingerprint), and do the embedded originals still
hash to the values the signed snapshot lists.
"""

from __future__ import annotations

import asyncio
import io
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from server.text import Lang, Text

from . import TimestampUnavailable, attachments
from .keys import SigningKey, fingerprint

# pyHanko logs every certificate it cannot chain, traceback included; with no logging set up
# (the CLI) Python prints that on the terminal of whoever checks a report. The check says it
# in its own words (`notes`); an application that configures logging still gets the records.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

FIELD = "RefundProofSignature"
RESERVED_BYTES = 16384  # CMS without certificates, with room for an RFC 3161 token
SNAPSHOT_NAME, FINDINGS_NAME = "snapshot.json", "findings.json"


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# One short bound for a time-stamp service, asked or signing: real ones answer in about a
# second, and a report must not wait on one that hangs (issue 20: 44 s for three).
TSA_SECONDS = 3.0


def first_answering(first: str | None, others: Sequence[str]) -> tuple[str | None, list[str]]:
    """The RFC 3161 service that answers a test request, and those asked that did not.
    `first` (the one that answered last time) is asked alone; when it does not answer, the
    others are asked together, and the earliest in their order that answers within the
    bound is used (so an HTTPS service listed first wins over a faster plain-HTTP one)."""
    silent: list[str] = []
    for group in ([first] if first else [], [u for u in others if u != first]):
        url, unanswered = _race(group, TSA_SECONDS)
        silent += unanswered
        if url:
            return url, silent
    return None, silent


def _race(urls: list[str], seconds: float) -> tuple[str | None, list[str]]:
    answers: queue.SimpleQueue[tuple[str, bool]] = queue.SimpleQueue()
    for url in urls:
        # Daemon threads, not a pool: one stuck in a name lookup past its timeout must not
        # hold up the report, nor the exit of the process.
        threading.Thread(target=_ask, args=(url, seconds, answers), daemon=True).start()
    done: dict[str, bool] = {}
    deadline, timed_out = time.monotonic() + seconds, False
    while (winner := _preferred(urls, done)) is None and len(done) < len(urls):
        try:
            url, ok = answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            timed_out = True
            winner = next((u for u in urls if done.get(u)), None)
            break
        done[url] = ok
    silent = [u for u in urls if done.get(u) is False or (timed_out and u not in done)]
    return winner, silent


def _preferred(urls: list[str], done: dict[str, bool]) -> str | None:
    """The earliest listed that answered, once every one before it has failed."""
    for url in urls:
        if url not in done:
            return None
        if done[url]:
            return url
    return None


def _ask(url: str, seconds: float, answers: queue.SimpleQueue[tuple[str, bool]]) -> None:
    try:
        asyncio.run(HTTPTimeStamper(url, timeout=seconds).async_dummy_response("sha256"))
    except Exception:  # refused, timed out, not a TSA, bad certificate: it did not answer
        answers.put((url, False))
    else:
        answers.put((url, True))


def sign(pdf: bytes, key: SigningKey, reason: str, tsa_url: str | None = None) -> bytes:
    """Sign as an incremental update, so the PDF/A-3 body is kept byte for byte."""
    private = key.private()
    signer = signers.SimpleSigner(
        signing_cert=_asn1(key.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            private.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in key.chain[1:]]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        name=key.cert.subject.rfc4514_string(),
    )
    timestamper = HTTPTimeStamper(tsa_url, timeout=TSA_SECONDS) if tsa_url else None
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # pyHanko writes its own name as the XMP Producer and appends it to the Info one; PDF/A
    # wants the two to agree, so the Info says the same.
    info = writer.trailer["/Info"]
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.update_container(info)
    try:
        signers.PdfSigner(meta, signer, timestamper=timestamper).sign_pdf(
            writer,
            output=out,
            # A fixed reservation spares pyHanko a trial signature to measure the size.
            bytes_reserved=RESERVED_BYTES + 4096 * len(key.chain),
        )
    except (TimestampRequestError, aiohttp.ClientError, TimeoutError) as e:
        raise TimestampUnavailable(tsa_url or "", e) from e
    return out.getvalue()


@dataclass
class ReportCheck:
    """The result of checking a signed report; `ok` only when every step passed."""

    ok: bool = False
    intact: bool = False
    covers_whole_file: bool = False
    trusted: bool = False
    signer: str | None = None
    signer_fingerprint: str | None = None
    signed_at: str | None = None
    timestamp: str | None = None  # RFC 3161 time, when the report carries one
    report_id: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)

    def to_json(self, lang: Lang) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "intact": self.intact,
            "covers_whole_file": self.covers_whole_file,
            "trusted": self.trusted,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
            "signed_at": self.signed_at,
            "timestamp": self.timestamp,
            "report_id": self.report_id,
            "attachments": self.attachments,
            "problems": [p.get(lang) for p in self.problems],
            "notes": [n.get(lang) for n in self.notes],
        }


def check(pdf: bytes, trusted: list[x509.Certificate]) -> ReportCheck:
    """Every step bounded: the file may come from anyone and be built to hurt the reader."""
    result = ReportCheck()
    try:
        _check(pdf, trusted, result)
    except Exception as e:  # whatever a crafted file trips in a reader: not verified, said so
        result.problems.append(
            Text(
                f"文件无法完整核对（{type(e).__name__}）：已损坏、被改动或是特意构造的。",
                f"The file cannot be fully checked ({type(e).__name__}): damaged, altered "
                "or specially crafted.",
            )
        )
    result.ok = result.intact and result.covers_whole_file and not result.problems
    return result


def _check(pdf: bytes, trusted: list[x509.Certificate], result: ReportCheck) -> None:
    if not pdf.startswith(b"%PDF-"):
        result.problems.append(
            Text(
                "文件不是 PDF（开头没有 %PDF-）。", "The file is not a PDF (no %PDF- at its start)."
            )
        )
        return
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as e:  # any parse failure means the file is not the report we signed
        result.problems.append(
            Text(
                f"文件无法解析为 PDF（{type(e).__name__}）：已损坏或被改动。",
                f"The file cannot be read as a PDF ({type(e).__name__}): damaged or altered.",
            )
        )
        return
    try:
        sigs = reader.embedded_signatures  # each one's CMS blob is parsed here
    except Exception as e:
        result.problems.append(_damaged_signature(e))
        return
    if not sigs:
        result.problems.append(Text("文件中没有签名。", "The file carries no signature."))
        return
    _check_signature(sigs[0], trusted, result)
    if len(sigs) > 1:
        result.notes.append(
            Text(
                f"文件中有 {len(sigs)} 个签名，只核对了 RefundProof 的第一个。",
                f"The file has {len(sigs)} signatures; only RefundProof's first one was checked.",
            )
        )
    _check_attachments(reader.root, result)


def _check_signature(sig: Any, trusted: list[x509.Certificate], result: ReportCheck) -> None:
    context = ValidationContext(
        trust_roots=[_asn1(c) for c in trusted], allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(
            sig,
            context,
            key_usage_settings=KeyUsageConstraints(
                key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
            ),
            # a change after signing already fails (coverage below): comparing revisions
            # object by object would only spend a stranger's file's worth of time and memory
            skip_diff=True,
        )
    except Exception as e:  # a mangled CMS blob: the signature is unusable, say so
        result.problems.append(_damaged_signature(e))
        return
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    result.signer = cert.subject.rfc4514_string()
    result.signer_fingerprint = fingerprint(cert)
    result.intact = bool(status.intact and status.valid)
    result.trusted = bool(status.trusted)
    result.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if status.signer_reported_dt:
        result.signed_at = status.signer_reported_dt.isoformat()
    if status.timestamp_validity is not None:
        result.timestamp = status.timestamp_validity.timestamp.isoformat()
    if not result.intact:
        result.problems.append(
            Text(
                "签名校验失败：签名后文件内容被改动过。",
                "Signature check failed: the content was changed after signing.",
            )
        )
    elif not result.covers_whole_file:
        result.problems.append(
            Text(
                "签名没有覆盖整个文件：签名之后又追加了内容。",
                "The signature does not cover the whole file: content was added after signing.",
            )
        )
    if result.intact and not result.trusted:
        result.notes.append(
            Text(
                "签名完好，但签名证书不在本机的信任列表中：请把上面的证书指纹与报告中印的指纹、"
                "以及卖家提供的证书核对。",
                "The signature is intact but its certificate is not trusted on this computer: "
                "compare the fingerprint above with the one printed in the report and with "
                "the certificate the seller provides.",
            )
        )


def _damaged_signature(e: Exception) -> Text:
    return Text(
        f"签名数据损坏，无法校验（{type(e).__name__}）。",
        f"The signature data is damaged and cannot be checked ({type(e).__name__}).",
    )


def _check_attachments(root: generic.DictionaryObject, result: ReportCheck) -> None:
    """Hash, one at a time and streamed, only the attachments the snapshot lists."""
    try:
        files = attachments.listed(root)
    except attachments.Unreadable as e:
        result.problems.append(e.text)
        return
    streams: dict[str, generic.StreamObject | None] = {}
    for name, stream in files:
        if name in streams:  # a second file under one name could stand in for the first
            result.problems.append(
                Text(f"有两个附件都叫 {name}。", f"Two attachments are both named {name}.")
            )
        streams.setdefault(name, stream)
    snapshot = _snapshot(streams.get(SNAPSHOT_NAME), result)
    if snapshot is None:
        return
    expected, printed = snapshot
    total, skipped = 0, []
    for name in [*expected, *sorted(set(streams) - set(expected) - {SNAPSHOT_NAME})]:
        entry: dict[str, Any] = {"name": name, "expected": expected.get(name), "actual": None}
        result.attachments.append(entry)
        stream = streams.get(name)
        why: Text | None = None
        if name not in expected:
            why = Text("不在快照的清单中，未核对。", "is not listed in the snapshot; not checked.")
        elif stream is None:
            why = Text("缺失。", "is missing.")
        elif total >= attachments.MAX_TOTAL_BYTES:
            entry["ok"] = False
            skipped.append(name)
            continue
        else:
            try:
                entry["actual"], size = attachments.digest(stream, attachments.MAX_FILE_BYTES)
                total += size
            except attachments.Unreadable as e:
                why = e.text
                total += attachments.MAX_FILE_BYTES  # it cost that much before it stopped
            if why is None and entry["actual"] != entry["expected"]:
                why = Text(
                    "与快照记录的校验值不符。", "does not match the hash the snapshot records."
                )
        entry["ok"] = why is None
        if why is not None:
            result.problems.append(Text(f"附件 {name} ", f"The attachment {name} ") + why)
    if skipped:  # one line for them all: a crafted file must not flood the answer
        result.problems.append(
            Text(
                f"附件解压后的总量超过 {attachments.MAX_TOTAL_BYTES // 2**20} MB，其余 "
                f"{len(skipped)} 个附件未核对。",
                f"The attachments inflate past {attachments.MAX_TOTAL_BYTES // 2**20} MB in "
                f"all; the other {len(skipped)} were not checked.",
            )
        )
    if result.signer_fingerprint and printed != result.signer_fingerprint:
        result.problems.append(
            Text(
                "签名证书与报告中印的证书指纹不一致：报告被他人重新签名。",
                "The signing certificate differs from the fingerprint printed in the report: "
                "someone re-signed it.",
            )
        )


def _snapshot(
    stream: generic.StreamObject | None, result: ReportCheck
) -> tuple[dict[str, str], object] | None:
    """The snapshot's list of attachments (name -> SHA-256) and the fingerprint it prints."""
    if stream is None:
        result.problems.append(
            Text("缺少附件 snapshot.json。", "The attachment snapshot.json is missing.")
        )
        return None
    try:
        snapshot = attachments.parse_json(attachments.read(stream, attachments.MAX_JSON_BYTES))
        result.report_id = str(snapshot["report"]["id"])
        listing = snapshot["attachments"]
        if len(listing) > attachments.MAX_ATTACHMENTS:
            raise attachments.Unreadable(
                Text(
                    f"列出的附件超过 {attachments.MAX_ATTACHMENTS} 个，未逐个核对。",
                    f"lists more than {attachments.MAX_ATTACHMENTS} attachments; they were "
                    "not checked one by one.",
                )
            )
        expected = {str(a["name"]): str(a["sha256"]) for a in listing}
        return expected, snapshot["signer"]["fingerprint"]
    except attachments.Unreadable as e:
        result.problems.append(
            Text("附件 snapshot.json ", "The attachment snapshot.json ") + e.text
        )
    except (KeyError, TypeError, IndexError):
        result.problems.append(
            Text("附件 snapshot.json 已损坏。", "The attachment snapshot.json is damaged.")
        )
    return None

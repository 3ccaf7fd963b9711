"""C2PA manifests signed here with c2pa-python's Builder and certificates made by the tests."""

from __future__ import annotations

import pytest

from server import trust
from server.demo import samples
from server.errors import Problem

from .conftest import DST, C2paTestSigner, signals, verify_bytes


def _jpeg() -> bytes:
    return samples.jpeg(samples.photo(320, 240, seed=9))


def _ai_made(c2pa_signer) -> bytes:
    return c2pa_signer.sign(
        _jpeg(),
        [
            {
                "action": "c2pa.created",
                "digitalSourceType": DST + "trainedAlgorithmicMedia",
                "softwareAgent": {"name": "FakeGen 2"},
            }
        ],
    )


def test_an_ai_declaration_without_a_trust_list_is_strong_and_says_why(service, c2pa_signer):
    photo = verify_bytes(service, _ai_made(c2pa_signer))
    decl = signals(photo, "c2pa")["c2pa_ai_declaration"]
    assert decl["strength"] == "strong"
    assert decl["data"]["signer_trust"] == "untrusted"
    assert decl["data"]["rubric"] == "fullyGenAIMedia"
    assert decl["data"]["declaration"]["software_agent"] == "FakeGen 2"
    assert "尚未导入 C2PA 信任列表" in decl["summary"]
    assert "refundproof trust update" in decl["summary"]  # and what to do about it
    assert photo["verdict"]["level"] == "strong"


def test_an_ai_declaration_by_a_signer_off_the_trust_list_is_strong(service, c2pa_signer, tmp_path):
    pem = tmp_path / "OTHER-ROOT.pem"
    pem.write_bytes(C2paTestSigner().ca_pem)  # a trust list that does not hold our signer
    trust.import_file(service.home, pem)
    decl = signals(verify_bytes(service, _ai_made(c2pa_signer)), "c2pa")["c2pa_ai_declaration"]
    assert decl["strength"] == "strong"
    assert "自制的证书" in decl["summary"]


def test_an_ai_declaration_by_a_trusted_signer_bound_to_the_bytes_is_decisive(
    service, c2pa_signer, tmp_path
):
    pem = tmp_path / "RP-TEST-ROOT.pem"
    pem.write_bytes(c2pa_signer.ca_pem)
    trust.import_file(service.home, pem)
    photo = verify_bytes(service, _ai_made(c2pa_signer))
    decl = signals(photo, "c2pa")["c2pa_ai_declaration"]
    assert decl["strength"] == "decisive"
    assert decl["data"]["signer_trust"] == "trusted"
    assert "RP-TEST-ROOT" in decl["summary"]
    assert photo["verdict"]["level"] == "decisive"


def test_camera_photo_then_ai_edit(service, c2pa_signer, tmp_path):
    """The typical fake: a real photo with a crack painted in by an AI editor."""
    signed = c2pa_signer.sign(
        _jpeg(),
        [
            {"action": "c2pa.created", "digitalSourceType": DST + "digitalCapture"},
            {
                "action": "c2pa.edited",
                "digitalSourceType": DST + "compositeWithTrainedAlgorithmicMedia",
            },
        ],
    )
    pem = tmp_path / "RP-TEST-ROOT.pem"
    pem.write_bytes(c2pa_signer.ca_pem)
    trust.import_file(service.home, pem)
    found = signals(verify_bytes(service, signed), "c2pa")
    decl = found["c2pa_ai_declaration"]
    assert decl["strength"] == "decisive"
    assert decl["data"]["rubric"] == "partlyGenAICreation"
    assert "c2pa_capture_declaration" not in found  # the capture was the base of the AI edit


def test_camera_capture_is_counter_evidence(service, c2pa_signer):
    signed = c2pa_signer.sign(
        _jpeg(), [{"action": "c2pa.created", "digitalSourceType": DST + "digitalCapture"}]
    )
    photo = verify_bytes(service, signed)
    capture = signals(photo, "c2pa")["c2pa_capture_declaration"]
    assert capture["strength"] == "counter"
    assert photo["verdict"]["level"] == "counter"
    assert photo["verdict"]["counter_evidence"] == [capture["summary"]]


def test_altered_after_signing(service, c2pa_signer):
    signed = bytearray(
        c2pa_signer.sign(
            _jpeg(),
            [{"action": "c2pa.created", "digitalSourceType": DST + "trainedAlgorithmicMedia"}],
        )
    )
    signed[-200] ^= 0xFF  # one byte of the entropy-coded image data
    photo = verify_bytes(service, bytes(signed))
    found = signals(photo, "c2pa")
    assert found["c2pa_manifest"]["data"]["binding"] == "broken"
    assert found["c2pa_changed_after_signing"]["strength"] == "supporting"
    assert found["c2pa_ai_declaration"]["strength"] == "strong"  # declared, no longer bound


def test_imported_trust_list_makes_signer_trusted_and_is_named(service, c2pa_signer, tmp_path):
    pem = tmp_path / "RP-TEST-ROOT.pem"
    pem.write_bytes(c2pa_signer.ca_pem)
    entry = trust.import_file(service.home, pem)
    signed = c2pa_signer.sign(
        _jpeg(), [{"action": "c2pa.created", "digitalSourceType": DST + "trainedAlgorithmicMedia"}]
    )
    found = signals(verify_bytes(service, signed), "c2pa")
    m = found["c2pa_manifest"]["data"]
    assert m["signer_trust"] == "trusted"
    assert m["sdk_state"] == "Trusted"
    assert m["trust_lists"] == [entry]
    assert entry["sha256"]
    assert entry["certificates"] == 1


def test_broken_c2pa_box_is_reported_not_crashing(service, c2pa_signer):
    signed = bytearray(
        c2pa_signer.sign(
            _jpeg(),
            [{"action": "c2pa.created", "digitalSourceType": DST + "trainedAlgorithmicMedia"}],
        )
    )
    at = signed.find(b"jumb")
    signed[at + 40 : at + 240] = b"\x00" * 200  # wreck the JUMBF boxes inside APP11
    photo = verify_bytes(service, bytes(signed))
    found = signals(photo, "c2pa")
    assert set(found) & {"c2pa_unreadable", "c2pa_manifest"}, found
    assert all(f["strength"] != "error" for f in photo["findings"])


def test_trust_import_rejects_non_pem(home, tmp_path):
    bad = tmp_path / "x.pem"
    bad.write_text("not a certificate")
    with pytest.raises(Problem) as e:
        trust.import_file(home, bad)
    assert e.value.code == "trust_list"

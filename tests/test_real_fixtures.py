"""Files nobody here made: each must read as ../shared/fixtures/real/README.md describes."""

from __future__ import annotations

from pathlib import Path

from server import trust

from .conftest import TRUST, signals, verify_bytes


def test_doubao_label_decoded(service, real: Path):
    photo = verify_bytes(service, (real / "doubao_black.png").read_bytes())
    label = signals(photo, "aigc_label")["gb45438_label"]
    assert label["strength"] == "strong"
    assert label["data"]["fields"]["Label"] == "1"
    assert label["data"]["producer"]["uscc"] == "91110102MACQD9K640"
    assert label["data"]["producer"]["uscc_checksum_ok"] is True
    assert label["data"]["reserved_code_present"] is False
    assert label["data"]["placement"]["where"] == "PNG iTXt 'XML:com.adobe.xmp'"
    assert "91110102MACQD9K640" in label["summary"]
    assert photo["verdict"]["level"] == "strong"


def test_chatgpt_ai_declaration_bound_but_expired_not_tampered(service, real: Path):
    trust.import_file(service.home, TRUST / "C2PA-TRUST-LIST.pem")
    photo = verify_bytes(service, (real / "chatgpt.png").read_bytes())
    found = signals(photo, "c2pa")
    decl = found["c2pa_ai_declaration"]
    # OpenAI's certificate in this file does not chain to the official list of this copy,
    # and it has expired without a time stamp: strong, with both reasons, never "tampered"
    assert decl["strength"] == "strong"
    assert "不在已导入的 C2PA 信任列表中" in decl["summary"]
    assert "已过期" in decl["summary"]
    assert "改动" not in decl["summary"]
    assert decl["data"]["issuer"] == "OpenAI"
    assert decl["data"]["binding"] == "intact"
    assert decl["data"]["declaration"]["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert decl["data"]["declaration"]["software_agent"] == "GPT-4o"
    assert "signingCredential.expired" in decl["data"]["credential_problems"]
    assert decl["data"]["signer_trust"] == "untrusted"
    assert "c2pa_changed_after_signing" not in found
    assert decl["data"]["trust_lists"][0]["name"] == "C2PA-TRUST-LIST"
    assert photo["verdict"]["level"] == "strong"


def test_midjourney_iptc_source_type(service, real: Path):
    photo = verify_bytes(service, (real / "midjourney.png").read_bytes())
    found = signals(photo, "ai_metadata")
    assert found["iptc_ai_source_type"]["data"]["value"].endswith("/trainedAlgorithmicMedia")
    assert found["iptc_ai_source_type"]["strength"] == "strong"
    assert found["midjourney"]["data"]["job_id"] == "2b6e053b-9a65-4ca9-9e13-b6f4465164d4"


def test_grok_generator_signature(service, real: Path):
    photo = verify_bytes(service, (real / "grok.jpg").read_bytes())
    sig = signals(photo, "ai_metadata")["grok_signature"]
    assert sig["strength"] == "strong"
    assert sig["data"]["signature"].startswith("IoR6YcSlkWo/")
    assert sig["data"]["artist"] == "4800156b-8880-4786-9056-7ca3da449d8c"


def test_c2pa_ca_valid_untrusted_no_ai(service, real: Path):
    photo = verify_bytes(service, (real / "c2pa_CA.jpg").read_bytes())
    found = signals(photo, "c2pa")
    m = found["c2pa_manifest"]["data"]
    assert (m["sdk_state"], m["binding"], m["signer_trust"]) == ("Valid", "intact", "untrusted")
    assert "c2pa_ai_declaration" not in found
    assert "c2pa_changed_after_signing" not in found


def test_c2pa_xca_changed_after_signing(service, real: Path):
    photo = verify_bytes(service, (real / "c2pa_XCA.jpg").read_bytes())
    found = signals(photo, "c2pa")
    assert found["c2pa_changed_after_signing"]["strength"] == "supporting"
    assert "assertion.dataHash.mismatch" in found["c2pa_manifest"]["data"]["binding_failures"]


def test_c2pa_cloud_remote_url_reported_not_fetched(service, real: Path):
    photo = verify_bytes(service, (real / "c2pa_cloud.jpg").read_bytes())
    remote = signals(photo, "c2pa")["c2pa_remote_manifest"]
    assert remote["data"]["remote_url"].startswith("https://cai-manifests.adobe.com/manifests/")
    assert remote["data"]["fetched"] is False


def test_c2pa_no_manifest_none_found(service, real: Path):
    photo = verify_bytes(service, (real / "c2pa_no_manifest.jpg").read_bytes())
    found = signals(photo, "c2pa")
    assert list(found) == ["no_c2pa"]
    assert found["no_c2pa"]["strength"] == "none"


def test_chatgpt_with_all_five_inputs_chains_to_a_legacy_root_but_reads_untrusted(
    service, real: Path
):
    """OpenAI's certificate here is issued by Truepic, whose RootCA is on the CAI interim
    anchors; it expired on 2026-04-15 and the claim has no time stamp, so the SDK cannot
    build a chain valid now: still untrusted, still strong, every list named."""
    for name in (
        "C2PA-TRUST-LIST.pem",
        "C2PA-TSA-TRUST-LIST.pem",
        "CAI-INTERIM-ANCHORS.pem",
        "CAI-INTERIM-ALLOWED.sha256.txt",
        "CAI-INTERIM-STORE.cfg",
    ):
        trust.import_file(service.home, TRUST / name)
    for file, state in (("chatgpt.png", "Invalid"), ("c2pa_CA.jpg", "Valid")):
        photo = verify_bytes(service, (real / file).read_bytes())
        m = signals(photo, "c2pa")["c2pa_manifest"]["data"]
        assert (m["sdk_state"], m["signer_trust"], m["trust_source"]) == (state, "untrusted", None)
        assert len(m["trust_lists"]) == 5
    decl = signals(photo := verify_bytes(service, (real / "chatgpt.png").read_bytes()), "c2pa")
    assert decl["c2pa_ai_declaration"]["strength"] == "strong"
    assert photo["verdict"]["level"] == "strong"

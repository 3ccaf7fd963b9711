"""Generator metadata, editing software, EXIF timeline and the EXIF thumbnail."""

from __future__ import annotations

import json

from PIL import ImageDraw

from server.demo import samples

from .conftest import signals, verify_bytes

TIMELINE = {
    "ordered_at": "2026-11-15T10:00:00+08:00",
    "delivered_at": "2026-11-18T15:00:00+08:00",
    "refund_requested_at": "2026-11-19T20:00:00+08:00",
}


def test_sd_webui_parameters_after_idat(service):
    data = samples.png(
        samples.photo(128, 96),
        after_idat=[
            samples.png_text_chunk(
                "parameters",
                b"cracked mug\nNegative prompt: blurry\nSteps: 30, Sampler: Euler a, Seed: 42",
            )
        ],
    )
    sd = signals(verify_bytes(service, data), "ai_metadata")["sd_parameters"]
    assert sd["strength"] == "strong"
    assert sd["data"]["settings"]["Seed"] == "42"
    assert sd["data"]["prompt"] == "cracked mug"


def test_comfyui_prompt_and_workflow(service):
    prompt = json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 5}}}).encode()
    workflow = json.dumps({"nodes": [{"id": 3, "type": "KSampler"}]}).encode()
    data = samples.png(
        samples.photo(128, 96),
        [samples.png_text_chunk("prompt", prompt), samples.png_text_chunk("workflow", workflow)],
    )
    comfy = signals(verify_bytes(service, data), "ai_metadata")["comfyui"]
    assert comfy["data"]["chunks"] == ["prompt", "workflow"]


def test_iptc_ai_fields_and_editor(service):
    xmp = samples.xmp_packet(
        {"Iptc4xmpExt:AISystemUsed": "Seedream", "xmp:CreatorTool": "美图秀秀 10.2"},
        {
            "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
            "xmp": "http://ns.adobe.com/xap/1.0/",
        },
    )
    found = signals(
        verify_bytes(service, samples.jpeg(samples.photo(128, 96), xmp=xmp)), "ai_metadata"
    )
    assert found["iptc_ai_system"]["data"]["fields"]["AISystemUsed"] == "Seedream"
    assert found["editing_software"]["data"]["software"] == "美图秀秀 10.2"
    assert found["editing_software"]["strength"] == "supporting"


def test_capture_before_delivery_is_supporting(service):
    data = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:10 12:00:00"))
    photo = verify_bytes(service, data, TIMELINE)
    found = signals(photo, "exif_context")
    assert found["captured_before_delivered"]["strength"] == "supporting"
    assert found["camera_capture_metadata"]["strength"] == "counter"  # shown, not hidden
    assert photo["verdict"]["level"] == "supporting"
    assert photo["verdict"]["counter_evidence"]


def test_capture_after_refund_request(service):
    data = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:21 08:00:00"))
    found = signals(verify_bytes(service, data, TIMELINE), "exif_context")
    assert found["captured_after_refund_request"]["strength"] == "supporting"


def test_capture_within_timeline_speaks_for_buyer(service):
    data = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:19 09:00:00"))
    photo = verify_bytes(service, data, TIMELINE)
    assert signals(photo, "exif_context")["capture_time_consistent"]["strength"] == "counter"
    assert photo["verdict"]["level"] == "counter"


def test_edited_thumbnail_detected(service):
    original = samples.photo(640, 480, seed=11)
    edited = original.copy()
    ImageDraw.Draw(edited).ellipse((380, 260, 560, 420), fill=(20, 15, 10))  # a painted stain
    data = samples.with_exif_thumbnail(
        samples.jpeg(edited, samples.camera_exif("2026:11:19 09:00:00")),
        original.resize((160, 120)),
    )
    found = signals(verify_bytes(service, data, TIMELINE), "exif_context")
    assert found["thumbnail_mismatch"]["strength"] == "supporting", found.get("thumbnail_matches")


def test_unedited_thumbnail_matches(service):
    original = samples.photo(640, 480, seed=11)
    data = samples.with_exif_thumbnail(
        samples.jpeg(original, samples.camera_exif("2026:11:19 09:00:00")),
        original.resize((160, 120)),
    )
    found = signals(verify_bytes(service, data, TIMELINE), "exif_context")
    assert "thumbnail_matches" in found
    assert "thumbnail_mismatch" not in found


def test_stripped_metadata_is_said(service):
    found = signals(verify_bytes(service, samples.jpeg(samples.photo(128, 96))), "exif_context")
    assert found["metadata_stripped"]["strength"] == "none"

"""Video evidence (MP4/MOV): intake within limits, the box reader's caps, and each video check
on videos made here (tests/video_util.py) and the C2PA SDK's real files."""

from __future__ import annotations

import io
import json
import struct
import time
from pathlib import Path

import pytest
from PIL import Image

from server.checks import (
    VIDEO_REGISTRY,
    CheckContext,
    content_credentials,
    video_context,
    video_label,
    video_mark,
    video_traces,
)
from server.checks.video_parsed import VideoData, open_media
from server.domain.cases import Finding, Source
from server.domain.limits import Limits
from server.errors import Problem
from server.formats import isobmff
from server.intake import receive
from server.service import Service
from tests import video_util as v
from tests.pixels_util import jpeg

LIMITS = Limits()


def parsed(data: bytes) -> VideoData:
    photo = receive(data, "evidence", Source(file_name="v.mp4"), LIMITS)
    out = open_media(data, photo, LIMITS)
    assert isinstance(out, VideoData)
    return out


def signals(findings: list[Finding]) -> dict[str, Finding]:
    return {f.signal: f for f in findings}


@pytest.fixture(scope="module")
def plain() -> bytes:
    return v.encode(v.frames(4, (160, 120)))


@pytest.fixture(scope="module")
def kling() -> bytes:
    """Kling as published: the label under moov/udta/meta keys+ilst and the kling-ai SEI."""
    label = json.dumps(v.KLING_LABEL)
    return v.encode(
        v.frames(4, (160, 120)),
        metadata={"AIGC": label},
        sei=v.sei_nal(v.KLING_UUID, b"kling-ai"),
    )


# intake and the box reader


def test_the_nested_moov_bomb_is_refused_fast_without_recursion(real: Path):
    bomb = (real / "video" / "nested_moov_1000.mp4").read_bytes()
    started = time.perf_counter()
    with pytest.raises(Problem) as e:
        receive(bomb, "evidence", Source(), LIMITS)
    assert time.perf_counter() - started < 1.0
    assert (e.value.code, e.value.status) == ("video_structure", 422)
    assert "嵌套过深" in e.value.text.zh and "nested too deep" in e.value.text.en


def test_a_million_boxes_are_refused_not_read():
    moov = v.box(b"moov", v.box(b"free", b"") * (isobmff.MAX_BOXES + 1))
    data = v.box(b"ftyp", b"isom\0\0\0\0isom") + moov
    with pytest.raises(isobmff.BoxError) as e:
        isobmff.read(data)
    assert e.value.code == "too_many"


def test_a_box_past_the_end_is_refused_at_the_top_and_noted_inside():
    top = v.box(b"ftyp", b"isom\0\0\0\0isom") + struct.pack(">I4s", 1000, b"moov")
    with pytest.raises(isobmff.BoxError):
        isobmff.read(top)
    inner = v.box(b"ftyp", b"isom\0\0\0\0isom") + v.box(
        b"moov", v.box(b"mvhd", b"\0" * 100) + struct.pack(">I4s", 500, b"udta")
    )
    layout = isobmff.read(inner)
    assert layout.damaged == ("moov",) and [b.type for b in layout.boxes][-1] == "mvhd"


def test_real_mov_and_mp4_are_taken_with_their_facts(real: Path):
    mov = receive((real / "video" / "c.mov").read_bytes(), "evidence", Source(), LIMITS)
    assert (mov.media, mov.format, mov.mime) == ("video", "MOV", "video/quicktime")
    assert (mov.width, mov.height) == (2750, 1834) and 5.2 < mov.duration < 5.3
    assert mov.phash and mov.pixels_error is None
    mp4 = receive((real / "video" / "legacy.mp4").read_bytes(), "evidence", Source(), LIMITS)
    assert (mp4.format, mp4.mime, mp4.width, mp4.height) == ("MP4", "video/mp4", 720, 1280)


def test_video_limits_are_stated_in_words(plain: bytes):
    small = Limits(max_video_bytes=len(plain) - 1)
    with pytest.raises(Problem) as e:
        receive(plain, "evidence", Source(), small)
    assert (e.value.code, e.value.status) == ("too_large", 413) and "视频太大" in e.value.text.zh
    with pytest.raises(Problem) as e:
        receive(plain, "evidence", Source(), Limits(max_video_seconds=0.1))
    assert e.value.code == "too_long"
    with pytest.raises(Problem) as e:
        receive(plain, "evidence", Source(), Limits(max_video_pixels=100))
    assert e.value.code == "too_many_pixels"
    cut = plain[: plain.rfind(b"moov") - 4]  # the moov (at the end) lost in a download
    with pytest.raises(Problem) as e:
        receive(cut, "evidence", Source(), LIMITS)
    assert e.value.code == "video_incomplete" and "moov" in e.value.text.zh


def test_a_photo_still_takes_the_photo_path():
    from PIL import Image

    photo = receive(jpeg(Image.new("RGB", (64, 48), "red")), "evidence", Source(), LIMITS)
    assert (photo.media, photo.format, photo.duration) == ("photo", "JPEG", 0.0)


# C2PA


def test_the_sdk_signed_mp4_reads_as_c2pa_untrusted_and_a_changed_byte_breaks_it(real: Path):
    data = (real / "video" / "legacy.mp4").read_bytes()
    (m,) = content_credentials.run(parsed(data), CheckContext())
    assert (m.signal, m.data["sdk_state"], m.data["binding"]) == (
        "c2pa_manifest",
        "Valid",
        "intact",
    )
    assert m.data["signer_trust"] == "untrusted"
    at = data.rfind(b"mdat") + 5000
    changed = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    found = content_credentials.run(parsed(changed), CheckContext())
    assert any("assertion.bmffHash.mismatch" in json.dumps(f.data) for f in found)


# the GB 45438 label in each layout


def _label(data: bytes) -> Finding:
    found = signals(video_label.run(parsed(data), CheckContext()))
    assert "no_label" not in found, found
    return found["gb45438_label"]


def test_the_tc260_layout_keys_ilst_under_udta_meta(kling: bytes):
    f = _label(kling)
    assert f.strength == "strong"
    assert f.data["placement"]["layout"] == "keys" and f.data["placement"]["key"] == "AIGC"
    assert f.data["placement"]["boxes"] == "moov/udta/meta/ilst"
    assert f.data["producer"]["service"] == "可灵 Kling"
    assert f.data["fields"]["ProduceID"].startswith("KLingMuse_")
    assert "视频" in f.summary.zh and "未签名" in f.summary.zh


def test_doubao_ios_layout_a_quicktime_meta_under_moov(plain: bytes):
    doubao = v.add_to_moov(plain, v.doubao_layout_a(v.DOUBAO_LABEL))
    f = _label(doubao)
    assert f.data["placement"]["boxes"] == "moov/meta/ilst"
    assert (f.data["placement"]["layout"], f.data["placement"]["key"]) == ("keys", "AIGC")
    assert f.data["producer"]["service"] == "豆包 Doubao"
    trace = signals(video_traces.run(parsed(doubao), CheckContext()))["doubao_export"]
    assert trace.strength == "supporting" and trace.data["items"][0]["key"].endswith("artwork")


def test_doubao_ios_layout_b_numeric_item_without_keys(plain: bytes):
    f = _label(v.add_to_moov(plain, v.doubao_layout_b(v.DOUBAO_LABEL)))
    assert f.data["placement"]["layout"] == "ilst" and f.data["placement"]["key"] == "#1"
    assert f.data["placement"]["handler"] == "mdir"


def test_a_remuxed_copy_loses_the_label_but_keeps_klings_sei(kling: bytes):
    copy = v.remux(kling)
    video = parsed(copy)
    (none,) = video_label.run(video, CheckContext())
    assert (none.signal, none.strength) == ("no_label", "none")
    assert "不确定" in none.summary.zh
    traces = signals(video_traces.run(video, CheckContext()))
    assert traces["kling_sei"].strength == "strong"
    assert traces["kling_sei"].data["sei_text"] == "kling-ai"


def test_no_trace_in_a_plain_video_names_its_encoder(plain: bytes):
    (f,) = video_traces.run(parsed(plain), CheckContext())
    assert (f.signal, f.strength) == ("no_trace", "none")
    assert f.data["encoders_in_stream"] == ["x264"]


def test_capcut_aigc_label_type_0_is_not_ai_but_dreamina_is():
    capcut = v.encode(
        v.frames(3, (160, 120)),
        metadata={
            "DreaminaMetaInfo": '{"te_is_reencode":1}',
            "aigc_info": '{"aigc_label_type":0,"source_info":"capcut"}',
        },
    )
    found = video_traces.run(parsed(capcut), CheckContext())
    assert not any(f.strength in ("strong", "supporting") for f in found)
    assert signals(found)["editor_export_not_ai"].strength == "none"
    dreamina = v.encode(
        v.frames(3, (160, 120)),
        metadata={"comment": '{"data":{"product":"dreamina","exportType":"generation"}}'},
    )
    f = signals(video_traces.run(parsed(dreamina), CheckContext()))["dreamina_metadata"]
    assert f.strength == "strong" and f.data["generator"] == "即梦 Dreamina"


# contradictions


def test_apple_tags_beside_lavf_and_x264_are_a_contradiction(kling: bytes):
    laundered = v.add_to_moov(v.remux(kling), v.apple_tags())
    (f,) = video_context.run(parsed(laundered), CheckContext())
    assert (f.signal, f.strength) == ("apple_tags_with_processor", "supporting")
    assert "iPhone 15 Pro" in f.summary.zh and "SEI=x264" in f.summary.en


def test_a_real_macos_recording_states_its_device(real: Path):
    mov = parsed((real / "video" / "c.mov").read_bytes())
    facts = {"delivered_at": "2025-08-23T08:00:00+08:00", "refund_requested_at": "2025-08-25"}
    found = signals(video_context.run(mov, CheckContext(facts=facts)))
    assert found["device_tags"].data["apple_tags"]["com.apple.quicktime.make"] == "Apple"
    # creationdate 2025-08-22T21:39:57-0700 is 12:39 on the 23rd in China: after delivery
    assert "created_consistent" in found
    early = {"delivered_at": "2025-08-24T08:00:00+08:00"}
    late = signals(video_context.run(mov, CheckContext(facts=early)))
    assert late["created_before_delivered"].strength == "supporting"


# the visible mark


def test_a_fixed_corner_mark_is_found_read_and_measured():
    marked = v.encode(v.with_mark(v.frames(22, (320, 240))), fps=10)
    video = parsed(marked)
    (f,) = video_mark.run(video, CheckContext())
    assert (f.signal, f.strength) == ("visible_ai_mark", "strong")
    assert f.data["vendor"] == "可灵 Kling" and f.data["found_in"] == "fixed pixels"
    assert f.data["position"] == "bottom-right corner"
    assert f.data["meets_5pct_rule"] and f.data["shown_first_2s"]
    early = [e["time"] for e in f.data["early_frames"]]
    assert {0.0, 1.0, 1.9} <= set(early) and max(early) < 2.0
    assert len(video.figures) == 1


def test_no_mark_in_moving_frames_is_inconclusive(plain: bytes):
    (f,) = video_mark.run(parsed(plain), CheckContext())
    assert (f.signal, f.strength) == ("no_visible_mark", "none")


# the whole flow


def test_a_case_with_a_video_and_a_listing_photo_runs_each_its_own_checks(
    service: Service, kling: bytes
):
    from PIL import Image

    case = service.create_case({"platform": "taobao", "refund_id": "R1"})
    video, _ = service.add_photo(case["id"], kling, "evidence", Source(file_name="k.mp4"))
    listing = jpeg(Image.new("RGB", (64, 48), "blue"))
    service.add_photo(case["id"], listing, "listing", Source())
    out = service.verify(case["id"])
    by_sha = {p["sha256"]: p for p in out["photos"]}
    checks = [c["check"] for c in by_sha[video.sha256]["checks"]]
    assert checks == [c.NAME for c in VIDEO_REGISTRY]
    other = next(p for s, p in by_sha.items() if s != video.sha256)
    assert "video_label" not in [c["check"] for c in other["checks"]]
    assert by_sha[video.sha256]["verdict"]["level"] == "strong"
    found = {f["signal"] for f in by_sha[video.sha256]["findings"]}
    assert {"gb45438_label", "kling_sei"} <= found


# reports


@pytest.fixture(scope="module")
def marked() -> bytes:
    """Kling as published, with its fixed corner mark too."""
    return v.encode(
        v.with_mark(v.frames(22, (320, 240))),
        metadata={"AIGC": json.dumps(v.KLING_LABEL)},
        sei=v.sei_nal(v.KLING_UUID, b"kling-ai"),
    )


def _report_case(service: Service, video: bytes) -> tuple[str, str]:
    case = service.create_case({"platform": "taobao", "order_id": "O1", "refund_id": "R1"})
    photo, _ = service.add_photo(case["id"], video, "evidence", Source(file_name="crab.mp4"))
    return case["id"], photo.sha256


def test_the_police_report_attaches_the_video_and_shows_its_frames(service: Service, marked):
    from pypdf import PdfReader

    case_id, sha = _report_case(service, marked)
    record = service.report(case_id, "police")
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    files = {n: b[0] for n, b in PdfReader(io.BytesIO(pdf)).attachments.items()}
    assert files[f"{sha}.mp4"] == marked
    snapshot = json.loads(files["snapshot.json"])
    assert snapshot["referenced"] == []
    (mark,) = [
        f
        for p in snapshot["verification"]["photos"]
        for f in p["findings"]
        if f["check"] == "video_mark"
    ]
    strip = files[f"figure-{mark['data']['figure']['sha256']}.jpg"]
    with Image.open(io.BytesIO(strip)) as im:  # four frames side by side
        assert im.width > 3 * im.height
    check = service.check_report(pdf)
    assert check.ok and all(a["ok"] for a in check.attachments)
    appeal = service.report(case_id, "appeal")
    assert any(n.endswith(".jpg") for n in appeal["files"] if n != "report.pdf")


def test_a_video_over_the_attachment_size_is_named_by_hash(service: Service, marked, monkeypatch):
    from pypdf import PdfReader

    from reports import snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "VIDEO_ATTACH_MAX", len(marked) - 1)
    case_id, sha = _report_case(service, marked)
    record = service.report(case_id, "police")
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    files = {n: b[0] for n, b in PdfReader(io.BytesIO(pdf)).attachments.items()}
    assert f"{sha}.mp4" not in files
    referenced = json.loads(files["snapshot.json"])["referenced"]
    assert referenced == [{"name": f"{sha}.mp4", "sha256": sha, "size": len(marked)}]
    assert service.check_report(pdf).ok


def test_the_same_video_in_another_refund_is_found(service: Service, kling: bytes):
    first = service.create_case({"platform": "taobao", "refund_id": "R-A"})
    service.add_photo(first["id"], kling, "evidence", Source(file_name="a.mp4"))
    service.verify(first["id"])
    second = service.create_case({"platform": "pinduoduo", "refund_id": "R-B"})
    copy = v.remux(kling)  # the same frames in a new file: other bytes, same pictures
    service.add_photo(second["id"], copy, "evidence", Source(file_name="b.mp4"))
    out = service.verify(second["id"])
    found = {f["signal"]: f for f in out["photos"][0]["findings"]}
    reused = found["reused_in_other_refund"]
    assert reused["strength"] == "decisive" and reused["data"]["other_case"] == first["id"]
    assert reused["data"]["identical_bytes"] is False


def test_a_photo_of_a_keyframe_is_found_in_another_refunds_video(service: Service):
    """The video is known by each keyframe, not only its middle frame: a still of its first
    scene, sent as a photo in another refund, is found and confirmed on that keyframe."""
    scene_a, scene_b = v.frames(10, (320, 240), seed=3), v.frames(10, (320, 240), seed=4)
    video = v.encode(scene_a + scene_b, fps=10, gop=10)
    first = service.create_case({"platform": "douyin", "refund_id": "R-V"})
    kept, _ = service.add_photo(first["id"], video, "evidence", Source(file_name="v.mp4"))
    assert kept.frame_times == [0.0, 1.0] and len(set(kept.frame_hashes)) == 2
    service.verify(first["id"])
    second = service.create_case({"platform": "taobao", "refund_id": "R-P"})
    still = jpeg(scene_a[0].resize((480, 360)))
    service.add_photo(second["id"], still, "evidence", Source(file_name="p.jpg"))
    out = service.verify(second["id"])
    found = {f["signal"]: f for f in out["photos"][0]["findings"]}
    assert found["reused_in_other_refund"]["data"]["other_case"] == first["id"]


# the workers' video budget


def sleepy_video_mark(job, starting):
    """A photo's first check, then every check of a video: video_mark hangs (module-level: the
    spawned worker finds it by name)."""
    from server.checking import CheckDone
    from server.checks import REGISTRY, status_line

    for photo in job.photos:
        checks = VIDEO_REGISTRY if photo.media == "video" else REGISTRY[:1]
        for check in checks:
            if check.NAME in job.stopped.get(photo.sha256, ()):
                continue
            starting(photo.sha256, check.NAME)
            if photo.media == "video" and check.NAME == "video_mark":
                time.sleep(60)
            yield CheckDone(photo.sha256, [], status_line(check, "ok", False), {}, [])


def test_a_video_is_stopped_on_its_own_time_budget_and_the_photo_goes_on():
    from server.checking import PhotoJob
    from server.domain.cases import Photo
    from server.workers import Budget, Workers

    def item(name: str, media: str) -> Photo:
        fmt, mime = ("MP4", "video/mp4") if media == "video" else ("JPEG", "image/jpeg")
        return Photo(name, "evidence", fmt, mime, 8, 8, 1, Source(), "2026-12-03", media=media)

    job = PhotoJob(
        home=Path("."),
        limits=LIMITS,
        case_id="c",
        facts={},
        remote_manifest_fetch=False,
        photos=(item("clip", "video"), item("still", "photo")),
        listings=(),
        pool=(),
    )
    # a photo's 60 s would give video_mark about 29 s; the video's own 4 s about 2
    budget = Budget(seconds=60, video_seconds=4, memory=600 * 2**20, workers=1)
    assert budget.for_media("video") == (4, budget.video_memory)
    pool = Workers(budget, check=sleepy_video_mark)
    try:
        started = time.monotonic()
        done = list(pool.check(job))
        assert time.monotonic() - started < 15
    finally:
        pool.close()
    said = {(d.sha256, d.status["check"]): d.findings for d in done}
    assert said["clip", "video_mark"][0]["signal"] == "over_time_budget"
    assert said["clip", "video_context"] == [] and said["still", "c2pa"] == []


def test_a_video_that_starts_on_the_listing_photo_is_its_copy(service: Service):
    """Image-to-video: the clip opens on the seller's listing photo and drifts away from it;
    its first keyframe is compared with the listing photos, not only its middle frame."""
    from server.demo import samples

    listing = samples.product_shot(640, 480, seed=2)
    opening = [listing.resize((320, 240))] * 10
    video = v.encode(opening + v.frames(10, (320, 240), seed=6), fps=10, gop=10)
    case = service.create_case({"platform": "taobao", "refund_id": "R-I2V"})
    clip, _ = service.add_photo(case["id"], video, "evidence", Source(file_name="i2v.mp4"))
    service.add_photo(case["id"], jpeg(listing), "listing", Source(file_name="main.jpg"))
    out = service.verify(case["id"])
    (mine,) = [p for p in out["photos"] if p["sha256"] == clip.sha256]
    found = {f["signal"]: f for f in mine["findings"]}
    assert found["derived_from_listing"]["strength"] == "decisive"
    assert found["derived_from_listing"]["data"]["listing_file"] == "main.jpg"


def test_a_video_filmed_upright_is_read_upright():
    """Phones store an upright video sideways with a turn in the track header: frames, size
    and the mark are read as players show them."""
    upright = list(v.with_mark(v.frames(22, (240, 320))))
    stored = [im.rotate(90, expand=True) for im in upright]  # sideways, as the phone keeps it
    data = v.filmed_upright(v.encode(stored, fps=10))
    video = parsed(data)
    assert (video.photo.width, video.photo.height) == (240, 320)
    assert video.frames[0].image.size == (240, 320)
    (f,) = video_mark.run(video, CheckContext())
    assert f.signal == "visible_ai_mark" and f.data["position"] == "bottom-right corner"


def test_an_hevc_mov_like_an_iphones_is_read_with_its_sei():
    data = v.encode(
        v.frames(4, (160, 128)),
        sei=v.sei_nal(v.KLING_UUID, b"kling-ai", hevc=True),
        codec="libx265",
        container="mov",
    )
    video = parsed(data)
    assert (video.photo.format, video.movie.video.codec) == ("MOV", "hvc1")
    assert video.frames[0].image.size == (160, 128)
    found = signals(video_traces.run(video, CheckContext()))
    assert found["kling_sei"].data["sei_text"] == "kling-ai"


def test_the_api_takes_a_video_over_the_photo_size_but_not_such_a_photo(home, plain: bytes):
    """The upload limit is the larger of the two; each kind is then held to its own."""
    import httpx

    from server.settings import Config

    from .server_proc import ServerProcess

    padding = v.box(b"free", b"\0" * (52 * 2**20))  # a top-level box players skip
    big_video = plain + padding
    big_photo = jpeg(Image.new("RGB", (64, 48), "red")) + b"\0" * (52 * 2**20)
    server = ServerProcess(home).start()
    try:
        token = Config.load(home).token
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as api:
            case_id = api.post("/api/cases", json={"platform": "taobao"}).json()["id"]
            sent = api.post(f"/api/cases/{case_id}/photos", files={"file": ("v.mp4", big_video)})
            assert sent.status_code == 201, sent.text
            assert sent.json()["photo"]["media"] == "video"
            refused = api.post(f"/api/cases/{case_id}/photos", files={"file": ("p.jpg", big_photo)})
            assert refused.status_code == 413 and refused.json()["error"] == "too_large"
    finally:
        server.stop()

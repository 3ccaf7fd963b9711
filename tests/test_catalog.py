"""The shop catalogue: pictures kept with their origin and a time stamp over each import,
copies of any of them found in every form a fraudster makes (and honest photos left alone),
results never stale when the catalogue grows, and the `refundproof catalog` commands."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import httpx
import numpy as np
import pytest
from asn1crypto import cms, tsp
from PIL import Image

from server.catalog_service import Incoming
from server.checks import CheckContext, catalog_match
from server.demo import copies, samples
from server.domain import dates, merkle
from server.domain.cases import Source
from server.domain.limits import Limits
from server.service import Service
from server.settings import Config
from server.store.catalog import Catalog, check_catalog

from .pixels_util import iou, jpeg, parsed
from .server_proc import ServerProcess, free_port, run_cli
from .test_report_timestamp import tsa_url  # noqa: F401  # the loopback TSA fixture

PICTURES = 24  # distinct listing pictures; a colour variant and a detail page join them
VARIANT_OF = 5  # picture 5 also comes in another colour
DETAIL_SEED = 3


def _incoming(data: bytes, name: str, **origin: str) -> Incoming:
    return Incoming(data, {"file_name": name, "method": "cli_file", **origin}, name)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose catalogue holds the generated pictures (built once: ~15 s)."""
    home = tmp_path_factory.mktemp("shop")
    service = Service(home)
    service.change_settings(tsa_urls=[])  # offline: the local clock
    pictures = [
        _incoming(jpeg(copies.listing(k), 92), f"main{k}.jpg", sku=f"SKU-{k}")
        for k in range(PICTURES)
    ]
    variant = copies.recoloured(copies.listing(VARIANT_OF), 85)
    pictures.append(_incoming(jpeg(variant, 92), "variant-blue.jpg", sku="BLUE"))
    pictures.append(_incoming(jpeg(copies.detail_page(DETAIL_SEED), 90), "detail.jpg"))
    added = service.catalog.add(pictures)
    assert len(added.added) == PICTURES + 2 and not added.refused
    return home


def _lookup(home: Path, photo: Image.Image) -> catalog_match.Finding:
    ctx = CheckContext(catalog=Catalog(home).snapshot())
    (finding,) = catalog_match.run(parsed(jpeg(photo, 85)), ctx)
    return finding


DAMAGE_AT = (400, 330, 560, 490)  # in the listing's pixels (900 × 900)


def _damaged(k: int) -> Image.Image:
    return samples.paint_damage(copies.listing(k), DAMAGE_AT, seed=2)


@pytest.mark.parametrize("kind", sorted(copies.COPIES))
def test_every_kind_of_copy_is_found_and_names_its_entry(shop, kind):
    source = copies.listing(11) if kind in ("crop30", "edit30") else _damaged(11)
    f = _lookup(shop, copies.COPIES[kind](source))
    assert f.signal == "derived_from_catalog", (kind, f.summary.en, f.data)
    assert f.strength == "decisive"
    entry = f.data["catalog_entry"]
    assert entry["origin"]["file_name"] == "main11.jpg" and entry["origin"]["sku"] == "SKU-11"
    assert entry["first_seen"] and entry["merkle_root"]
    assert "main11.jpg" in f.summary.zh and "SKU-11" in f.summary.en
    assert f.data["figure"]["sha256"]
    assert f.data["mirrored"] == (kind == "mirror")
    if kind not in ("crop30", "edit30"):
        assert f.data["regions"], "the painted damage must be boxed"


def test_the_damage_is_boxed_where_it_was_painted(shop):
    f = _lookup(shop, _damaged(8).resize((600, 600)))
    truth = tuple(v * 600 // 900 for v in DAMAGE_AT)
    assert max(iou(r, truth) for r in f.data["regions"]) >= 0.4, (f.data["regions"], truth)


def test_a_part_cut_out_of_a_tall_detail_image_is_found(shop):
    page = copies.detail_page(DETAIL_SEED)
    f = _lookup(shop, copies.painted(copies.cut_from(page, 2), share=0.05))
    assert f.signal == "derived_from_catalog", f.data
    assert f.data["catalog_entry"]["origin"]["file_name"] == "detail.jpg"
    assert f.data["regions"]


@pytest.mark.parametrize("variant", [False, True])
def test_the_right_colour_variant_is_named(shop, variant):
    base = copies.listing(VARIANT_OF)
    source = copies.recoloured(base, 85) if variant else base
    f = _lookup(shop, samples.paint_damage(source, DAMAGE_AT, seed=4).rotate(5))
    assert f.signal == "derived_from_catalog", f.data
    name = f.data["catalog_entry"]["origin"]["file_name"]
    assert name == ("variant-blue.jpg" if variant else f"main{VARIANT_OF}.jpg")


def test_honest_photos_are_not_called_copies(shop):
    # another photo of a catalogued product: moved and seen at an angle, new backdrop
    other_view = samples.product_shot(900, 900, seed=777, view=0.6, product_seed=10_000 + 4)
    # the same scene as a catalogue picture, another region of it (a third overlaps)
    scene = copies.listing(9, width=1800, height=900)
    never = copies.listing(5000)
    for photo in (other_view, scene.crop((1000, 0, 1800, 900)), never):
        f = _lookup(shop, photo)
        assert f.signal in ("no_catalog_match", "same_subject_not_copy"), f.data
        assert f.strength == "none"


def test_the_catalogue_keeps_origin_duplicates_and_its_checks(shop, tmp_path):
    home = tmp_path / "h"
    service = Service(home)
    service.change_settings(tsa_urls=[])
    one = jpeg(copies.listing(1), 90)
    first = service.catalog.add(
        [_incoming(one, "a.jpg", page_url="https://item.taobao.com/item.htm?id=1")]
    )
    again = service.catalog.add([_incoming(one, "copy-of-a.jpg")])
    assert again.batch is None and [d["sha256"] for d in again.duplicates] == [
        first.added[0]["sha256"]
    ]
    (entry,) = service.catalog.list()
    assert entry["origin"]["page_url"] == "https://item.taobao.com/item.htm?id=1"
    assert entry["time_stamp"] is None  # offline: the local clock only
    catalog = Catalog(home)
    batch = catalog.batch(entry["batch"])
    assert merkle.verify(bytes.fromhex(entry["sha256"]), [], bytes.fromhex(batch["root"]))
    assert check_catalog(catalog) == []
    # a picture changed on disk is named by check
    path = catalog.images.path(entry["sha256"])
    path.chmod(0o600)
    path.write_bytes(b"changed")
    assert any("changed on disk" in p.en for p in service.check().problems)
    version = catalog.version()
    service.catalog.remove(entry["id"])
    assert service.catalog.list() == [] and catalog.version() > version


def test_merkle_paths_prove_every_leaf():
    for n in range(1, 10):
        leaves = [bytes([i]) * 32 for i in range(n)]
        root = merkle.root(leaves)
        for i, leaf in enumerate(leaves):
            assert merkle.verify(leaf, merkle.path(leaves, i), root)
            assert not merkle.verify(b"x" * 32, merkle.path(leaves, i), root)


def test_a_result_from_before_the_catalogue_grew_is_never_served(home):
    service = Service(home)
    service.change_settings(tsa_urls=[])
    service.catalog.add([_incoming(jpeg(copies.listing(1), 90), "other.jpg")])
    photo = jpeg(copies.COPIES["rotate15"](_damaged(2)), 85)
    case = service.create_case({})
    service.add_photo(case["id"], photo, "evidence", Source(method="cli_file", file_name="p.jpg"))

    def catalog_signal() -> str:
        result = service.verify(case["id"], "en")
        (f,) = [f for f in result["photos"][0]["findings"] if f["check"] == "catalog_match"]
        return str(f["signal"])

    assert catalog_signal() == "no_catalog_match"
    service.catalog.add([_incoming(jpeg(copies.listing(2), 90), "source.jpg")])
    assert catalog_signal() == "derived_from_catalog"


def test_each_import_is_time_stamped_and_an_offline_one_later(home, tsa_url):  # noqa: F811
    service = Service(home)
    dead = f"http://127.0.0.1:{free_port()}/tsa"
    service.change_settings(tsa_urls=[dead])
    offline = service.catalog.add([_incoming(jpeg(copies.listing(1), 90), "a.jpg")])
    assert offline.stamp is None
    service.change_settings(tsa_urls=[tsa_url])
    online = service.catalog.add([_incoming(jpeg(copies.listing(2), 90), "b.jpg")])
    assert online.stamp and online.stamp["service"] == tsa_url
    catalog = Catalog(home)
    for batch_id in (offline.batch, online.batch):  # the offline batch was stamped too
        batch = catalog.batch(batch_id)
        assert batch["time_stamp"], batch_id
        token = cms.ContentInfo.load(base64.b64decode(batch["time_stamp"]["token"]))
        info = token["content"]["encap_content_info"]["content"].parsed
        assert isinstance(info, tsp.TSTInfo)
        # the token covers the batch's Merkle root, so every picture in it
        assert info["message_imprint"]["hashed_message"].native == bytes.fromhex(batch["root"])
    listed = {e["origin"]["file_name"]: e for e in service.catalog.list()}
    assert listed["a.jpg"]["time_stamp"]["service"] == tsa_url


def test_the_catalog_commands(home, tmp_path):
    folder = tmp_path / "shop"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg(copies.listing(1), 90))
    (folder / "sub" / "b.png").write_bytes(jpeg(copies.listing(2), 90))
    (folder / "sub" / "notes.txt").write_text("not a picture, skipped")
    Service(home).change_settings(tsa_urls=[])
    r = run_cli(home, "catalog", "add", str(folder), "--sku", "RED", "--url", "https://x.test/1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("+ ") == 2 and "[RED]" in r.stdout
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 not really")
    r = run_cli(home, "catalog", "add", str(folder / "a.jpg"), str(bad), "--lang", "en")
    assert r.returncode == 1
    assert "already in the catalogue" in r.stdout and "broken.jpg" in r.stderr
    # `refundproof verify PHOTO`, no --listing: the copy is found in the catalogue and named
    copy = tmp_path / "refund.jpg"
    copy.write_bytes(jpeg(copies.COPIES["mirror"](_damaged(2)), 85))
    r = run_cli(home, "verify", str(copy), "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "copy of b.png from the seller's catalogue" in r.stdout and "SKU RED" in r.stdout
    listed = json.loads(run_cli(home, "catalog", "list", "--json").stdout)
    assert {e["origin"]["sku"] for e in listed} == {"RED"} and len(listed) == 2
    assert listed[0]["origin"]["page_url"] == "https://x.test/1"
    r = run_cli(home, "catalog", "remove", listed[0]["id"])
    assert r.returncode == 0, r.stderr
    stats = json.loads(run_cli(home, "catalog", "stats").stdout)
    assert stats["pictures"] == 1 and stats["unstamped_batches"] == 1
    r = run_cli(home, "catalog", "remove", "0123456789ab")
    assert r.returncode == 1 and "找不到" in r.stderr


def test_the_catalog_api(home):
    Service(home).change_settings(tsa_urls=[])
    server = ServerProcess(home).start()
    token = Config.load(home).token
    try:
        _api(server.url, token)
    finally:
        server.stop()


def _api(url: str, token: str) -> None:
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    meta = {
        "page_url": "https://detail.tmall.com/item.htm?id=9",
        "image_url": "https://img.alicdn.com/x.jpg",
        "method": "extension_product_page",
    }
    picture = jpeg(copies.listing(3), 90)
    r = client.post(
        "/api/catalog", files={"file": ("x.jpg", picture)}, data={"meta": json.dumps(meta)}
    )
    assert r.status_code == 201, r.text
    (added,) = r.json()["added"]
    assert added["origin"]["image_url"] == meta["image_url"]
    r = client.post(
        "/api/catalog", files={"file": ("x.jpg", picture)}, data={"meta": json.dumps(meta)}
    )
    assert r.status_code == 200 and r.json()["duplicates"]
    r = client.post("/api/catalog", files={"file": ("x.jpg", b"nope")})
    assert r.status_code in (400, 415) and r.json()["message"]
    r = client.post(
        "/api/catalog", files={"file": ("x.jpg", picture)}, data={"meta": '{"colour": 1}'}
    )
    assert r.status_code == 400 and "colour" in r.json()["message_en"]
    assert [e["sha256"] for e in client.get("/api/catalog").json()["entries"]] == [added["sha256"]]
    assert client.get("/api/catalog/stats").json()["pictures"] == 1
    assert client.delete(f"/api/catalog/{added['id']}").status_code == 200
    assert client.delete(f"/api/catalog/{added['id']}").status_code == 404
    assert httpx.get(url + "/api/catalog").status_code == 401


def test_pictures_added_one_at_a_time_are_merged_and_still_found(home):
    service = Service(home)
    service.change_settings(tsa_urls=[])
    catalog = Catalog(home)
    shots = [copies.listing(200 + k, 480, 480) for k in range(11)]
    for k, shot in enumerate(shots):
        service.catalog.add([_incoming(jpeg(shot, 90), f"one{k}.jpg")])
    assert len(catalog.manifest()["parts"]) <= 8
    assert catalog.leftover_parts() == [] and check_catalog(catalog) == []
    gone = service.catalog.list()[3]
    service.catalog.remove(gone["id"])
    for k in (0, 3, 10):
        f = _lookup(home, copies.COPIES["rotate15"](shots[k]))
        if k == 3:
            assert f.signal != "derived_from_catalog"  # removed: never named again
        else:
            assert f.data["catalog_entry"]["origin"]["file_name"] == f"one{k}.jpg", f.data


def test_the_police_record_names_the_catalogue_entry_and_when_it_joined(home, tsa_url):  # noqa: F811
    from pypdf import PdfReader

    from reports import police

    from .test_police_record import ALLOWED, _verbatim, _without
    from .test_report import flat, pdftotext

    service = Service(home)
    service.change_settings(tsa_urls=[tsa_url])
    added = service.catalog.add(
        [_incoming(jpeg(copies.listing(4), 90), "cup-red.jpg", sku="RED-500")]
    )
    case = service.create_case({"platform": "淘宝/天猫", "order_id": "4012"})
    fake = jpeg(copies.COPIES["rotate15"](_damaged(4)), 85)
    service.add_photo(case["id"], fake, "evidence", Source(method="cli_file", file_name="p.jpg"))
    record = service.report(case["id"], "police", "zh")
    pdf = service.report_file(record["id"], "report.pdf").read_bytes()
    raw = pdftotext(pdf)
    text = flat(raw)
    assert "cup-red.jpg" in text and "RED-500" in text
    joined = flat(dates.shown_iso(added.stamp["time"]))  # 2026-11-18 15:00:00 (UTC+8)
    assert "图库收录" in text and joined in text and tsa_url in text
    assert "localclock" not in text and "Merkleroot" not in text
    # the same rule as the other police records: no English words beyond the allowed names,
    # once the verbatim values (ids, hashes, the seller's own file name, SKU and TSA) are out
    snapshot = json.loads(PdfReader(io.BytesIO(pdf)).attachments["snapshot.json"][0])
    for value in [
        *_verbatim(snapshot),
        *police.QUOTED,
        "cup-red.jpg",
        "RED-500",
        tsa_url,
        "http-headers.json",
    ]:
        raw = _without(raw, value)
    raw = re.sub(r"\b(?=[A-Za-z]*\d)[A-Za-z0-9]{8,}\b", " ", raw)
    assert not sorted(set(re.findall(r"[A-Za-z][A-Za-z0-9-]*", raw)) - ALLOWED)
    # what the record says lets anyone check the time: the picture's SHA-256, its path up to
    # the batch's root, and the service's token over that root, all in the snapshot
    (entry,) = _dicts_with(snapshot, "merkle_path")
    picture = hashlib.sha256(jpeg(copies.listing(4), 90)).digest()
    assert entry["sha256"] == picture.hex()
    root = bytes.fromhex(entry["merkle_root"])
    assert merkle.verify(picture, [tuple(s) for s in entry["merkle_path"]], root)
    assert not merkle.verify(hashlib.sha256(b"other").digest(), entry["merkle_path"], root)
    token = cms.ContentInfo.load(base64.b64decode(entry["time_stamp"]["token"]))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == root


def _dicts_with(tree: object, key: str) -> list[dict]:
    """Every dict in a JSON tree that has this key."""
    if isinstance(tree, dict):
        return [tree] * (key in tree) + [d for v in tree.values() for d in _dicts_with(v, key)]
    if isinstance(tree, list):
        return [d for v in tree for d in _dicts_with(v, key)]
    return []


def test_a_small_recent_import_does_not_outvote_a_large_one():
    """Word rarity is counted over the whole catalogue: a picture in a large part is not
    outranked by the items of a small part (one import of a few pictures)."""
    from server.imaging import retrieval

    vocabulary = retrieval.default_vocabulary()
    items = [
        retrieval.items_of(copies.listing(300 + k, 400, 400), vocabulary)[0] for k in range(24)
    ]
    parts = [retrieval.Part.of(items[:20]), retrieval.Part.of(items[20:])]
    grey, scale = retrieval.grey_at(copies.listing(307, 400, 400).rotate(10), retrieval.QUERY_SIDE)
    query = retrieval.query_of(grey, scale, vocabulary)
    words, weights = retrieval.idf(query, parts)
    scores = np.concatenate([retrieval.vote(words, weights, p) for p in parts])
    assert int(np.argmax(scores)) == 7
    assert retrieval.search(parts, query)[0][0] == 7


def test_box_art_photographed_at_an_angle_is_not_a_framed_copy(shop):
    """The listing photo printed on the product's box, photographed at an angle on a table:
    the whole picture is inside the photo, but seen in perspective, so it is no screenshot."""
    art = copies.listing(13).resize((500, 500))
    table = samples.backdrop(1200, 1000, seed=99)
    src = np.array([[0, 0], [500, 0], [500, 500], [0, 500]], np.float32)
    dst = np.array([[330, 220], [860, 300], [820, 820], [300, 760]], np.float32)
    coeffs = samples._perspective_coeffs(dst, src)
    box = art.transform((1200, 1000), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    mask = Image.new("L", (500, 500), 255).transform(
        (1200, 1000), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    table.paste(box, (0, 0), mask)
    f = _lookup(shop, table)
    assert f.signal != "derived_from_catalog", f.data
    # the same picture shown upright in a screenshot is one
    assert _lookup(shop, copies.screenshot(copies.listing(13))).signal == "derived_from_catalog"


def test_a_video_that_starts_on_a_catalogue_picture_is_found(shop):
    """Image-to-video: the clip opens on a catalogue picture and drifts away from it; its
    first keyframe is looked up, not only its middle frame."""
    from server.checks.video_parsed import open_media
    from server.intake import receive

    from . import video_util as v

    opening = [copies.listing(6).resize((480, 480))] * 10
    data = v.encode(opening + v.frames(10, (480, 480), seed=6), fps=10, gop=10)
    clip = receive(data, "evidence", Source(file_name="i2v.mp4"), Limits())
    ctx = CheckContext(catalog=Catalog(shop).snapshot())
    (f,) = catalog_match.run(open_media(data, clip, Limits()), ctx)
    assert f.signal == "derived_from_catalog", f.data
    assert f.data["catalog_entry"]["origin"]["file_name"] == "main6.jpg"


def test_a_listing_photo_of_the_case_is_left_to_listing_match(shop):
    """The extension adds a refund page's listing photos to the catalogue before verifying:
    a copy of one is listing_match's finding, not found a second time here."""
    listing = parsed(jpeg(copies.listing(11), 92), role="listing", name="main11.jpg")
    ctx = CheckContext(catalog=Catalog(shop).snapshot(), listings=(listing,))
    fake = parsed(jpeg(copies.COPIES["rotate15"](_damaged(11)), 85))
    (f,) = catalog_match.run(fake, ctx)
    assert f.signal != "derived_from_catalog", f.data
    assert f.strength == "none"
    plain = CheckContext(catalog=ctx.catalog)
    assert catalog_match.context_key(ctx, fake.photo) != catalog_match.context_key(
        plain, fake.photo
    )
    # another listing photo in the case does not hide a catalogue picture it is not
    other = parsed(jpeg(copies.listing(12), 92), role="listing")
    ctx = CheckContext(catalog=ctx.catalog, listings=(other,))
    assert catalog_match.run(fake, ctx)[0].signal == "derived_from_catalog"


def test_a_video_is_refused_as_not_a_picture(home):
    from . import video_util as v

    service = Service(home)
    service.change_settings(tsa_urls=[])
    clip = v.encode(v.frames(4, (160, 160), seed=3), fps=4, gop=4)
    result = service.catalog.add([_incoming(clip, "clip.mp4")])
    assert not result.added and result.batch is None
    ((name, problem),) = result.refused
    assert name == "clip.mp4" and problem.code == "not_a_picture"
    assert "商品图库只收图片" in problem.text.zh and "pictures only" in problem.text.en
    assert service.catalog.list() == []


def test_a_service_that_answers_the_test_then_fails_the_stamp_gives_way(home, tsa_url):  # noqa: F811
    """The first service answers the test request, then refuses the real one: as a report
    does, it counts as silent, and the next service in the plan stamps the batch."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from server.settings import TsaMemory

    from .test_report_timestamp import _tsa_stamper

    stamper, asked = _tsa_stamper(), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            asked.append(req)
            if len(asked) > 1:  # only the test request is answered
                self.send_error(503)
                return
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
    flaky = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    try:
        service = Service(home)
        service.change_settings(tsa_urls=[flaky, tsa_url])
        added = service.catalog.add([_incoming(jpeg(copies.listing(3), 90), "c.jpg")])
    finally:
        server.shutdown()
    assert len(asked) == 2  # the test request, then the real one it refused
    assert added.stamp and added.stamp["service"] == tsa_url
    memory = TsaMemory.load(home)
    assert memory.answered == tsa_url and flaky in memory.silent

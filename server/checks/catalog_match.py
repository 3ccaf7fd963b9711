"""Is the refund photo an edited copy of any picture in the seller's catalogue?

The photo's visual words are looked up in the catalogue's index (server/imaging/retrieval.py),
and again mirrored when nothing is found; the few best candidates are then confirmed as
listing_match confirms a listing photo: a homography, then the pixel residual, with what
still differs located. A copy shown inside a larger picture (a phone screenshot with its
status bar and letterboxing) counts when the whole catalogue picture is inside the photo and
agrees pixel for pixel. Among colour variants that all agree in shape, the one whose colours
agree is named.
"""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

from ..domain import dates, merkle
from ..domain.cases import Finding, Photo
from ..errors import Problem
from ..imaging import alignment, pixels, retrieval
from ..imaging.retrieval import Hit
from ..text import Text
from . import listing_match
from .base import CatalogLookup, CheckContext
from .parsed import PhotoData

NAME = "catalog_match"
VERSION = "2"
TITLE = Text("与商品图库比对", "Comparison with your product catalogue")
LIMITS = Text(
    "与卖家商品图库中的全部图片比对（含镜像、截图中的副本、长详情图中截取的部分）。只找得到"
    "图库里有的图片：请把所有主图、颜色图和详情图加入图库。买家实拍（另一角度、另一背景）不会被判为"
    "副本；截图中的副本须是端正显示的整张图（斜拍的包装盒上印着的商品图不算）；改动面积超过约三成、"
    "或改动与周围颜色几乎相同（差异低于 40 个灰度级）时可能找不到。本案自己的商品图留给“与自家商品图比对”，"
    "这里不再重复比对。",
    "Compares with every picture in the seller's catalogue (mirrored copies, copies inside a "
    "screenshot and parts cut out of a long detail image included). Only pictures in the "
    "catalogue can be found: add every main, colour and detail image. A real photo of the item "
    "(another viewpoint or background) is not called a copy; a copy inside a larger picture "
    "counts only when the whole picture is shown upright (a listing photo printed on a box and "
    "photographed at an angle does not); an edit over more than about a third of the picture, "
    "or within 40 grey levels of its surroundings, may not be found. The case's own listing "
    "photos are left to the listing comparison, not compared again here.",
)
CONFIRM = 4  # candidates confirmed pixel by pixel, at most
MIN_FRAMED_VISIBLE = 0.9  # of a catalogue picture inside the photo, for a framed copy
MIN_FRAMED_AREA = 0.15  # of the photo the framed copy fills at least
FRAMED_SLACK = 0.03  # a framed copy's outline fills its upright bounding box this closely


def context_key(ctx: CheckContext, photo: Photo) -> str:
    # the catalogue's version grows with every import or removal: a result from before the
    # catalogue changed is never served after it
    if ctx.catalog is None:
        return "empty"
    return f"v{ctx.catalog.version}:" + ",".join(sorted(_listed(ctx)))


def _listed(ctx: CheckContext) -> set[str]:
    """The case's own listing photos: the extension adds them to the catalogue too, and
    listing_match already compares with them; found here again, one copy would count twice."""
    return {p.photo.sha256 for p in ctx.listings}


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    if photo.photo.role != "evidence":
        return []
    snap = ctx.catalog
    if snap is None:
        return [
            Finding(
                NAME,
                "catalog_empty",
                "none",
                Text(
                    "商品图库是空的，未做比对（用 `refundproof catalog add 文件夹` 或扩展的"
                    "“加入商品图库”把自己的商品图加入图库）。",
                    "The catalogue is empty, so no comparison was made (add your listing "
                    "pictures with `refundproof catalog add FOLDER` or the extension's "
                    '"加入商品图库" button).',
                ),
            )
        ]
    near: dict[str, Any] | None = None
    listed = _listed(ctx)
    # a photo is one picture; a video its middle frame and first keyframes, as listing_match
    for _, picture in photo.pictures()[: listing_match.PICTURES]:
        mine = picture()
        # the query is read off the working copy the confirmation uses (800 px, as QUERY_SIDE)
        grey = cv2.cvtColor(mine.image, cv2.COLOR_BGR2GRAY)
        for mirrored in (False, True):
            seen = np.ascontiguousarray(grey[:, ::-1]) if mirrored else grey
            hits = snap.lookup(retrieval.query_of(seen, mine.scale, snap.vocabulary))
            hits = [h for h in hits if h.sha256 not in listed]
            hits = [h for h in hits if h.inliers >= hits[0].inliers / 2][:CONFIRM] if hits else []
            found, tried = _confirm(mine, snap, hits, mirrored)
            if found is not None:
                return [_derived(photo, mine, snap, *found, mirrored)]
            near = near or tried
    pictures = snap.pictures
    if near is not None:
        return [
            Finding(
                NAME,
                "same_subject_not_copy",
                "none",
                Text(
                    f"与商品图库中的 {near['name']} 有相同的局部特征，但不是它的副本"
                    f"（对齐后只有 {near['aligned']:.0%} 的画面一致）：可能是同一商品的另一张照片。",
                    f"Shares local features with {near['name']} in the catalogue but is not a "
                    f"copy of it (only {near['aligned']:.0%} of the frame agrees after "
                    "alignment): possibly another photo of the same item.",
                ),
                {"catalog_version": snap.version, "pictures": pictures, "nearest": near},
            )
        ]
    return [
        Finding(
            NAME,
            "no_catalog_match",
            "none",
            Text(
                f"不是商品图库中 {pictures} 张图片任何一张的副本。",
                f"Not a copy of any of the {pictures} picture(s) in the catalogue.",
            ),
            {"catalog_version": snap.version, "pictures": pictures},
        )
    ]


Candidate = tuple[Hit, alignment.Features, alignment.Match, float]


def _confirm(
    mine: alignment.Features, snap: CatalogLookup, hits: list[Hit], mirrored: bool
) -> tuple[Candidate | None, dict[str, Any] | None]:
    """(the confirmed copy: hit, its features, the match, colour distance) or None, and the
    nearest candidate that was not a copy."""
    copies: list[Candidate] = []
    nearest: dict[str, Any] | None = None
    for hit in hits:
        try:
            data = snap.image(hit.sha256)
        except Problem:  # removed since the index was read, or changed on disk (check names it)
            continue
        image = pixels.viewable(Image.open(io.BytesIO(data))).crop(hit.box)
        if mirrored:
            image = ImageOps.mirror(image)
        features = alignment.features(image)
        m = alignment.match(mine, features)
        if m.derived or _framed(mine, features, m):
            copies.append((hit, features, m, _colour_distance(mine, features, m)))
        elif nearest is None and m.inliers >= alignment.MIN_INLIERS:
            nearest = {
                "sha256": hit.sha256,
                "name": _name(snap.entry(hit.sha256)),
                "aligned": m.aligned,
            }
    if not copies:
        return None, nearest
    # colour variants agree in shape: the one whose colours agree is the one copied
    return min(copies, key=lambda c: (round(c[3], 0), -c[2].aligned)), nearest


def _framed(a: alignment.Features, b: alignment.Features, m: alignment.Match) -> bool:
    """The whole catalogue picture shown inside the photo (a screenshot, a collage) and
    agreeing there pixel for pixel."""
    if m.homography is None or m.inliers < alignment.MIN_INLIERS:
        return False
    if m.inlier_ratio < alignment.MIN_INLIER_RATIO or m.aligned < alignment.MIN_ALIGNED:
        return False
    bh, bw = b.image.shape[:2]
    corners = np.array([[0, 0], [bw, 0], [bw, bh], [0, bh]], np.float32).reshape(-1, 1, 2)
    quad = cv2.perspectiveTransform(corners, np.linalg.inv(m.homography)).reshape(-1, 2)
    area = abs(cv2.contourArea(quad))
    ah, aw = a.image.shape[:2]
    frame = np.array([[0, 0], [aw, 0], [aw, ah], [0, ah]], np.float32)
    inside, _ = cv2.intersectConvexConvex(quad.astype(np.float32), frame)
    if area <= 0 or not cv2.isContourConvex(quad.astype(np.float32)):
        return False
    # A screen or a collage shows the picture upright and unwarped; the same picture seen at
    # an angle inside a photo is something photographed (box art printed with the listing
    # photo), which is not a copy of the file.
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    upright = abs(area - (x1 - x0) * (y1 - y0)) <= FRAMED_SLACK * area
    return upright and inside / area >= MIN_FRAMED_VISIBLE and inside >= MIN_FRAMED_AREA * aw * ah


def _colour_distance(a: alignment.Features, b: alignment.Features, m: alignment.Match) -> float:
    """Median chroma difference (Lab a*, b*) over the overlap after alignment."""
    if m.residual is None:
        return float("inf")
    valid = ~np.isnan(m.residual)
    if not valid.any():
        return float("inf")
    warped = alignment.warped_into(a, b, m)
    la = cv2.cvtColor(a.image, cv2.COLOR_BGR2LAB).astype(np.float32)
    lb = cv2.cvtColor(warped, cv2.COLOR_BGR2LAB).astype(np.float32)
    diff = np.abs(la[:, :, 1:] - lb[:, :, 1:]).sum(axis=2)
    return float(np.median(diff[valid]))


def _name(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "?"
    o = entry.get("origin") or {}
    return str(o.get("title") or o.get("file_name") or o.get("sku") or entry["sha256"][:12])


def _entry_data(snap: CatalogLookup, sha256: str) -> dict[str, Any]:
    entry = snap.entry(sha256) or {"sha256": sha256}
    batch = snap.batch(entry.get("batch", "")) or {}
    stamp = batch.get("time_stamp")
    leaves = batch.get("leaves") or []
    # what lets anyone check the time without trusting this program: the picture's SHA-256,
    # its audit path up to the batch's Merkle root, and the service's token over that root
    audit_path = (
        [
            list(step)
            for step in merkle.path([bytes.fromhex(x) for x in leaves], leaves.index(sha256))
        ]
        if sha256 in leaves
        else None
    )
    return {
        "sha256": sha256,
        "id": sha256[:12],
        "origin": entry.get("origin") or {},
        "first_seen": entry.get("first_seen"),
        "batch": entry.get("batch"),
        "merkle_root": batch.get("root"),
        "merkle_path": audit_path,
        "time_stamp": (
            {"service": stamp["service"], "time": stamp["time"], "token": stamp.get("token")}
            if stamp
            else None
        ),
    }


def _since(e: dict[str, Any]) -> dict[str, Any]:
    """When the picture joined, as parts the record renders in its language: the stamped
    time, its service and the batch's Merkle root, or the local clock's time said to be only
    that."""
    ts = e["time_stamp"]
    if ts:
        return {
            "time": ts["time"],
            "service": ts["service"],
            "root": e["merkle_root"],
            "stamped": True,
        }
    return {"time": e["first_seen"], "service": None, "root": None, "stamped": False}


def _provenance(e: dict[str, Any]) -> Text:
    o = e["origin"]
    parts_zh, parts_en = [], []
    for key, zh, en in (
        ("sku", "货号", "SKU"),
        ("page_url", "商品页", "product page"),
        ("folder", "导入自", "imported from"),
    ):
        if o.get(key):
            parts_zh.append(f"{zh} {o[key]}")
            parts_en.append(f"{en} {o[key]}")
    if e["time_stamp"]:
        ts = e["time_stamp"]
        at = dates.shown_iso(ts["time"])
        parts_zh.append(f"自 {at} 起在图库中（{ts['service']} 可信时间戳）")
        parts_en.append(f"in the catalogue since {at} (time-stamped by {ts['service']})")
    else:
        at = dates.shown_iso(e["first_seen"])
        parts_zh.append(f"{at} 加入图库（本机时钟，尚未取得可信时间戳）")
        parts_en.append(f"joined {at} (local clock; no trusted time stamp yet)")
    return Text("；".join(parts_zh), "; ".join(parts_en))


def _derived(
    photo: PhotoData,
    mine: alignment.Features,
    snap: CatalogLookup,
    hit: Hit,
    features: alignment.Features,
    m: alignment.Match,
    colour: float,
    mirrored: bool,
) -> Finding:
    changes = alignment.changed_regions(m)
    regions = changes.boxes
    entry = _entry_data(snap, hit.sha256)
    name = _name(snap.entry(hit.sha256))
    figure = photo.add_figure(
        listing_match.side_by_side(mine, features, m, regions),
        Text(
            "左：对齐后的图库商品图；中：退款凭证（红框为改动处）；右：差异热图",
            "Left: the catalogue picture aligned; middle: the refund photo (red: changed); "
            "right: difference heat map",
        ),
    )
    stats = m.stats()
    data = {
        "catalog_entry": entry,
        "catalog_since": _since(entry),
        "catalog_version": snap.version,
        "listing_sha256": hit.sha256,
        "listing_file": name,
        "part_box": list(hit.box),
        "mirrored": mirrored,
        "colour_distance": round(colour, 1),
        "index_inliers": hit.inliers,
        **stats,
        "regions": regions,
        "changed_pixels": changes.changed_pixels,
        "figure": figure,
    }
    how_zh = "镜像后" if mirrored else ""
    how_en = "mirrored, " if mirrored else ""
    if regions:
        what = Text(
            f"有 {len(regions)} 处区域被改动（红框），其余部分与图库商品图一致",
            f"{len(regions)} region(s) were changed (red boxes); the rest matches the picture",
        )
    else:
        what = Text(
            "与图库商品图一致，没有可框出的改动",
            "it agrees with the catalogue picture, with no change large enough to box",
        )
    t = stats.get("transform", {"scale": "?", "rotation_deg": "?"})
    return Finding(
        NAME,
        "derived_from_catalog",
        "decisive",
        Text(
            f"这张退款凭证是商品图库中 {name} 的{how_zh}副本（缩放 {t['scale']}、旋转 "
            f"{t['rotation_deg']}°，{m.aligned:.0%} 的画面对齐后一致，{m.inliers} 个匹配点）；"
            f"{what.zh}。图库记录：{_provenance(entry).zh}。",
            f"This refund photo is a {how_en}copy of {name} from the seller's catalogue "
            f"(scale {t['scale']}, rotation {t['rotation_deg']}°, {m.aligned:.0%} of the frame "
            f"agrees after alignment, {m.inliers} matched points); {what.en}. Catalogue record: "
            f"{_provenance(entry).en}.",
        ),
        data,
    )

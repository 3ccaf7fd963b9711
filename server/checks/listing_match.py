"""Is the refund photo an edited copy of one of the seller's own listing photos?

"Derived copy" only when the photo is a geometric transform (crop, rotation, scale,
recompression, exposure change) of a listing photo over most of its area: SIFT matches, a
RANSAC homography, then the pixel residual after alignment. What still differs is located
(the painted crack or stain) as boxes and a heat map.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from ..domain.cases import Finding, Photo
from ..imaging import alignment
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData

NAME = "listing_match"
VERSION = "2"  # edits grouped and kept thin; "the listing itself" only at noise level
TITLE = Text("与自家商品图比对", "Comparison with your listing photos")
LIMITS = Text(
    "只与本案件中卖家提供的商品图比对；买家若拍的是实物（另一角度、另一背景），不会被判为副本。"
    "改动区域按像素差异定位（相距很近的小改动合为一处，细裂纹也会框出），光照、压缩较强时可能标出"
    "少量无关区域，请结合图片判断；与周围颜色几乎相同的改动（差异低于 40 个灰度级）找不到。",
    "Compares only with the listing photos the seller added to this case; a real photo of the "
    "item (another viewpoint or background) is not called a copy. Changed regions are located "
    "by pixel differences (small changes close together count as one region; thin cracks are "
    "boxed too); strong lighting or compression changes can mark a few unrelated spots, so look "
    "at the figure. An edit within 40 grey levels of its surroundings is not found.",
)
# pictures of a video compared with each listing photo: its middle frame, first two keyframes
PICTURES = 3


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ",".join(sorted(p.photo.sha256[:16] for p in ctx.listings)) or "none"


def _name(p: PhotoData) -> str:
    return p.photo.source.file_name or p.photo.sha256[:12]


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    if photo.photo.role != "evidence":
        return []
    if not ctx.listings:
        return [
            Finding(
                NAME,
                "no_listing_photos",
                "none",
                Text(
                    "案件中没有商品图，未做比对（把自己的商品图加入案件即可比对）。",
                    "The case has no listing photos, so no comparison was made (add your own "
                    "listing photos to the case).",
                ),
            )
        ]
    # a photo is one picture; a video is its middle frame and first keyframes (an AI video
    # made from a listing photo starts on it and drifts away)
    pictures = [features for _, features in photo.pictures()[:PICTURES]]
    tried = [
        (listing, mine, alignment.match(mine, listing.features))
        for listing in ctx.listings
        for mine in (picture() for picture in pictures)
    ]
    listing, mine, best = max(tried, key=lambda t: (t[2].derived, t[2].aligned, t[2].inliers))
    stats = {"listing_sha256": listing.photo.sha256, "listing_file": _name(listing), **best.stats()}
    if best.derived:
        return [_derived(photo, mine, listing, best, stats)]
    if best.inliers >= alignment.MIN_INLIERS:
        return [
            Finding(
                NAME,
                "same_subject_not_copy",
                "none",
                Text(
                    f"与商品图 {_name(listing)} 有相同的局部特征，但整体不是它的副本"
                    f"（对齐后只有 {best.aligned:.0%} 的画面一致）：可能是同一商品的另一张照片。",
                    f"Shares local features with the listing photo {_name(listing)} but is not a "
                    f"copy of it (only {best.aligned:.0%} of the frame agrees after alignment): "
                    "possibly another photo of the same item.",
                ),
                stats,
            )
        ]
    return [
        Finding(
            NAME,
            "no_listing_match",
            "none",
            Text(
                f"不是 {len(ctx.listings)} 张商品图中任何一张的副本。",
                f"Not a copy of any of the {len(ctx.listings)} listing photo(s).",
            ),
            stats,
        )
    ]


def _derived(
    photo: PhotoData,
    mine: alignment.Features,
    listing: PhotoData,
    m: alignment.Match,
    stats: dict[str, Any],
) -> Finding:
    changes = alignment.changed_regions(m)
    regions = changes.boxes
    t = stats["transform"]
    figure = photo.add_figure(
        side_by_side(mine, listing.features, m, regions),
        Text(
            "左：对齐后的商品图；中：退款凭证（红框为改动处）；右：差异热图",
            "Left: the listing photo aligned; middle: the refund photo (red: changed); "
            "right: difference heat map",
        ),
    )
    data = {**stats, "regions": regions, "changed_pixels": changes.changed_pixels, "figure": figure}
    if regions:
        zh_what = f"有 {len(regions)} 处区域被改动（红框），其余部分与商品图一致"
        en_what = f"{len(regions)} region(s) were changed (red boxes); the rest matches the listing"
    elif changes.changed_pixels >= alignment.NOISE_LEVEL * changes.mask.size:
        # never "the listing photo itself" while the residual shows something
        zh_what = "有细小的改动，小到无法框出，请看差异热图"
        en_what = "it has changes too small to box; see the difference heat map"
    else:
        zh_what = "与商品图逐像素一致（差异在压缩噪声水平）：就是商品图本身"
        en_what = (
            "it agrees with the listing photo pixel for pixel (differences at compression-noise "
            "level): it is the listing photo itself"
        )
    return Finding(
        NAME,
        "derived_from_listing",
        "decisive",
        Text(
            f"这张退款凭证是卖家商品图 {_name(listing)} 的副本（缩放 {t['scale']}、"
            f"旋转 {t['rotation_deg']}°，{m.aligned:.0%} 的画面对齐后一致，{m.inliers} 个匹配点）；"
            f"{zh_what}。",
            f"This refund photo is a copy of the seller's listing photo {_name(listing)} "
            f"(scale {t['scale']}, rotation {t['rotation_deg']}°, {m.aligned:.0%} of the frame "
            f"agrees after alignment, {m.inliers} matched points); {en_what}.",
        ),
        data,
    )


def side_by_side(
    a: alignment.Features, listing: alignment.Features, m: alignment.Match, regions: list[list[int]]
) -> Image.Image:
    """The aligned listing picture, the refund photo with its changes boxed, the heat map."""
    aligned = alignment.warped_into(a, listing, m)
    marked = a.image.copy()
    width = max(2, round(min(marked.shape[:2]) / 200))
    for x0, y0, x1, y1 in regions:
        s = a.scale
        cv2.rectangle(
            marked, (int(x0 / s), int(y0 / s)), (int(x1 / s), int(y1 / s)), (30, 0, 230), width
        )
    heat = alignment.heat_map(m, a.image)
    gap = np.full((a.image.shape[0], 8, 3), 255, np.uint8)
    panel = np.hstack([aligned, gap, marked, gap, heat])
    return Image.fromarray(panel[:, :, ::-1])

"""Is one photo a geometric transform of another, and where do they differ?

SIFT features on downscaled grey copies, Lowe's ratio test, a RANSAC homography, then the
pixel residual after warping one onto the other with its tones matched. Shared by
listing_match (refund photo vs the seller's listing photos) and reuse (vs other cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from . import pixels

WORK_SIDE = 800  # px: features and residuals are computed at this size
MAX_FEATURES = 2000
RATIO = 0.75  # Lowe's ratio test
MIN_INLIERS = 20
MIN_INLIER_RATIO = 0.25
MIN_COVERAGE = 0.6  # share of the photo that lands inside the other after the transform
MIN_ALIGNED = 0.75  # share of that overlap whose pixels agree after alignment
AGREE = 24  # grey levels: a pixel "agrees" below this residual (JPEG noise, resampling)
EDIT_FLOOR = 40  # grey levels: a pixel is "changed" above max(this, 4 × median residual)
SPECK = 3  # px at the working size: a changed spot this small is compression noise
GROUP = 0.025  # of the shorter side: changes closer than this are one region (mould, a crack)
MIN_CHANGED = 0.0002  # of the area: a region needs this many changed pixels to be boxed
NOISE_LEVEL = 0.00005  # of the area: fewer changed pixels than this is the copy itself
THIN_EDGE = 0.06  # a changed strip along the frame this thin is rotation fill, not an edit


@dataclass
class Features:
    image: np.ndarray  # BGR working copy
    scale: float  # working -> original pixels
    points: np.ndarray  # N×2 float32, working coordinates
    descriptors: np.ndarray | None


def features(image: Image.Image) -> Features:
    small, scale = pixels.downscaled(image, WORK_SIDE)
    bgr = pixels.bgr(small)
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    sift = cv2.SIFT_create(nfeatures=MAX_FEATURES)  # type: ignore[attr-defined]  # not in the stubs
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return Features(bgr, scale, points, descriptors)


@dataclass
class Match:
    """How photo A relates to photo B; the numbers a decision rests on."""

    keypoints: tuple[int, int]
    good_matches: int
    inliers: int
    inlier_ratio: float
    homography: np.ndarray | None  # A working coords -> B working coords
    coverage: float = 0.0
    aligned: float = 0.0
    median_residual: float = 0.0
    residual: np.ndarray | None = None  # in A's working frame; NaN outside the overlap
    a_scale: float = 1.0
    b_scale: float = 1.0

    @property
    def derived(self) -> bool:
        return (
            self.homography is not None
            and self.inliers >= MIN_INLIERS
            and self.inlier_ratio >= MIN_INLIER_RATIO
            and self.coverage >= MIN_COVERAGE
            and self.aligned >= MIN_ALIGNED
        )

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "keypoints": list(self.keypoints),
            "good_matches": self.good_matches,
            "inliers": self.inliers,
            "inlier_ratio": round(self.inlier_ratio, 3),
            "coverage": round(self.coverage, 3),
            "aligned_share": round(self.aligned, 3),
            "median_residual": round(self.median_residual, 1),
            "thresholds": {
                "inliers": MIN_INLIERS,
                "inlier_ratio": MIN_INLIER_RATIO,
                "coverage": MIN_COVERAGE,
                "aligned_share": MIN_ALIGNED,
                "agree_below": AGREE,
            },
        }
        if self.homography is not None:
            # in original pixels, B -> A: how photo A was made from photo B
            to_a = np.diag([self.a_scale, self.a_scale, 1.0])
            from_b = np.diag([1 / self.b_scale, 1 / self.b_scale, 1.0])
            out["transform"] = describe(to_a @ np.linalg.inv(self.homography) @ from_b)
        return out


def describe(h: np.ndarray) -> dict[str, float]:
    """Scale and rotation read off a homography's linear part."""
    a = h[:2, :2] / h[2, 2]
    scale = float(np.sqrt(abs(np.linalg.det(a))))
    rotation = float(np.degrees(np.arctan2(a[1, 0], a[0, 0])))
    return {"scale": round(scale, 3), "rotation_deg": round(rotation, 2)}


def match(a: Features, b: Features) -> Match:
    keypoints = (len(a.points), len(b.points))
    if a.descriptors is None or b.descriptors is None or min(keypoints) < 8:
        return Match(keypoints, 0, 0, 0.0, None)
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(a.descriptors, b.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 8:
        return Match(keypoints, len(good), 0, 0.0, None)
    src = np.array([a.points[m.queryIdx] for m in good], dtype=np.float32).reshape(-1, 1, 2)
    dst = np.array([b.points[m.trainIdx] for m in good], dtype=np.float32).reshape(-1, 1, 2)
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 4.0)
    inliers = int(mask.sum()) if mask is not None else 0
    result = Match(
        keypoints, len(good), inliers, inliers / len(good), h, a_scale=a.scale, b_scale=b.scale
    )
    if h is None or abs(np.linalg.det(h[:2, :2])) < 1e-3:
        result.homography = None
        return result
    _residual(a, b, result)
    return result


def _residual(a: Features, b: Features, result: Match) -> None:
    """Warp B into A's frame, match B's tones to A's, and measure what still differs."""
    ah, aw = a.image.shape[:2]
    assert result.homography is not None
    inverse = np.linalg.inv(result.homography)
    warped = cv2.warpPerspective(b.image, inverse, (aw, ah), flags=cv2.INTER_LINEAR)
    covered = cv2.warpPerspective(
        np.full(b.image.shape[:2], 255, np.uint8), inverse, (aw, ah), flags=cv2.INTER_NEAREST
    )
    valid = cv2.erode(covered, np.ones((5, 5), np.uint8)) > 0  # drop the resampled border
    result.coverage = float(valid.mean())
    if result.coverage < 0.05:
        return
    ga = cv2.GaussianBlur(cv2.cvtColor(a.image, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    gb = cv2.GaussianBlur(cv2.cvtColor(warped, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    gb = _match_tones(gb, ga, valid)
    diff = np.abs(ga.astype(np.float32) - gb.astype(np.float32))
    diff[~valid] = np.nan
    result.residual = diff
    result.median_residual = float(np.median(diff[valid]))
    # Judge agreement where A has structure: flat areas (sky, a plain wall) agree with
    # anything of the same tone and would make a different photo look aligned.
    grad = cv2.magnitude(cv2.Sobel(ga, cv2.CV_32F, 1, 0), cv2.Sobel(ga, cv2.CV_32F, 0, 1))
    textured = valid & (grad > np.percentile(grad[valid], 50))
    result.aligned = float((diff[textured] < AGREE).mean()) if textured.any() else 0.0


def _match_tones(src: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Histogram matching over the overlap: undoes exposure, gamma and contrast changes."""
    s_hist = np.bincount(src[mask].ravel(), minlength=256).astype(np.float64)
    r_hist = np.bincount(ref[mask].ravel(), minlength=256).astype(np.float64)
    s_cdf, r_cdf = np.cumsum(s_hist) / s_hist.sum(), np.cumsum(r_hist) / r_hist.sum()
    lut = np.interp(s_cdf, r_cdf, np.arange(256)).astype(np.uint8)
    return lut[src]


@dataclass(frozen=True)
class Changes:
    boxes: list[list[int]]  # in A's original pixels, each covering one grouped change
    mask: np.ndarray  # the changed pixels (A's working size)
    changed_pixels: int  # how many pixels differ beyond noise, boxed or not


def changed_regions(m: Match) -> Changes:
    """Where A differs from the aligned B. Single-pixel specks are noise; what remains is
    grouped (a crack's thin line stays whole, mould's scattered spots become one region) and
    each group is boxed tightly around its changed pixels."""
    assert m.residual is not None
    diff = np.nan_to_num(m.residual, nan=0.0)
    limit = max(EDIT_FLOOR, 4 * m.median_residual)
    raw = (diff > limit).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(raw, connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= SPECK
    mask = keep[labels].astype(np.uint8)
    reach = max(3, round(GROUP * min(mask.shape)))
    grouped = cv2.dilate(mask, np.ones((reach, reach), np.uint8))
    count, groups = cv2.connectedComponents(grouped, connectivity=8)
    mh, mw = mask.shape
    boxes = []
    for g in range(1, count):
        ys, xs = np.nonzero((groups == g) & (mask > 0))
        if len(xs) < MIN_CHANGED * mask.size:
            continue
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        on_edge = x0 == 0 or y0 == 0 or x1 >= mw or y1 >= mh
        if on_edge and min((x1 - x0) / mw, (y1 - y0) / mh) < THIN_EDGE:
            continue  # a strip along the frame: the fill a rotation leaves, not an edit
        s = m.a_scale
        boxes.append([round(x0 * s), round(y0 * s), round(x1 * s), round(y1 * s)])
    return Changes(boxes, mask, int(mask.sum()))


def heat_map(m: Match, base: np.ndarray) -> np.ndarray:
    """The residual as a colour map over A (BGR, A's working size)."""
    assert m.residual is not None
    diff = np.nan_to_num(m.residual, nan=0.0)
    norm = np.clip(diff / max(EDIT_FLOOR * 2, 1) * 255, 0, 255).astype(np.uint8)
    colour = cv2.applyColorMap(norm, cv2.COLORMAP_JET)
    return cv2.addWeighted(base, 0.45, colour, 0.55, 0)


def warped_into(a: Features, b: Features, m: Match) -> np.ndarray:
    ah, aw = a.image.shape[:2]
    assert m.homography is not None
    return cv2.warpPerspective(b.image, np.linalg.inv(m.homography), (aw, ah))

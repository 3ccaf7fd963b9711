"""Finding a copy of one picture among tens of thousands: a visual vocabulary with an inverted
file and geometric re-ranking (Sivic & Zisserman, "Video Google", 2003; the vocabulary as a
product of two small codebooks, Babenko & Lempitsky's inverted multi-index, 2012).

Each catalogue picture keeps its strongest SIFT features as (word, position) pairs; a word is
the pair of nearest centres of the descriptor's two halves (256 × 256 = 65,536 words). A
query's words vote for the pictures holding them, weighted by rarity (idf); the best voters
are re-ranked by how many of the shared words also agree in position under one homography.
Tall pictures (a detail page) are indexed as overlapping tiles, so a part cut out of one is
seen at its own scale. Pure functions over NumPy arrays; the store keeps the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image

from . import pixels

INDEX_SIDE = 640  # px: a catalogue picture (or tile) is described at this size
INDEX_FEATURES = 400  # per picture or tile: ~3 kB in the index
QUERY_SIDE = 800
QUERY_FEATURES = 1200
HALF_WORDS = 256  # centres per descriptor half: 65,536 words
WORDS = HALF_WORDS * HALF_WORDS
TILE_ASPECT = 1.5  # a picture taller (or wider) than this is indexed as tiles
CANDIDATES = 40  # voted candidates re-ranked by geometry
MIN_GEOMETRIC = 20  # shared words in agreeing positions for a candidate to stand
MAX_PAIRS_PER_WORD = 3
RANSAC_PX = 12.0  # query pixels: loose enough for a moderate perspective warp


@dataclass(frozen=True)
class Vocabulary:
    centres: np.ndarray  # (2, HALF_WORDS, 64) float32, over RootSIFT halves

    def words(self, descriptors: np.ndarray, per_half: int = 1) -> np.ndarray:
        """N × per_half² word ids: each half's `per_half` nearest centres, combined."""
        d = root_sift(descriptors)
        near = []
        for h in range(2):
            part = d[:, 64 * h : 64 * (h + 1)]
            c = self.centres[h]
            dist = (part**2).sum(1)[:, None] - 2 * part @ c.T + (c**2).sum(1)[None, :]
            near.append(np.argsort(dist, axis=1)[:, :per_half])
        a, b = near
        combined = a[:, :, None] * HALF_WORDS + b[:, None, :]
        return combined.reshape(len(d), per_half * per_half).astype(np.uint32)


def root_sift(descriptors: np.ndarray) -> np.ndarray:
    """RootSIFT (Arandjelović & Zisserman 2012): L1-normalised, square-rooted SIFT, so
    Euclidean distance compares like the Hellinger kernel; burstier bins count less."""
    d = descriptors.astype(np.float32)
    d /= d.sum(1, keepdims=True) + 1e-7
    return np.sqrt(d)


def sift(grey: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """(geometry N×4 float32: x, y, size, angle in degrees; descriptors N×128 float32) of the
    strongest `most` features."""
    detector = cv2.SIFT_create(nfeatures=most)  # type: ignore[attr-defined]  # not in the stubs
    keypoints, descriptors = detector.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        return np.zeros((0, 4), np.float32), np.zeros((0, 128), np.float32)
    geometry = np.array([(*k.pt, k.size, k.angle) for k in keypoints], np.float32).reshape(-1, 4)
    return geometry[:most], descriptors[:most]


def grey_at(image: Image.Image, side: int) -> tuple[np.ndarray, float]:
    """8-bit grey at most `side` px on its longer side, and the scale back to `image`."""
    small, scale = pixels.downscaled(image, side)
    return np.asarray(small.convert("L")), scale


# --- the vocabulary -------------------------------------------------------------------


def train_vocabulary(descriptors: np.ndarray, seed: int = 0, rounds: int = 12) -> Vocabulary:
    """k-means of each RootSIFT half (plain Lloyd iterations, NumPy only)."""
    d = root_sift(descriptors)
    rng = np.random.default_rng(seed)
    centres = np.zeros((2, HALF_WORDS, 64), np.float32)
    for h in range(2):
        part = d[:, 64 * h : 64 * (h + 1)]
        c = part[rng.choice(len(part), HALF_WORDS, replace=False)].copy()
        for _ in range(rounds):
            dist = (part**2).sum(1)[:, None] - 2 * part @ c.T + (c**2).sum(1)[None, :]
            nearest = dist.argmin(1)
            for k in range(HALF_WORDS):
                members = part[nearest == k]
                # an empty cluster takes a random descriptor: no word goes unused
                c[k] = members.mean(0) if len(members) else part[rng.integers(len(part))]
        centres[h] = c
    return Vocabulary(centres)


def training_images(count: int = 48, seed: int = 0, side: int = 512) -> list[np.ndarray]:
    """Grey pictures drawn from a seed: shapes, strokes, text, gradients and noise at many
    scales — the local structures product photos are made of. The vocabulary is learned from
    these, so it is the same on every computer and needs no downloaded model."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        im = np.full((side, side), rng.integers(0, 256), np.uint8)
        yy, xx = np.mgrid[0:side, 0:side]
        im = np.clip(im + (xx * rng.uniform(-0.2, 0.2) + yy * rng.uniform(-0.2, 0.2)), 0, 255)
        im = im.astype(np.uint8)
        for _ in range(int(rng.integers(15, 40))):
            colour = int(rng.integers(0, 256))
            kind = rng.integers(0, 5)
            x, y = (int(v) for v in rng.integers(0, side, 2))
            r = int(rng.integers(4, side // 4))
            if kind == 0:
                cv2.circle(im, (x, y), r, colour, int(rng.choice([-1, 1, 2, 4])))
            elif kind == 1:
                cv2.rectangle(im, (x, y), (x + r, y + r // 2), colour, int(rng.choice([-1, 2])))
            elif kind == 2:
                pts = rng.integers(0, side, (int(rng.integers(3, 7)), 2)).astype(np.int32)
                cv2.polylines(im, [pts], bool(rng.integers(0, 2)), colour, int(rng.integers(1, 5)))
            elif kind == 3:
                text = "".join(chr(int(c)) for c in rng.integers(48, 91, int(rng.integers(2, 9))))
                cv2.putText(
                    im,
                    text,
                    (x, y),
                    int(rng.integers(0, 8)),
                    float(rng.uniform(0.4, 3)),
                    colour,
                    int(rng.integers(1, 4)),
                )
            else:
                axes = (r, int(rng.integers(3, r + 4)))
                cv2.ellipse(im, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        blur = int(rng.choice([1, 3, 5]))
        im = cv2.GaussianBlur(im, (blur, blur), 0)
        noise = rng.normal(0, rng.uniform(0, 8), im.shape)
        out.append(np.clip(im + noise, 0, 255).astype(np.uint8))
    return out


@cache  # the same every time: made once per process, kept in each data folder
def default_vocabulary() -> Vocabulary:
    """The vocabulary a new catalogue starts with (a few seconds, once per data folder)."""
    descriptors = [sift(g, 1500)[1] for g in training_images()]
    return train_vocabulary(np.concatenate(descriptors))


# --- what a catalogue picture contributes ----------------------------------------------


@dataclass(frozen=True)
class Item:
    """One indexed picture or tile: its box in the original picture (x0, y0, x1, y1), the
    scale from index pixels to original ones, and its features' words and positions."""

    box: tuple[int, int, int, int]
    scale: float
    words: np.ndarray  # n uint32
    geometry: np.ndarray  # n × 4 float16: x, y (index pixels within the box), size, angle


def tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The whole picture, or for a long one overlapping square-ish tiles along it (half a
    tile's overlap), each seen at INDEX_SIDE."""
    long_, short = max(width, height), min(width, height)
    if long_ <= short * TILE_ASPECT:
        return [(0, 0, width, height)]
    size = short
    step = size // 2
    starts = list(range(0, long_ - size + 1, step))
    if starts[-1] + size < long_:
        starts.append(long_ - size)
    if width >= height:
        return [(s, 0, s + size, height) for s in starts]
    return [(0, s, width, s + size) for s in starts]


def items_of(image: Image.Image, vocabulary: Vocabulary) -> list[Item]:
    out = []
    for box in tiles(*image.size):
        part = image.crop(box) if box != (0, 0, *image.size) else image
        grey, scale = grey_at(part, INDEX_SIDE)
        geometry, descriptors = sift(grey, INDEX_FEATURES)
        words = vocabulary.words(descriptors)[:, 0]
        out.append(Item(box, scale, words, geometry.astype(np.float16)))
    return out


# --- the inverted file ------------------------------------------------------------------


@dataclass(frozen=True)
class Postings:
    """Feature rows ordered by word: `offsets[w]:offsets[w + 1]` are word w's rows, and
    `items` names the item each row belongs to."""

    offsets: np.ndarray  # WORDS + 1, int64
    items: np.ndarray  # int32

    @classmethod
    def build(cls, words: np.ndarray, item_of_feature: np.ndarray) -> Postings:
        order = np.argsort(words, kind="stable")
        counts = np.bincount(words, minlength=WORDS)
        offsets = np.zeros(WORDS + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(offsets, item_of_feature[order].astype(np.int32))


@dataclass(frozen=True)
class Query:
    geometry: np.ndarray  # N × 4 float32: x, y (query pixels), size, angle
    words: np.ndarray  # N × 1: one word per feature (more per feature only adds noise: measured)
    scale: float  # query pixels -> the photo's pixels


def query_of(grey: np.ndarray, scale: float, vocabulary: Vocabulary) -> Query:
    geometry, descriptors = sift(grey, QUERY_FEATURES)
    return Query(geometry, vocabulary.words(descriptors), scale)


def idf(query: Query, parts: list[Part]) -> tuple[np.ndarray, np.ndarray]:
    """(the query's distinct words worth voting with, their inverse document frequency over
    the whole catalogue): the counts of every part added, so an item in a small part (a
    recent import) weighs no more than one in a large one."""
    if not len(query.words):
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    unique = np.unique(query.words.ravel()).astype(np.int64)
    counts = sum(
        (p.postings.offsets[unique + 1] - p.postings.offsets[unique] for p in parts),
        np.zeros(len(unique), np.int64),
    )
    total = sum(p.size for p in parts)
    keep = (counts > 0) & (counts <= max(50, total // 20))  # very common words say little
    return unique[keep], np.log(1.0 + total / np.maximum(counts[keep], 1))


def vote(words: np.ndarray, weights: np.ndarray, part: Part) -> np.ndarray:
    """Each of the part's items' score: the weights of the query's words it holds, over the
    square root of its feature count."""
    item_features = np.diff(part.starts)
    starts = part.postings.offsets[words]
    lengths = part.postings.offsets[words + 1] - starts
    rows = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    rows += np.arange(int(lengths.sum()))
    scores = np.bincount(
        part.postings.items[rows], weights=np.repeat(weights, lengths), minlength=part.size
    )
    return scores / np.sqrt(np.maximum(item_features, 1))


def geometric_inliers(query: Query, words: np.ndarray, geometry: np.ndarray) -> int:
    """How many shared words agree on one similarity transform: each pair of features with
    the same word proposes a scale, rotation and shift (from their sizes, angles and
    positions); the most proposed one, refined by RANSAC over the pairs that proposed it,
    counts its inliers (each feature once)."""
    if len(words) < 4 or len(query.words) < 4:
        return 0
    flat_words = query.words.ravel()
    flat_index = np.repeat(np.arange(len(query.words)), query.words.shape[1])
    order = np.argsort(flat_words, kind="stable")
    sorted_words = flat_words[order]
    left = np.searchsorted(sorted_words, words, "left")
    right = np.minimum(np.searchsorted(sorted_words, words, "right"), left + MAX_PAIRS_PER_WORD)
    counts = right - left
    if counts.sum() < 4:
        return 0
    db = np.repeat(np.arange(len(words)), counts)
    rows = np.repeat(left - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    rows += np.arange(int(counts.sum()))
    q = flat_index[order[rows]]
    g, qg = geometry[db].astype(np.float32), query.geometry[q]
    scale = qg[:, 2] / np.maximum(g[:, 2], 1e-3)
    turn = np.radians(qg[:, 3] - g[:, 3])
    cos, sin = scale * np.cos(turn), scale * np.sin(turn)
    # OpenCV's keypoint angles run clockwise in image coordinates (y down)
    tx = qg[:, 0] - (cos * g[:, 0] + sin * g[:, 1])
    ty = qg[:, 1] - (-sin * g[:, 0] + cos * g[:, 1])
    side = max(float(query.geometry[:, :2].max()), 1.0)
    cell = side / 8
    bins = np.stack(
        [
            np.floor(np.log2(np.maximum(scale, 1e-3)) * 2),
            np.floor(((np.degrees(turn) + 15) % 360) / 30),
            np.floor(tx / cell),
            np.floor(ty / cell),
        ],
        axis=1,
    ).astype(np.int64)
    keys, votes = np.unique(bins, axis=0, return_counts=True)
    near = np.abs(bins - keys[votes.argmax()]).max(axis=1) <= 1
    if near.sum() < 4:
        return 0
    src, dst = g[near, :2].reshape(-1, 1, 2), qg[near, :2].reshape(-1, 1, 2)
    h, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, maxIters=500
    )
    if h is None or mask is None:
        return 0
    inlier = mask.ravel() > 0
    # one query feature or one catalogue feature counts once, however many pairs it made
    return int(min(len(np.unique(q[near][inlier])), len(np.unique(db[near][inlier]))))


@dataclass(frozen=True)
class Hit:
    """A catalogue picture the query's features agree with."""

    sha256: str
    box: tuple[int, int, int, int]  # the indexed part (tile) of the picture
    inliers: int


@dataclass(frozen=True)
class Part:
    """A set of indexed items searched together: item i's features are rows
    `starts[i]:starts[i + 1]` of `words` and `geometry`."""

    starts: np.ndarray  # items + 1, int64
    words: np.ndarray  # uint32
    geometry: np.ndarray  # n × 4 float16
    postings: Postings

    @classmethod
    def of(cls, items: list[Item]) -> Part:
        counts = np.array([len(i.words) for i in items], np.int64)
        starts = np.zeros(len(items) + 1, np.int64)
        np.cumsum(counts, out=starts[1:])
        words = np.concatenate([i.words for i in items]) if items else np.zeros(0, np.uint32)
        empty = np.zeros((0, 4), np.float16)
        geometry = np.concatenate([i.geometry for i in items]) if items else empty
        return cls.from_arrays(starts, words.astype(np.uint32), geometry.astype(np.float16))

    @classmethod
    def from_arrays(cls, starts: np.ndarray, words: np.ndarray, geometry: np.ndarray) -> Part:
        owner = np.repeat(np.arange(len(starts) - 1, dtype=np.int32), np.diff(starts))
        return cls(starts, words, geometry, Postings.build(words, owner))

    @property
    def size(self) -> int:
        return len(self.starts) - 1


def search(
    parts: list[Part], query: Query, allowed: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """(item number across the parts in order, geometric inliers), best first, for the
    candidates that stand (at least MIN_GEOMETRIC inliers). `allowed`: a mask over the item
    numbers (removed entries are False)."""
    total = sum(p.size for p in parts)
    if not total:
        return []
    words, weights = idf(query, parts)
    scores = np.concatenate([vote(words, weights, p) for p in parts])
    if allowed is not None:
        scores[~allowed] = 0
    best = np.argsort(-scores)[:CANDIDATES]
    firsts = np.cumsum([0] + [p.size for p in parts])
    out = []
    for item in best.tolist():
        if scores[item] <= 0:
            break
        k = int(np.searchsorted(firsts, item, "right") - 1)
        part, i = parts[k], item - int(firsts[k])
        a, b = int(part.starts[i]), int(part.starts[i + 1])
        inliers = geometric_inliers(query, part.words[a:b], part.geometry[a:b])
        if inliers >= MIN_GEOMETRIC:
            out.append((item, inliers))
    return sorted(out, key=lambda t: -t[1])

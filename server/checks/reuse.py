"""Was this refund photo already used, in another refund or twice in this one?

Perceptual hashes (DCT, 64 bits) of every refund-evidence photo in the database find the
candidates; a geometric check (the same alignment as listing_match) confirms each, so two
photos that merely look alike are never called the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ..domain.cases import Finding, Photo
from ..imaging import alignment
from ..text import Text
from .base import CheckContext, OtherPhoto
from .parsed import PhotoData

NAME = "reuse"
VERSION = "3"  # 3: two runs without refund details are not two refunds; 2: NumPy pHash
TITLE = Text("重复使用（跨案件比对）", "Reuse across refunds")
LIMITS = Text(
    "只与本机数据库中已有的退款凭证比对；裁剪很多或改动很大的副本，感知哈希可能找不到。"
    "同一张照片出现在两个退款中是确定的证据，但请核对两个案件是否其实是同一笔退款。",
    "Compares only with refund photos already in this computer's database; a heavily cropped "
    "or edited copy can escape the perceptual hash. The same photo in two refunds is decisive, "
    "but check that the two cases are not the same refund recorded twice.",
)

NEAR = 12  # of 64 hash bits: resize and recompression stay well below, other photos above
CONFIRM_AT_MOST = 5  # closest candidates checked geometrically


def near(photo: Photo, ctx: CheckContext) -> list[tuple[int, OtherPhoto]]:
    """The closest photos by perceptual hash, closest first (this photo itself excluded)."""
    close = [
        (d, o)
        for d, o in ctx.others.near(photo.phash, NEAR)
        if not (o.sha256 == photo.sha256 and o.case_id == ctx.case_id)
    ]
    return sorted(close, key=lambda c: c[0])[:CONFIRM_AT_MOST]


def context_key(ctx: CheckContext, photo: Photo) -> str:
    """Only the near photos (and what decides how they are named) change the answer, so a
    cached result stays valid however many unrelated photos the database gains."""
    parts = [
        ctx.case_id,
        str(ctx.facts.get("order_id") or ""),
        str(ctx.facts.get("refund_id") or ""),
    ]
    for _, o in near(photo, ctx):
        parts.append(f"{o.sha256}:{o.case_id}:{json.dumps(o.facts, sort_keys=True)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    if photo.photo.role != "evidence" or not photo.photo.phash:
        return []
    findings = []
    for distance, other in near(photo.photo, ctx):
        confirmed = _confirm(photo, other)
        if confirmed is None:
            continue
        findings.append(_finding(other, distance, confirmed, ctx))
    if findings:
        return findings
    return [
        Finding(
            NAME,
            "not_reused",
            "none",
            Text(
                "在本机已有案件的退款凭证中没有找到这张图片。",
                "This photo was not found among the refund photos of the cases on this computer.",
            ),
            {"near_threshold_bits": NEAR},
        )
    ]


def _identified(facts: Mapping[str, Any]) -> bool:
    """Whether these facts name a refund: an order or refund number."""
    return bool(facts.get("order_id") or facts.get("refund_id"))


def _confirm(photo: PhotoData, other: OtherPhoto) -> dict[str, Any] | None:
    if other.sha256 == photo.photo.sha256:
        return {"identical_bytes": True}
    m = alignment.match(photo.features, other.load().features)
    return {"identical_bytes": False, **m.stats()} if m.derived else None


def _finding(
    other: OtherPhoto, distance: int, confirmed: dict[str, Any], ctx: CheckContext
) -> Finding:
    f = other.facts
    data = {
        "other_case": other.case_id,
        "other_sha256": other.sha256,
        "other_received_at": other.received_at,
        "other_facts": {k: f.get(k) for k in ("platform", "order_id", "refund_id", "buyer")},
        "hash_distance": distance,
        **confirmed,
    }
    if other.case_id == ctx.case_id:
        return Finding(
            NAME,
            "repeated_in_case",
            "none",
            Text(
                "这张图片在本案件中出现了不止一次（可能是买家重复上传）。",
                "This photo appears more than once in this case (possibly uploaded twice).",
            ),
            data,
        )
    if not _identified(f) and not _identified(ctx.facts):
        # two runs that name no refund (a file checked twice from the command line, say):
        # nothing says they are two refunds, so this is no evidence of reuse
        return Finding(
            NAME,
            "same_photo_no_refund_details",
            "none",
            Text(
                f"同一张图片也在案件 {other.case_id} 中；两个案件都没有订单号或退款编号，无法判断是否为"
                "两笔不同的退款（可能是同一文件核验了两次）。补充订单信息后再核验即可判断。",
                f"The same photo is in case {other.case_id}; neither case has an order or refund "
                "number, so nothing shows these are two different refunds (perhaps one file was "
                "checked twice). Add the order details and verify again to tell.",
            ),
            data,
        )
    same_refund = bool(f.get("order_id")) and f.get("order_id") == ctx.facts.get("order_id")
    who = "、".join(
        str(v)
        for v in (f.get("platform"), f.get("order_id"), f.get("refund_id"), f.get("buyer"))
        if v
    )
    when = other.received_at[:10]
    if same_refund:
        return Finding(
            NAME,
            "same_refund_recorded_twice",
            "none",
            Text(
                f"同一张图片也在案件 {other.case_id} 中，且订单号相同：可能是同一笔退款登记了两次。",
                f"The same photo is in case {other.case_id} with the same order number: "
                "possibly the same refund recorded twice.",
            ),
            data,
        )
    return Finding(
        NAME,
        "reused_in_other_refund",
        "decisive",
        Text(
            f"这张图片已在另一笔退款中使用过：案件 {other.case_id}（{who or '无订单信息'}，"
            f"{when} 收到）。",
            f"This photo was already used in another refund: case {other.case_id} "
            f"({who or 'no order details'}, received {when}).",
        ),
        data,
    )

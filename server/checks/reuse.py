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

from ..domain import dates
from ..domain.cases import Finding, Photo
from ..imaging import alignment
from ..text import Text
from .base import CheckContext, OtherPhoto
from .parsed import PhotoData

NAME = "reuse"
# 8: a video is found and confirmed by its keyframes too
# 7: the other refund's date is its Beijing date, as reports print dates
# 6: the sentence names other refunds by platform and date only (their data keeps the rest)
# 5: an unconfirmable candidate is named, not an error; photos without pixels by their bytes
VERSION = "8"  # 4: one finding lists every other refund; 3: fact-less runs; 2: NumPy pHash
TITLE = Text("重复使用（跨案件比对）", "Reuse across refunds")
LIMITS = Text(
    "只与本机数据库中已有的退款凭证比对；裁剪很多或改动很大的副本，感知哈希可能找不到。"
    "同一张照片出现在两个退款中是确定的证据，但请核对两个案件是否其实是同一笔退款。",
    "Compares only with refund photos already in this computer's database; a heavily cropped "
    "or edited copy can escape the perceptual hash. The same photo in two refunds is decisive, "
    "but check that the two cases are not the same refund recorded twice.",
)

NEAR = 12  # of 64 hash bits: resize and recompression stay well below, other photos above
CONFIRM_AT_MOST = 5  # closest look-alike candidates checked geometrically
PAIRS_AT_MOST = 4  # of pictures (a video's frames) tried geometrically per candidate


def near(photo: Photo, ctx: CheckContext) -> list[tuple[int, OtherPhoto]]:
    """The closest photos by perceptual hash, closest first (this photo itself excluded);
    for a photo whose pixels gave no hash, the same bytes elsewhere."""
    hashes = [h for h in dict.fromkeys([photo.phash, *photo.frame_hashes]) if h]
    found = (
        _closest([hit for h in hashes for hit in ctx.others.near(h, NEAR)])
        if photo.phash
        else ctx.others.identical(photo.sha256)
    )
    close = [
        (d, o) for d, o in found if not (o.sha256 == photo.sha256 and o.case_id == ctx.case_id)
    ]
    # the same file, however many refunds it was in: free to confirm, each one named
    same = [c for c in close if c[1].sha256 == photo.sha256]
    alike = sorted((c for c in close if c[1].sha256 != photo.sha256), key=lambda c: c[0])
    return same + alike[:CONFIRM_AT_MOST]


def _closest(found: list[tuple[int, OtherPhoto]]) -> list[tuple[int, OtherPhoto]]:
    """Each other file once, at its closest (a video is looked up by each of its keyframes)."""
    best: dict[tuple[str, str], tuple[int, OtherPhoto]] = {}
    for d, o in sorted(found, key=lambda c: c[0]):
        best.setdefault((o.case_id, o.sha256), (d, o))
    return list(best.values())


def _bits(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


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
    if photo.photo.role != "evidence":
        return []
    same_case, same_refund, unnamed, others, unconfirmed = [], [], [], [], []
    for distance, other in near(photo.photo, ctx):
        try:
            confirmed = _confirm(photo, other)
        except Exception as e:  # one candidate's pixels (or this photo's) do not decode
            unconfirmed.append(_unconfirmed(other, distance, e))
            continue
        if confirmed is None:
            continue
        entry = _entry(other, distance, confirmed)
        if other.case_id == ctx.case_id:
            same_case.append(entry)
        elif _same_refund(other.facts, ctx.facts):
            same_refund.append(entry)
        elif not _identified(other.facts) and not _identified(ctx.facts):
            unnamed.append(entry)
        else:
            others.append(entry)
    findings = []
    if others:
        findings.append(_reused(others))
    if same_refund:
        findings.append(_recorded_twice(same_refund))
    if unnamed:
        findings.append(_unnamed(unnamed))
    if same_case:
        findings.append(_twice_in_case(same_case))
    if unconfirmed:
        findings.append(_could_not_confirm(unconfirmed))
    return findings or [
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


def _same_refund(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """The same refund recorded in two cases: the same platform (or one not named) and the
    same refund or order number. Never evidence of reuse."""
    if a.get("platform") and b.get("platform") and a["platform"] != b["platform"]:
        return False
    return any(a.get(k) and a.get(k) == b.get(k) for k in ("refund_id", "order_id"))


def _confirm(photo: PhotoData, other: OtherPhoto) -> dict[str, Any] | None:
    if other.sha256 == photo.photo.sha256:
        return {"identical_bytes": True}
    # the pictures whose hashes come close (a photo has one; a video its frames), closest first
    pairs = sorted(
        (
            (_bits(a, b), mine, theirs)
            for a, mine in photo.pictures()
            for b, theirs in other.load().pictures()
            if a and b
        ),
        key=lambda p: p[0],
    )
    for distance, mine, theirs in pairs[:PAIRS_AT_MOST]:
        if distance > NEAR:
            break
        m = alignment.match(mine(), theirs())
        if m.derived:
            return {"identical_bytes": False, **m.stats()}
    return None


def _entry(other: OtherPhoto, distance: int, confirmed: dict[str, Any]) -> dict[str, Any]:
    f = other.facts
    return {
        "other_case": other.case_id,
        "other_sha256": other.sha256,
        "other_received_at": other.received_at,
        "other_facts": {k: f.get(k) for k in ("platform", "order_id", "refund_id", "buyer")},
        "hash_distance": distance,
        **confirmed,
    }


def _unconfirmed(other: OtherPhoto, distance: int, e: Exception) -> dict[str, Any]:
    return {
        **_entry(other, distance, {"identical_bytes": False}),
        "error": f"{type(e).__name__}: {e}"[:300],
    }


def _could_not_confirm(entries: list[dict[str, Any]]) -> Finding:
    cases = [e["other_case"] for e in entries]
    return Finding(
        NAME,
        "near_copy_unconfirmed",
        "none",
        Text(
            f"案件 {'、'.join(cases)} 中有感知哈希几乎相同的图片，但其中一张的画面无法解码，"
            "无法逐点确认是否为同一张照片（请人工对比）。",
            f"Case {', '.join(cases)} holds a photo with a nearly identical perceptual hash, "
            "but one of the two pictures does not decode, so it could not be confirmed point "
            "by point (compare them by eye).",
        ),
        _data(entries),
    )


def _data(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Every other case in `others`; the closest one's fields also at the top level."""
    return {**entries[0], "others": entries}


def _named(entry: dict[str, Any]) -> Text:
    """Another refund as a sentence may name it to anyone: its platform and when it arrived.
    Its order, refund number and buyer stay in the data, for the seller and the police: an
    appeal must not hand a platform another customer's personal data (PIPL)."""
    platform = entry["other_facts"].get("platform")
    where = (
        Text(str(platform), str(platform)) if platform else Text("未注明平台", "platform not named")
    )
    how = (
        Text("字节完全相同", "byte for byte the same file")
        if entry["identical_bytes"]
        else Text("近似副本", "a near copy")
    )
    when = dates.day(entry["other_received_at"])  # the Beijing date, as reports print it
    return Text(f"{where.zh} {when}，{how.zh}", f"{where.en} {when}, {how.en}")


def _reused(entries: list[dict[str, Any]]) -> Finding:
    listed = Text.join([_named(e) for e in entries], Text("；", "; "))
    n = len(entries)
    return Finding(
        NAME,
        "reused_in_other_refund",
        "decisive",
        Text(
            f"这张图片已在另外 {n} 笔退款中提交过（{listed.zh}）。同一张照片不可能拍的是这次收到的"
            "包裹。近似副本指同一张照片经缩放、裁剪或重新压缩。",
            f"This photo was already submitted in {n} other refund{'s' if n > 1 else ''} "
            f"({listed.en}). One photo cannot show the parcel of this refund as well. A near "
            "copy is the same photo resized, cropped or recompressed.",
        ),
        _data(entries),
    )


def _recorded_twice(entries: list[dict[str, Any]]) -> Finding:
    return _not_reuse(
        "same_refund_recorded_twice",
        Text(
            "同一张图片也在案件 {cases} 中，且是同一平台的同一笔退款（订单号或退款编号相同）："
            "这是同一笔退款登记了两次，不是重复使用。",
            "The same photo is in case {cases} for the same refund (same platform and order or "
            "refund number): one refund recorded twice, not reuse.",
        ),
        entries,
    )


def _unnamed(entries: list[dict[str, Any]]) -> Finding:
    # two runs that name no refund (a file checked twice from the command line, say):
    # nothing says they are two refunds, so this is no evidence of reuse
    return _not_reuse(
        "same_photo_no_refund_details",
        Text(
            "同一张图片也在案件 {cases} 中；两个案件都没有订单号或退款编号，无法判断是否为"
            "两笔不同的退款（可能是同一文件核验了两次）。补充订单信息后再核验即可判断。",
            "The same photo is in case {cases}; neither case has an order or refund number, so "
            "nothing shows these are two different refunds (perhaps one file was checked "
            "twice). Add the order details and verify again to tell.",
        ),
        entries,
    )


def _twice_in_case(entries: list[dict[str, Any]]) -> Finding:
    return _not_reuse(
        "repeated_in_case",
        Text(
            "这张图片在本案件中出现了不止一次（可能是买家重复上传）。",
            "This photo appears more than once in this case (possibly uploaded twice).",
        ),
        entries,
    )


def _not_reuse(signal: str, text: Text, entries: list[dict[str, Any]]) -> Finding:
    """The same photo again where that is no evidence: information, naming the cases."""
    cases = [e["other_case"] for e in entries]
    said = Text(text.zh.format(cases="、".join(cases)), text.en.format(cases=", ".join(cases)))
    return Finding(NAME, signal, "none", said, _data(entries))

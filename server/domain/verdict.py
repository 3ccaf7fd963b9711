"""Findings -> verdicts, by the rules of DESIGN.md "Findings and verdicts".

A photo's level is its strongest incriminating finding, and its verdict names what kind of
evidence that is: AI generation (and by which evidence), an edited copy of the seller's
listing photo, the same photo as in another refund, tampered credentials. Reuse proves the
photo is not of this parcel; it does not prove AI, and the wording never says so.
Counter-evidence is carried beside it, never hidden. Nothing found is "no indication found
(inconclusive)", never "authentic". The case counts its photos with evidence, by kind.
"""

from __future__ import annotations

from collections import Counter

from ..text import Text
from .cases import INCRIMINATING, Finding, Verdict
from .contract import Kind

KIND_NAMES: dict[Kind, Text] = {
    "ai": Text("AI 生成或 AI 改图", "AI-generated or AI-edited"),
    "listing_copy": Text("改自卖家的商品图", "an edited copy of the seller's listing photo"),
    "reused": Text("与另一笔退款中的图片相同", "the same photo as in another refund"),
    "tampered": Text("内容凭证签名后被改动", "changed after its content credentials were signed"),
    "undecodable": Text("文件的画面无法显示", "a file whose picture no viewer can show"),
    "other": Text("存在可疑之处", "something does not add up"),
}
# Which evidence an AI finding rests on, by check.
AI_EVIDENCE = {
    "c2pa": Text("内容凭证", "content credentials"),
    "aigc_label": Text("隐式标识", "implicit label"),
    "visible_mark": Text("可见标识", "visible mark"),
    "ai_metadata": Text("生成器元数据", "generator metadata"),
    "video_label": Text("视频隐式标识", "video implicit label"),
    "video_traces": Text("生成器痕迹", "generator trace"),
    "video_mark": Text("视频可见标识", "visible mark in the video"),
}
LEVEL_HEAD = {
    "decisive": Text("确定性证据", "Decisive evidence"),
    "strong": Text("有力证据", "Strong evidence"),
    "supporting": Text("辅助证据", "Supporting evidence"),
}
LEVEL_TEXT = {
    "counter": Text("只发现对买家有利的证据", "Only evidence that speaks for the buyer"),
    "none": Text(
        "未发现异常（不确定，不代表图片真实）",
        "No indication found (inconclusive; this does not mean the photo is authentic)",
    ),
    "error": Text("检查未能完成", "The checks could not complete"),
}
WEIGHTY = ("decisive", "strong")  # what a case summary counts as "has evidence"


def supports_complaint(level: str) -> bool:
    """Whether a case at this verdict level has evidence a police complaint can rest on:
    strong or decisive. Supporting signs alone prove no fake; the CLI and the extension's
    panel (content/render.js) warn before making a police record without it."""
    return level in WEIGHTY


def kind_of(f: Finding) -> Kind:
    if f.check in ("listing_match", "catalog_match"):
        return "listing_copy"
    if f.check == "reuse":
        return "reused"
    if f.check == "c2pa" and f.signal == "c2pa_changed_after_signing":
        return "tampered"
    if f.check == "decoding" and f.signal == "pixels_undecodable":
        return "undecodable"
    if f.check in AI_EVIDENCE and f.signal != "editing_software":
        return "ai"
    return "other"


def found_parts(findings: list[Finding]) -> list[tuple[Kind, Text]]:
    """The kinds among these findings, each with its detail: for AI, the evidence it rests
    on and whose mark or label it is ('可见标识：豆包')."""
    kinds: dict[Kind, list[Finding]] = {}
    for f in findings:
        kinds.setdefault(kind_of(f), []).append(f)
    return [
        (kind, _ai_evidence(found) if kind == "ai" else Text("", ""))
        for kind, found in kinds.items()
    ]


def describe(parts: list[tuple[Kind, Text]]) -> Text:
    """'AI 生成或 AI 改图（隐式标识：豆包）；与另一笔退款中的图片相同'."""
    named = []
    for kind, detail in parts:
        name = KIND_NAMES[kind]
        if detail.zh:
            name = name + Text(f"（{detail.zh}）", f" ({detail.en})")
        named.append(name)
    return Text.join(named, Text("；", "; "))


def _ai_evidence(found: list[Finding]) -> Text:
    out: list[Text] = []
    for f in found:
        evidence = AI_EVIDENCE[f.check]
        who = _who(f)
        out.append(evidence + (Text(f"：{who}", f": {who}") if who else Text("", "")))
    return _unique(out)


def _unique(items: list[Text]) -> Text:
    seen: dict[str, Text] = {}
    for item in items:
        for piece_zh, piece_en in zip(item.zh.split("、"), item.en.split(", "), strict=False):
            seen.setdefault(piece_zh, Text(piece_zh, piece_en))
    return Text.join(seen.values(), Text("、", ", "))


def _who(f: Finding) -> str:
    """The service or generator a label or mark names, when the finding says."""
    data = f.data
    producer = data.get("producer")
    if isinstance(producer, dict) and producer.get("service"):
        return str(producer["service"])
    for key in ("vendor", "issuer", "generator"):
        if data.get(key):
            return str(data[key])
    return ""


def photo_verdict(findings: list[Finding]) -> Verdict:
    counter = [f.summary for f in findings if f.strength == "counter"]
    for level in INCRIMINATING:
        weighing = [f for f in findings if f.strength == level]
        if weighing:
            head = LEVEL_HEAD[level]
            parts = found_parts(weighing)
            found = describe(parts)
            summary = Text(f"{head.zh}：{found.zh}", f"{head.en}: {found.en}")
            reasons = [f.summary for f in weighing]
            return Verdict(level, _with_counter(summary, counter), reasons, counter, found, parts)
    if counter:
        return Verdict("counter", LEVEL_TEXT["counter"], counter, counter)
    if findings and all(f.strength == "error" for f in findings):
        return Verdict("error", LEVEL_TEXT["error"], [f.summary for f in findings])
    return Verdict("none", LEVEL_TEXT["none"])


def _with_counter(text: Text, counter: list[Text]) -> Text:
    if not counter:
        return text
    return Text(
        f"{text.zh}；另有 {len(counter)} 项对买家有利的证据",
        f"{text.en}; also {len(counter)} item(s) of evidence for the buyer",
    )


def case_verdict(photo_verdicts: list[Verdict]) -> Verdict:
    """The strongest level among the refund photos, and how many photos carry strong or
    decisive evidence, by what was found: '3 张图片中 2 张有证据：1 张……，1 张……'."""
    order = (*INCRIMINATING, "counter", "none", "error")
    if not photo_verdicts:
        return Verdict(
            "none", Text("案件中还没有买家凭证图片", "The case has no refund-evidence photos yet")
        )
    level = min((v.level for v in photo_verdicts), key=order.index)
    counter = [c for v in photo_verdicts for c in v.counter]
    total = len(photo_verdicts)
    if level not in INCRIMINATING:
        return Verdict(level, LEVEL_TEXT[level], [], counter)
    hits = [v for v in photo_verdicts if v.level in (WEIGHTY if level in WEIGHTY else (level,))]
    # each photo counted once, under the first kind its evidence shows; the AI ones' evidence
    # merged ("3 张 AI 生成或 AI 改图（可见标识：豆包、隐式标识：豆包）")
    groups = Counter(v.parts[0][0] for v in hits)
    details: dict[Kind, list[Text]] = {}
    for v in hits:
        kind, detail = v.parts[0]
        if detail.zh:
            details.setdefault(kind, []).append(detail)
    by_kind = [
        (n, describe([(kind, _unique(details.get(kind, [])))])) for kind, n in groups.most_common()
    ]
    head = LEVEL_HEAD[level]
    summary = Text(
        f"{head.zh}：{total} 张图片中 {len(hits)} 张有证据："
        + "，".join(
            f"{n} 张{' ' if found.zh[:1].isascii() else ''}{found.zh}" for n, found in by_kind
        ),
        f"{head.en}: {len(hits)} of {total} photos carry evidence: "
        + "; ".join(f"{found.en} ({n} photo{'s' if n > 1 else ''})" for n, found in by_kind),
    )
    reasons = [r for v in hits for r in v.reasons]
    return Verdict(level, _with_counter(summary, counter), reasons, counter)

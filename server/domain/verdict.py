"""Findings -> verdicts, by the rules of DESIGN.md "Findings and verdicts".

A photo's level is its strongest incriminating finding; counter-evidence is carried beside
it, never hidden. Nothing found is "no indication found (inconclusive)", never "authentic".
The case level is the strongest level among its refund-evidence photos.
"""

from __future__ import annotations

from ..text import Text
from .cases import INCRIMINATING, Finding, Verdict

LEVEL_TEXT = {
    "decisive": Text(
        "确定性证据：AI 生成或篡改", "Decisive evidence of AI generation or manipulation"
    ),
    "strong": Text("有力证据：AI 生成或篡改", "Strong evidence of AI generation or manipulation"),
    "supporting": Text("辅助证据：存在可疑之处", "Supporting evidence: something does not add up"),
    "counter": Text("只发现对买家有利的证据", "Only evidence that speaks for the buyer"),
    "none": Text(
        "未发现异常（不确定，不代表图片真实）",
        "No indication found (inconclusive; this does not mean the photo is authentic)",
    ),
    "error": Text("检查未能完成", "The checks could not complete"),
}


def photo_verdict(findings: list[Finding]) -> Verdict:
    counter = [f.summary for f in findings if f.strength == "counter"]
    for level in INCRIMINATING:
        reasons = [f.summary for f in findings if f.strength == level]
        if reasons:
            return Verdict(level, _with_counter(LEVEL_TEXT[level], counter), reasons, counter)
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
    order = (*INCRIMINATING, "counter", "none", "error")
    if not photo_verdicts:
        return Verdict(
            "none", Text("案件中还没有买家凭证图片", "The case has no refund-evidence photos yet")
        )
    level = min((v.level for v in photo_verdicts), key=order.index)
    hits = [v for v in photo_verdicts if v.level == level]
    counter = [c for v in photo_verdicts for c in v.counter]
    summary = LEVEL_TEXT[level]
    if level in INCRIMINATING:
        summary = Text(
            f"{summary.zh}（{len(hits)}/{len(photo_verdicts)} 张图片）",
            f"{summary.en} ({len(hits)} of {len(photo_verdicts)} photos)",
        )
        summary = _with_counter(summary, counter)
    return Verdict(level, summary, [r for v in hits for r in v.reasons], counter)

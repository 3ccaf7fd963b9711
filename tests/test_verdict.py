"""Verdicts name what was found, and the case counts its photos by kind: reuse and an edited
listing copy are never worded as AI; AI names the evidence and whose label it is."""

from __future__ import annotations

from server.domain.cases import Finding
from server.domain.verdict import case_verdict, photo_verdict
from server.text import Text


def _f(check: str, signal: str, strength: str, **data) -> Finding:
    return Finding(check, signal, strength, Text(f"{check} 说明", f"{check} says"), data)


LABEL = _f("aigc_label", "gb45438_label", "strong", producer={"service": "豆包 Doubao"})
MARK = _f("visible_mark", "visible_ai_mark", "strong", vendor="即梦 Jimeng")
REUSED = _f("reuse", "reused_in_other_refund", "decisive")
LISTING = _f("listing_match", "derived_from_listing", "decisive")
TAMPERED = _f("c2pa", "c2pa_changed_after_signing", "supporting")
CAPTURE = _f("exif_context", "camera_original", "counter")


def test_reuse_and_listing_copies_are_never_called_ai():
    for finding, kind in ((REUSED, "另一笔退款"), (LISTING, "商品图")):
        verdict = photo_verdict([finding, CAPTURE])
        assert verdict.level == "decisive"
        assert kind in verdict.summary.zh
        assert "AI" not in verdict.summary.zh
        assert "AI" not in verdict.summary.en
        assert "对买家有利" in verdict.summary.zh  # the camera evidence stays beside it


def test_ai_names_its_evidence_and_whose_label():
    verdict = photo_verdict([LABEL, MARK])
    assert (
        verdict.summary.zh
        == "有力证据：AI 生成或 AI 改图（隐式标识：豆包 Doubao、可见标识：即梦 Jimeng）"
    )
    assert "：" not in verdict.summary.en.split(":", 1)[1]  # ASCII punctuation in English


def test_tampered_credentials_are_their_own_kind():
    verdict = photo_verdict([TAMPERED])
    assert verdict.level == "supporting"
    assert "签名后被改动" in verdict.summary.zh


def test_the_case_counts_photos_with_evidence_by_kind():
    verdicts = [
        photo_verdict([LABEL]),
        photo_verdict([MARK]),
        photo_verdict([LISTING]),
        photo_verdict([]),
    ]
    case = case_verdict(verdicts)
    assert case.level == "decisive"
    assert case.summary.zh.startswith("确定性证据：4 张图片中 3 张有证据：")
    assert (
        "2 张 AI 生成或 AI 改图（隐式标识：豆包 Doubao、可见标识：即梦 Jimeng）" in case.summary.zh
    )
    assert "1 张改自卖家的商品图" in case.summary.zh
    assert "3 of 4 photos carry evidence" in case.summary.en


def test_nothing_found_is_inconclusive_never_authentic():
    case = case_verdict([photo_verdict([]), photo_verdict([CAPTURE])])
    assert case.level == "counter"
    assert "真实" not in case.summary.zh.replace("不代表图片真实", "")

"""reuse: the same photo in a second refund, across the database."""

from __future__ import annotations

from PIL import Image

from server.demo import samples
from server.domain.cases import Source

from .pixels_util import jpeg


def _case(service, facts, *photos):
    case = service.create_case(facts)
    for i, data in enumerate(photos):
        service.add_photo(case["id"], data, "evidence", Source(file_name=f"p{i}.jpg"))
    return case["id"]


def _reuse(result, i=0):
    return [f for f in result["photos"][i]["findings"] if f["check"] == "reuse"]


def test_resized_recompressed_copy_in_second_case_names_the_first(service):
    shot = samples.product_shot(1200, 900, seed=4, view=0.4)
    first = _case(
        service,
        {"platform": "抖店", "order_id": "A1", "refund_id": "R1", "buyer": "买家甲"},
        jpeg(shot, 92),
    )
    service.verify(first)
    copy = jpeg(shot.resize((800, 600), Image.Resampling.LANCZOS), 65)
    second = _case(service, {"platform": "抖店", "order_id": "B2", "buyer": "买家乙"}, copy)
    (f,) = _reuse(service.verify(second))
    assert f["signal"] == "reused_in_other_refund"
    assert f["strength"] == "decisive"
    assert f["data"]["other_case"] == first
    assert f["data"]["other_facts"]["order_id"] == "A1"
    # the sentence (what an appeal shows) names the platform and date, never the buyer
    assert "抖店" in f["summary"] and "买家甲" not in f["summary"] and "A1" not in f["summary"]
    assert f["data"]["identical_bytes"] is False
    assert f["data"]["inliers"] > 20
    # and the first case, verified again, now sees the second: a near photo arrived, so
    # the cached "not reused" answer is not used
    again = service.verify(first)
    (g,) = _reuse(again)
    assert g["signal"] == "reused_in_other_refund"
    assert g["data"]["other_case"] == second
    assert {c["check"]: c["cached"] for c in again["photos"][0]["checks"]}["reuse"] is False


def test_unrelated_new_photos_keep_the_cached_answer(service):
    a = _case(service, {"order_id": "1"}, jpeg(samples.product_shot(1000, 750, seed=21)))
    service.verify(a)
    _case(service, {"order_id": "2"}, jpeg(samples.photo(800, 600, seed=22)))
    again = service.verify(a)
    assert {c["check"]: c["cached"] for c in again["photos"][0]["checks"]}["reuse"] is True


def test_different_photos_are_not_matched(service):
    a = _case(service, {"order_id": "1"}, jpeg(samples.product_shot(1200, 900, seed=1)))
    service.verify(a)
    b = _case(service, {"order_id": "2"}, jpeg(samples.product_shot(1200, 900, seed=2, view=0.8)))
    (f,) = _reuse(service.verify(b))
    assert f["signal"] == "not_reused"
    assert f["strength"] == "none"


def test_same_order_recorded_twice_is_not_called_fraud(service):
    data = jpeg(samples.product_shot(1000, 750, seed=5))
    a = _case(service, {"order_id": "SAME"}, data)
    service.verify(a)
    # the same refund checked again is the same case: nothing to compare against
    assert _case(service, {"order_id": "SAME"}, data) == a
    (same,) = _reuse(service.verify(a))
    assert same["signal"] == "not_reused"
    # recorded under facts that differ (here one run named the platform): two cases, and
    # the shared order number says it is one refund recorded twice, not fraud
    b = _case(service, {"platform": "淘宝/天猫", "order_id": "SAME"}, data)
    assert b != a
    (f,) = _reuse(service.verify(b))
    assert f["signal"] == "same_refund_recorded_twice"
    assert f["strength"] == "none"


def test_twice_in_one_case_is_information_only(service):
    shot = samples.product_shot(1000, 750, seed=7)
    c = _case(service, {}, jpeg(shot, 90), jpeg(shot.resize((700, 525)), 70))
    result = service.verify(c)
    assert [f["signal"] for f in _reuse(result, 0)] == ["repeated_in_case"]
    assert result["case"]["verdict"]["level"] != "decisive"


def test_the_same_file_checked_twice_without_refund_details_is_no_reuse(service):
    """Two command-line runs of one file, neither naming an order or refund: nothing says
    they are two refunds, so no accusation, only a note naming the earlier run."""
    data = jpeg(samples.product_shot(1000, 750, seed=9))
    first = _case(service, {}, data)
    service.verify(first)
    second = _case(service, {}, data)
    assert second != first  # each fact-less run is its own case
    (f,) = _reuse(service.verify(second))
    assert f["signal"] == "same_photo_no_refund_details"
    assert f["strength"] == "none"
    assert first in f["summary"]
    # once the refunds are named, the same photo in two of them is the decisive finding
    service.update_facts(first, {"platform": "拼多多", "order_id": "A1"})
    service.update_facts(second, {"platform": "拼多多", "order_id": "B2"})
    (named,) = _reuse(service.verify(second))
    assert named["signal"] == "reused_in_other_refund"
    assert named["strength"] == "decisive"


def test_one_finding_names_every_other_refund_exact_and_near_apart(service):
    shot = samples.product_shot(1200, 900, seed=31, view=0.3)
    original = jpeg(shot, 92)
    near_copy = jpeg(shot.resize((900, 675), Image.Resampling.LANCZOS), 70)
    first = _case(service, {"platform": "抖店", "refund_id": "R-1", "buyer": "甲"}, original)
    second = _case(service, {"platform": "抖店", "refund_id": "R-2", "buyer": "乙"}, near_copy)
    third = _case(service, {"platform": "抖店", "refund_id": "R-3", "buyer": "丙"}, original)
    for case in (first, second):
        service.verify(case)
    result = service.verify(third)
    (f,) = _reuse(result)  # one finding, not one per earlier case
    assert f["signal"] == "reused_in_other_refund"
    assert {e["other_case"]: e["identical_bytes"] for e in f["data"]["others"]} == {
        first: True,
        second: False,
    }
    assert "另外 2 笔退款" in f["summary"]
    assert "字节完全相同" in f["summary"]
    assert "近似副本" in f["summary"]
    # the verdict names reuse, never AI
    assert result["photos"][0]["verdict"]["found"] == "与另一笔退款中的图片相同"
    assert "AI" not in result["photos"][0]["verdict"]["summary"]


def test_the_same_refund_on_the_same_platform_is_never_reuse(service):
    data = jpeg(samples.product_shot(1000, 750, seed=32))
    a = _case(service, {"platform": "拼多多", "order_id": "O-9"}, data)
    service.verify(a)
    # the refund number learnt later makes a second case of the same order
    b = _case(service, {"platform": "拼多多", "refund_id": "R-9", "order_id": "O-9"}, data)
    assert b != a
    (f,) = _reuse(service.verify(b))
    assert f["signal"] == "same_refund_recorded_twice"
    assert f["strength"] == "none"
    # the same order number on another platform is another refund
    c = _case(service, {"platform": "淘宝/天猫", "order_id": "O-9"}, data)
    (g,) = _reuse(service.verify(c))
    assert g["signal"] == "reused_in_other_refund"
    assert g["strength"] == "decisive"

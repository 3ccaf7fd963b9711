"""The desk's pure rules: how a status change is read and applied, amounts as consoles write
them, links and numbers over index rows."""

from __future__ import annotations

import pytest

from server.desk import links, stats
from server.domain import case_status
from server.domain.amounts import yuan
from server.errors import Problem


def test_a_status_by_key_or_name_in_either_language():
    assert case_status.status_of("已申诉") == "appealed"
    assert case_status.status_of("appeal won") == "appeal_won"
    assert case_status.status_of("police") == "police"
    with pytest.raises(Problem) as e:
        case_status.status_of("won")
    assert "待处理" in e.value.text.zh and "pending" in e.value.text.en


def test_a_change_keeps_what_it_does_not_name_and_dates_what_it_sets():
    facts, change = case_status.split({"buyer": "甲", "status": "已申诉", "appeal_id": "A1"})
    assert facts == {"buyer": "甲"} and change is not None
    record = change.apply({}, "2026-11-25", "2026-11-25T02:00:00+00:00")
    assert record == {
        "value": "appealed",
        "changed_at": "2026-11-25T02:00:00+00:00",
        "appeal_id": "A1",
        "appealed_at": "2026-11-25",
    }
    _, won = case_status.split({"status": "申诉成功", "status_note": " 平台支持 "})
    assert won is not None
    after = won.apply(record, "2026-11-30", "2026-11-30T02:00:00+00:00")
    assert after["appeal_outcome"] == "won" and after["note"] == "平台支持"
    assert after["appealed_at"] == "2026-11-25"  # kept: the appeal was on the 25th
    assert won.event() == {"status": "appeal_won", "note": "平台支持"}
    assert case_status.split({"buyer": "乙"}) == ({"buyer": "乙"}, None)


@pytest.mark.parametrize(
    "body",
    [
        {"status": "appealed", "appealed_at": "2026/11/25"},
        {"status": "appealed", "appeal_id": {"x": 1}},
        {"status": "police", "police_station": "派" * 201},
        {"status": True},
    ],
)
def test_a_change_that_cannot_be_kept_is_refused(body):
    with pytest.raises(Problem):
        case_status.split(body)


def test_amounts_as_the_consoles_write_them():
    assert yuan("¥1,299.50") == 1299.5
    assert yuan("12 元") == 12.0
    assert yuan("199.00") == 199.0
    assert yuan("") is None and yuan(None) is None and yuan("面议") is None


def _row(n: int, **over: object) -> dict:
    row = {
        "id": f"C{n}",
        "platform": "淘宝/天猫",
        "buyer": f"b{n}",
        "amount": "10",
        "created_at": f"2026-11-{n + 1:02d}T00:00:00+00:00",
        "level": None,
        "evidence": [[f"sha{n}", "", ""]],
        "producers": [],
    }
    return row | over


def test_links_and_repeat_buyers_from_rows_alone():
    rows = [
        _row(1, buyer="x", evidence=[["shared", "", ""]], producers=["P"]),
        _row(2, buyer="x", amount="¥5.5", level="strong"),
        _row(3, buyer="x", platform="拼多多"),  # another platform: another person
        _row(4, evidence=[["shared", "", ""]], producers=["P"]),
        _row(5, reused_with=["C1"]),  # a near copy the reuse check found: no bytes shared
    ]
    found = links.linked(rows, "C1")
    assert [(r["id"], r["shared"], r["reuse_found"]) for r in found["photo"]] == [
        ("C5", [], True),
        ("C4", ["shared"], False),
    ]
    assert [r["id"] for r in links.linked(rows, "C5")["photo"]] == ["C1"]  # both ways
    assert [r["id"] for r in found["buyer"]] == ["C2"]
    assert [r["id"] for r in found["producer"]] == ["C4"]
    assert links.linked(rows, "nope") == {"photo": [], "buyer": [], "producer": []}
    (repeat,) = links.repeat_buyers(rows)
    assert (repeat["buyer"], repeat["refunds"], repeat["total_amount"]) == ("x", 2, 15.5)
    assert [c["id"] for c in repeat["cases"]] == ["C2", "C1"]


def test_numbers_per_month_and_platform():
    rows = [
        _row(
            1, level="decisive", verified_at="x", amount="100", status="appeal_won", outcome="won"
        ),
        _row(2, level="none", verified_at="x", amount="50", status="police", outcome="lost"),
        _row(3, platform="拼多多", amount="7"),
        _row(4, created_at="2026-10-05T00:00:00+00:00"),
    ]
    months = stats.per_month(rows)
    assert [(m["month"], m["platform"]) for m in months] == [
        ("2026-11", "拼多多"),
        ("2026-11", "淘宝/天猫"),
        ("2026-10", "淘宝/天猫"),
    ]
    tb = months[1]
    assert (tb["cases"], tb["checked"], tb["with_evidence"]) == (2, 2, 1)
    assert (tb["amount"], tb["amount_with_evidence"]) == (150.0, 100.0)
    assert (tb["appeals"], tb["won"], tb["lost"]) == (2, 1, 1)

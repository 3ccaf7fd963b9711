"""Timeline dates, read one way: server/domain/dates.py and its twin extension/lib/dates.js
over the same forms; refused by the CLI and the API with a message; the "taken before
delivery" finding with a date as a seller types it; old text dates still read."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from server.demo import samples
from server.domain import dates
from server.domain.cases import TIMELINE, Source
from server.errors import Problem
from server.service import Service
from server.settings import Config

from .conftest import signals, verify_bytes
from .server_proc import ServerProcess, run_cli
from .test_report import flat, pdftotext

DATES_JS = Path(__file__).resolve().parents[1] / "extension" / "lib" / "dates.js"

# 2026-11-18 15:00 China time, as ISO, the seller's hand and the consoles write it
SAME_INSTANT = [
    "2026-11-18T15:00",
    "2026-11-18T15:00:00+08:00",
    "2026-11-18T07:00:00Z",
    "2026-11-18T07:00:00.250+00:00",
    "2026-11-18T02:00:00-0500",
    "2026/11/18 15:00",
    "2026-11-18 15:00",
    "2026-11-18 15:00:00",  # what the consoles display
    "2026.11.18 15:00",
    "2026年11月18日 15:00",
    "2026年11月18日15:00:00",
    "2026年11月18日 15时00分",
    "2026年11月18日 15点",
    "２０２６年１１月１８日　１５：００",  # full-width, as an IME types it
    "2026-11-18 15:00:00 (UTC+8)",  # as our reports print it
    "2026-11-18 15:00（北京时间）",
    " 2026/11/18  15:00 ",
]
SAME_DAY = [
    "2026-11-18",
    "2026/11/18",
    "2026.11.18",
    "2026年11月18日",
    "2026年11月18号",
    "2026-11-18",
]
REFUSED = [
    "昨天下午",
    "yesterday",
    "11月18日 15:00",  # no year: a guess would put evidence on a guess
    "11-18 15:00",
    "2026-02-30",
    "2026-11-18 25:00",
    "2026-11-18 3pm",
    "2026-11/18",
    "1999-11-18",
    "2026-11-18T15:00+08:75",
    "",
]
INSTANT = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)


def test_every_form_is_the_same_instant():
    for form in SAME_INSTANT:
        when = dates.parse(form)
        assert (when.start, when.whole_day) == (INSTANT, False), form
        assert when.iso() == "2026-11-18T15:00:00+08:00", form
        assert when.shown() == "2026-11-18 15:00:00 (UTC+8)", form
    for form in SAME_DAY:
        when = dates.parse(form)
        assert when.whole_day and when.iso() == "2026-11-18", form
        assert when.end - when.start == INSTANT - INSTANT.replace(day=17)


def test_stored_times_print_the_same_way():
    """Received, verified and created times are stored in UTC: printed in Beijing time,
    as the case's dates are; a day as its Beijing date."""
    assert dates.shown_iso("2026-12-02T18:30:00+00:00") == "2026-12-03 02:30:00 (UTC+8)"
    assert dates.day("2026-12-02T18:30:00+00:00") == "2026-12-03"
    assert dates.shown_iso("not a time") == "not a time"


def test_anything_else_is_refused_with_how_to_write_it():
    for form in REFUSED:
        with pytest.raises(Problem) as refused:
            dates.parse(form)
        assert "2026-11-18 15:00" in refused.value.text.zh, form
        assert "2026-11-18 15:00" in refused.value.text.en, form
    with pytest.raises(Problem, match="no year"):
        dates.parse("11月18日 15:00")


def _node(script: str, data: object) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the twin runs in the browser tests only")
    out = subprocess.run(
        [node, "-e", f"require({json.dumps(str(DATES_JS))});{script}"],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(out.stdout)


READ_ALL = (
    "const forms = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
    "console.log(JSON.stringify(forms.map((f) => RPDates.parse(f))));"
)


def test_the_extension_reads_every_form_as_the_server_does():
    forms = SAME_INSTANT + SAME_DAY + REFUSED
    expected = [dates.read(f).iso() if dates.read(f) else None for f in forms]
    assert _node(READ_ALL, forms) == expected
    assert expected.count(None) == len(REFUSED)


def test_the_extension_sends_no_date_as_text():
    facts = {"order_id": "1", "delivered_at": "2026年11月18日 15:00", "ordered_at": "昨天下午"}
    script = (
        "const facts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify([RPDates.TIMELINE, RPDates.timeline(facts)]));"
    )
    timeline, read = _node(script, facts)
    assert tuple(timeline) == TIMELINE
    assert read == {
        "facts": {"order_id": "1", "delivered_at": "2026-11-18T15:00:00+08:00"},
        "unreadable": [{"key": "ordered_at", "text": "昨天下午"}],
    }


def test_the_cli_refuses_an_unreadable_date_and_keeps_nothing(home, tmp_path):
    photo = tmp_path / "buyer.jpg"
    photo.write_bytes(samples.jpeg(samples.photo(96, 64)))
    r = run_cli(home, "verify", str(photo), "--order", "77", "--delivered", "昨天下午")
    assert r.returncode == 2  # a usage error, in the seller's language only
    assert "参数 --delivered：无法识别的日期“昨天下午”" in r.stderr
    assert "Date not recognised" not in r.stderr
    r = run_cli(home, "verify", str(photo), "--lang", "en", "--shipped", "11-18 15:00")
    assert (
        r.returncode == 2 and 'argument --shipped: The date "11-18 15:00" has no year' in r.stderr
    )
    assert Service(home).list_cases()["cases"] == []
    r = run_cli(home, "verify", str(photo), "--order", "77", "--delivered", "2026/11/18 15:00")
    assert r.returncode == 0, r.stderr
    (case,) = Service(home).list_cases()["cases"]
    stored = Service(home).get_case(case["id"])["facts"]
    assert stored["delivered_at"] == "2026-11-18T15:00:00+08:00"


@pytest.fixture
def api(home):
    server = ServerProcess(home).start()
    token = Config.load(home).token
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        yield client
    server.stop()


def test_the_api_refuses_an_unreadable_date_and_changes_nothing(api: httpx.Client):
    r = api.post("/api/cases", json={"order_id": "88", "delivered_at": "昨天下午"})
    assert r.status_code == 400
    assert r.json()["error"] == "date"
    assert "签收时间" in r.json()["message"] and "Delivery time" in r.json()["message_en"]
    r = api.post("/api/cases", json={"order_id": "88", "delivered_at": "2026年11月18日 15:00"})
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["facts"]["delivered_at"] == "2026-11-18T15:00:00+08:00"
    r = api.patch(f"/api/cases/{case['id']}", json={"buyer": "b", "ordered_at": "11月10日"})
    assert r.status_code == 400 and "缺少年份" in r.json()["message"]
    assert api.get(f"/api/cases/{case['id']}").json()["facts"] == case["facts"]


def test_taken_before_delivery_with_a_date_as_a_seller_types_it(service):
    data = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:10 12:00:00"))
    photo = verify_bytes(service, data, {"delivered_at": "2026年11月18日 15:00"})
    found = signals(photo, "exif_context")["captured_before_delivered"]
    assert found["strength"] == "supporting"
    assert "2026-11-18 15:00:00 (UTC+8)" in found["summary"]


def test_a_whole_day_is_the_whole_day(service):
    """A refund asked for on 2026-11-19 (no time): a photo taken that afternoon is not
    "after the refund request"; one taken the next day is."""
    same_day = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:19 16:00:00"))
    facts = {"delivered_at": "2026.11.18", "refund_requested_at": "2026年11月19日"}
    found = signals(verify_bytes(service, same_day, facts), "exif_context")
    assert "capture_time_consistent" in found
    next_day = samples.jpeg(samples.photo(128, 97), samples.camera_exif("2026:11:20 16:00:00"))
    found = signals(verify_bytes(service, next_day, facts), "exif_context")
    assert "captured_after_refund_request" in found


def test_a_text_date_an_older_version_stored_still_reads(service):
    """Before dates were parsed, facts kept whatever text came: such a case loads, its
    readable dates count, and the rest print as written, marked."""
    case, _ = service.store.open_case(
        {"order_id": "99", "delivered_at": "2026/11/18 15:00", "ordered_at": "昨天下午"}
    )
    assert service.get_case(case["id"])["facts"]["ordered_at"] == "昨天下午"
    data = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:10 12:00:00"))
    service.add_photo(case["id"], data, "evidence", Source(file_name="x"))
    photo = service.verify(case["id"])["photos"][0]
    assert "captured_before_delivered" in signals(photo, "exif_context")
    assert dates.show_fact("昨天下午").zh == "昨天下午（原文，未能识别为日期）"
    assert dates.show_fact("2026/11/18 15:00").zh == "2026-11-18 15:00:00 (UTC+8)"


def test_reports_print_dates_one_way(service):
    """A date the seller typed and an old text date, in an appeal: the first as every date
    prints, the second as written, marked."""
    service.change_settings(shop="测试小店")
    case, _ = service.store.open_case(
        {
            "order_id": "R-1",
            "delivered_at": "2026年11月18日 15:00",
            "ordered_at": "上周三",
            "refund_requested_at": "2026/11/19",
        }
    )
    data = samples.jpeg(samples.photo(128, 96), samples.camera_exif("2026:11:10 12:00:00"))
    service.add_photo(case["id"], data, "evidence", Source(file_name="x.jpg"))
    record = service.report(case["id"], "appeal", "zh")
    text = flat(pdftotext(service.report_file(record["id"], "report.pdf").read_bytes()))
    assert flat("2026-11-18 15:00:00 (UTC+8)") in text
    assert "2026年11月18日" not in text
    assert "上周三（原文，未能识别为日期）" in text
    # the police record's first paragraph: the refund asked for on that day
    record = service.report(case["id"], "police", "zh")
    text = flat(pdftotext(service.report_file(record["id"], "report.pdf").read_bytes()))
    assert "申请时间2026-11-19，" in text
    assert flat("2026-11-18 15:00:00 (UTC+8)") in text and "2026年11月18日" not in text

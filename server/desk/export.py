"""The case list as CSV for Excel: UTF-8 with a byte-order mark (without one, Excel on a
Chinese Windows reads the file as GBK and the Chinese turns to mojibake), and no cell that a
spreadsheet would run as a formula: a buyer's name is the buyer's to choose."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from ..domain.case_status import STATUS_NAMES, STATUSES, Status
from ..domain.cases import FACT_NAMES, STRENGTH_NAMES
from ..text import Lang, Text

COLUMNS: tuple[tuple[str, Text], ...] = (
    ("id", Text("案件编号", "Case")),
    ("created_at", Text("建立时间", "Opened")),
    ("platform", FACT_NAMES["platform"]),
    ("order_id", FACT_NAMES["order_id"]),
    ("refund_id", FACT_NAMES["refund_id"]),
    ("buyer", FACT_NAMES["buyer"]),
    ("amount", FACT_NAMES["amount"]),
    ("title", FACT_NAMES["title"]),
    ("level", Text("核验结论", "Verdict")),
    ("kinds", Text("证据种类", "Evidence kinds")),
    ("verified_at", Text("核验时间", "Verified")),
    ("reports", Text("报告数", "Reports")),
    ("status", Text("状态", "Status")),
    ("appeal_id", Text("平台申诉单号", "Platform appeal id")),
    ("police_receipt", Text("回执号", "Receipt number")),
    ("note", Text("备注", "Note")),
)
# a leading character that makes Excel, LibreOffice or Sheets read a cell as a formula
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "|")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def status_of_row(value: object) -> Status:
    return next((s for s in STATUSES if s == value), "pending")


def _value(row: dict[str, Any], key: str, lang: Lang) -> Any:
    value = row.get(key)
    if key == "status":
        return STATUS_NAMES[status_of_row(value)].get(lang)
    if key == "level" and value in STRENGTH_NAMES:
        return STRENGTH_NAMES[value].get(lang)
    if key == "kinds":
        return " ".join(value or [])
    return value


def csv_bytes(rows: Iterable[dict[str, Any]], lang: Lang) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name.get(lang) for _, name in COLUMNS])
    for row in rows:
        writer.writerow([_cell(_value(row, key, lang)) for key, _ in COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")

"""What happened after the check: a status per case, the details that go with it, and how a
request to change it is read. Plain data, no I/O (the caller supplies today's date).

    待处理 → 已申诉 (date, the platform's appeal id) → 申诉成功 / 申诉失败
           → 已报警 (date, police station, 回执号) → 结案

Any move is allowed, backwards too (a seller corrects a slip); each one is recorded in the
audit log with the status it left, so the history shows what was set when."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..errors import Problem
from ..text import Lang, Text, neutral

Status = Literal["pending", "appealed", "appeal_won", "appeal_lost", "police", "closed"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_NAMES: dict[Status, Text] = {
    "pending": Text("待处理", "To do"),
    "appealed": Text("已申诉", "Appealed"),
    "appeal_won": Text("申诉成功", "Appeal won"),
    "appeal_lost": Text("申诉失败", "Appeal lost"),
    "police": Text("已报警", "Reported to the police"),
    "closed": Text("结案", "Closed"),
}
DEFAULT: Status = "pending"
# the details a status carries, and the status they belong to
DETAILS: dict[str, tuple[Status, Text]] = {
    "appealed_at": ("appealed", Text("申诉日期", "Appeal date")),
    "appeal_id": ("appealed", Text("平台申诉单号", "Platform appeal id")),
    "police_at": ("police", Text("报警日期", "Date reported")),
    "police_station": ("police", Text("派出所", "Police station")),
    "police_receipt": ("police", Text("回执号", "Receipt number")),
}
DATES = ("appealed_at", "police_at")
# the date a status sets when the seller gives none: the day it was set
DATE_OF: dict[Status, str] = {"appealed": "appealed_at", "police": "police_at"}
OUTCOMES: dict[Status, str] = {"appeal_won": "won", "appeal_lost": "lost"}
MAX_TEXT = 200
MAX_NOTE = 2000
FIELDS = ("status", "status_note", *DETAILS)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Change:
    """A status change as asked: the new status (None: keep it), a note, details given."""

    status: Status | None
    note: str | None
    details: dict[str, str | None]

    def event(self) -> dict[str, Any]:
        """What the audit log records of it: only what was asked."""
        asked = {"status": self.status, "note": self.note, **self.details}
        return {k: v for k, v in asked.items() if v is not None}

    def apply(self, current: dict[str, Any], today: str, at: str) -> dict[str, Any]:
        """The case's status record after this change (a new dict)."""
        out = {**current, **self.details}
        if self.note is not None:
            out["note"] = self.note
        if self.status is not None:
            out["value"] = self.status
            out["changed_at"] = at
            if self.status in OUTCOMES:
                out["appeal_outcome"] = OUTCOMES[self.status]
            date = DATE_OF.get(self.status)
            if date and not out.get(date):  # given none: the day it was set
                out[date] = today
        out.setdefault("value", DEFAULT)
        return out


def status_of(value: object) -> Status:
    """A status by its key ("appealed") or its name in either language ("已申诉")."""
    for status in STATUSES:
        names = STATUS_NAMES[status]
        if value in (status, names.zh) or (
            isinstance(value, str) and value.casefold() == names.en.casefold()
        ):
            return status
    allowed = "、".join(n.zh for n in STATUS_NAMES.values())
    raise Problem(
        "status",
        Text(
            f"未知的案件状态：{str(value)[:40]}（可用：{allowed}）。",
            f"Unknown case status: {str(value)[:40]} (known: {', '.join(STATUSES)}).",
        ),
    )


def split(body: dict[str, Any]) -> tuple[dict[str, Any], Change | None]:
    """(the case facts, the status change) of a PATCH body; None when it changes no status."""
    facts = {k: v for k, v in body.items() if k not in FIELDS}
    asked = {k: body[k] for k in FIELDS if k in body}
    if not asked:
        return facts, None
    status = status_of(asked["status"]) if asked.get("status") is not None else None
    note = _text("status_note", asked.get("status_note"), MAX_NOTE)
    details = {k: _text(k, asked[k], MAX_TEXT) for k in DETAILS if k in asked}
    for key in DATES:
        value = details.get(key)
        if value and not _DATE.fullmatch(value):
            raise Problem(
                "status",
                Text(
                    f"{DETAILS[key][1].zh}应写成 年-月-日，例如 2026-11-25。",
                    f"{DETAILS[key][1].en} must read year-month-day, e.g. 2026-11-25.",
                ),
            )
    return facts, Change(status, note, details)


def _text(name: str, value: object, most: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Problem(
            "status",
            Text(f"{name} 必须是文字。", f"{name} must be text."),
        )
    text = neutral(str(value).strip())
    if len(text) > most:
        raise Problem(
            "status",
            Text(f"{name} 最多 {most} 个字。", f"{name} holds at most {most} characters."),
        )
    return text


def to_json(record: dict[str, Any] | None, lang: Lang) -> dict[str, Any]:
    """A case's status as the API shows it: key, name in the language asked, details."""
    record = record or {}
    value = record.get("value", DEFAULT)
    status: Status = value if value in STATUSES else DEFAULT
    return {
        **record,
        "value": status,
        "name": STATUS_NAMES[status].get(lang),
        "names": STATUS_NAMES[status].to_json(),
    }

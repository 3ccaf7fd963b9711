"""Dates of a case's timeline, read one way wherever they come from (the CLI's flags, the
API's case facts, the extension; the extension's twin is extension/lib/dates.js, and
tests/test_dates.py runs both over the same forms).

Accepted: ISO 8601 (`2026-11-18T15:00`, with seconds, fractions, `Z` or an offset),
`2026-11-18 15:00[:00]`, `2026/11/18 15:00`, `2026.11.18 15:00`, `2026年11月18日 15:00`
(also `15时00分`, `15点`), the same dates without a time, full-width digits, and our own
printed form `2026-11-18 15:00:00 (UTC+8)`. A time without an offset is China time (UTC+8).

Refused: relative words (`昨天下午`, `yesterday`), a date without its year (`11月18日 15:00`:
a guess of the year would put evidence on a guess), and anything else. A timeline date is
evidence; kept as text it silently drops out of the checks.

Stored: a time as ISO 8601 with its offset, in China time (`2026-11-18T15:00:00+08:00`); a
date without a time as the ISO date (`2026-11-18`), meaning that whole day in China time:
inventing midnight would make a photo taken that afternoon look "after the refund request".
Facts stored as free text before this module existed are read with the same parser; what
still does not parse is shown as the text it is and left out of the timeline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from ..errors import Problem
from ..text import Text, neutral

CHINA = timezone(timedelta(hours=8))
YEARS = range(2000, 2100)

_DATE = (
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|\s*年\s*(?P<zm>\d{1,2})\s*月\s*(?P<zd>\d{1,2})\s*(?P<ri>[日号])?)"
)
_TIME = (
    r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"|\s*[时点]\s*(?:(?P<zM>\d{1,2})\s*分\s*(?:(?P<zS>\d{1,2})\s*秒)?)?)"
)
_ZONE = (
    r"(?P<Z>Z)|(?P<off>[+-]\d{2}:?\d{2})"
    r"|\(?(?:UTC|GMT)\s*\+\s*0?8(?::?00)?\)?|\(?北京时间\)?"
)
_FORM = re.compile(
    rf"{_DATE}(?:(?:T|\s+|(?<=[日号])\s*){_TIME}\s*(?:{_ZONE})?)?",
    re.IGNORECASE | re.ASCII,  # digits are ASCII after NFKC, as in the JavaScript twin
)
_YEARLESS = re.compile(r"^\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}")

UNRECOGNISED = Text(
    "无法识别的日期“{raw}”：请写成 2026-11-18 15:00、2026/11/18 15:00 或 "
    "2026年11月18日 15:00（北京时间；没有时间可只写日期），不接受“昨天”“下午”这类说法。",
    'Date not recognised: "{raw}". Write it as 2026-11-18 15:00, 2026/11/18 15:00 or '
    "2026年11月18日 15:00 (China time; a date alone is fine); words such as "
    '"yesterday" or "afternoon" are not accepted.',
)
NO_YEAR = Text(
    "日期“{raw}”缺少年份：请写完整，例如 2026-11-18 15:00。",
    'The date "{raw}" has no year: write it in full, e.g. 2026-11-18 15:00.',
)


@dataclass(frozen=True)
class When:
    """A moment of the timeline: a time to the second, or a whole day, in China time."""

    start: datetime  # aware
    whole_day: bool = False

    @property
    def end(self) -> datetime:
        """The last moment it may mean: a whole day lasts until the next one starts."""
        return self.start + timedelta(days=1) if self.whole_day else self.start

    def iso(self) -> str:
        """How it is stored."""
        if self.whole_day:
            return self.start.date().isoformat()
        return self.start.astimezone(CHINA).isoformat(timespec="seconds")

    def shown(self) -> str:
        """How every report and message prints it."""
        return self.start.date().isoformat() if self.whole_day else shown(self.start)


def shown(moment: datetime) -> str:
    """A time as reports print it: Beijing time, to the second, marked (the one way)."""
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M:%S} (UTC+8)"


def shown_iso(iso: str | None) -> str:
    """A stored ISO time (received, verified, created: UTC; a capture time) printed the one
    way; a value without an offset or not ISO at all as it is."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return shown(moment) if moment.tzinfo else iso


def _number(m: re.Match[str], *names: str) -> int:
    return next((int(v) for n in names if (v := m.group(n)) is not None), 0)


def _read(raw: str) -> When | None:
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    m = _FORM.fullmatch(text)
    if m is None:
        return None
    year = int(m["y"])
    month, day = _number(m, "m", "zm"), _number(m, "d", "zd")
    if year not in YEARS:
        return None
    try:
        if m["H"] is None:
            return When(datetime(year, month, day, tzinfo=CHINA), whole_day=True)
        zone = UTC if m["Z"] else CHINA
        if m["off"]:
            sign = -1 if m["off"][0] == "-" else 1
            hh, mm = int(m["off"][1:3]), int(m["off"][-2:])
            if mm > 59:
                return None
            zone = timezone(sign * timedelta(hours=hh, minutes=mm))
        hour, minute, second = int(m["H"]), _number(m, "M", "zM"), _number(m, "S", "zS")
        return When(datetime(year, month, day, hour, minute, second, tzinfo=zone))
    except ValueError:  # 2026-02-30, 25:00, an offset of +24:00
        return None


def parse(raw: str) -> When:
    """A date a seller or a console gave, or a Problem that says how to write it."""
    when = _read(raw)
    if when is not None:
        return when
    plain = neutral(" ".join(unicodedata.normalize("NFKC", raw).split())[:80])
    if _YEARLESS.match(plain):
        raise Problem("date", NO_YEAR.format(raw=plain))
    raise Problem("date", UNRECOGNISED.format(raw=plain))


def read(value: object) -> When | None:
    """A stored timeline fact, tolerantly: what does not parse (text kept by an older
    version) is None, never an error."""
    return _read(value) if isinstance(value, str) and value.strip() else None


def show_fact(value: object) -> Text:
    """A stored timeline fact as reports print it; unparseable old text as itself, marked."""
    when = read(value)
    if when is not None:
        return Text.same(when.shown())
    return Text(f"{value}（原文，未能识别为日期）", f"{value} (as written: not a date we read)")


def day(iso: str) -> str:
    """The Beijing date of a stored UTC time (a received or created time)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso[:10]
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(CHINA).date().isoformat()

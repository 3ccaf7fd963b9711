"""A refund amount as the consoles write it ("199.00", "¥1,299.50", "12 元") read as a
number of yuan; None when it holds none."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def yuan(text: object) -> float | None:
    if text is None:
        return None
    found = _NUMBER.search(str(text).replace(",", "").replace("，", ""))
    return float(found.group()) if found else None

"""Two languages, one way: every sentence a seller reads is a `Text`, Chinese first.

Nothing else in the code chooses between the languages: callers hold a `Lang` and ask a
`Text` for it. `lang_of` is the one way a request, a flag or a setting becomes a `Lang`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
# The keys a Text has in the JSON contract (API, findings.json, snapshots).
JsonKey = Literal["zh-CN", "en"]
JSON_KEYS: dict[Lang, JsonKey] = {"zh": "zh-CN", "en": "en"}


def lang_of(value: object) -> Lang:
    """English for anything that starts with "en" (en, en-US, English), Chinese otherwise."""
    return "en" if isinstance(value, str) and value.strip().lower().startswith("en") else "zh"


# Bidirectional controls: an RTL override in a file name turns "gpj.exe" into "exe.jpg" on screen.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def neutral(s: str) -> str:
    """A name from outside (a file name, a URL, a buyer's nickname) made safe to print or
    render: control and bidirectional-control characters shown as escapes, not obeyed."""
    return "".join(
        f"\\u{ord(c):04x}" if c in _BIDI or unicodedata.category(c) == "Cc" else c for c in s
    )


@dataclass(frozen=True)
class Text:
    """A sentence in both languages: Chinese first, English second."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh

    def format(self, **values: object) -> Text:
        """Both templates filled with the same values: `Text("共 {n} 张", "{n} photos").format(n=3)`."""
        return Text(self.zh.format(**values), self.en.format(**values))

    def __add__(self, other: Text) -> Text:
        return Text(self.zh + other.zh, self.en + other.en)

    def both(self) -> str:
        """One line for a terminal or a log, where the reader's language is unknown."""
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"

    def to_json(self) -> dict[str, str]:
        return {JSON_KEYS[lang]: self.get(lang) for lang in LANGS}

    @classmethod
    def from_json(cls, d: dict[str, str]) -> Text:
        return cls(d[JSON_KEYS["zh"]], d[JSON_KEYS["en"]])

    @classmethod
    def same(cls, s: str) -> Text:
        """A value that reads the same in both languages (a name, a number, a code)."""
        return cls(s, s)

    @classmethod
    def join(cls, parts: Iterable[Text], sep: Text) -> Text:
        items = list(parts)
        return cls(sep.zh.join(p.zh for p in items), sep.en.join(p.en for p in items))

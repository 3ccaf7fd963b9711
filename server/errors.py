"""One error shape for everything a seller must be told: a code a program can test, a
sentence in both languages, and the HTTP status the API answers with. The web layer and the
CLI each have one handler for it."""

from __future__ import annotations

from typing import ClassVar

from .text import Text


class Problem(Exception):
    """Bad input or a state the seller can act on; never a bug (those stay plain exceptions)."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, text: Text, status: int | None = None) -> None:
        super().__init__(text.en)
        self.code = code
        self.text = text
        if status is not None:
            self.status = status  # type: ignore[misc]  # an instance may differ from its class

    def __str__(self) -> str:
        return self.text.both()

    def to_json(self) -> dict[str, str]:
        """The documented error body: {"error": code, "message": 中文, "message_en": English}."""
        return {"error": self.code, "message": self.text.zh, "message_en": self.text.en}


class NotFound(Problem):
    status = 404

    def __init__(self, what: Text) -> None:
        super().__init__("not_found", Text(f"找不到{what.zh}。", f"Not found: {what.en}."))


class EvidenceTampered(Problem):
    """A stored evidence file no longer hashes to its name: it is never used again."""

    status = 409

    def __init__(self, sha256: str) -> None:
        super().__init__(
            "evidence_changed",
            Text(
                f"已保存的证据文件 {sha256} 在磁盘上被改动过，拒绝使用。",
                f"The stored evidence file {sha256} was changed on disk; refusing to use it.",
            ),
        )
        self.sha256 = sha256

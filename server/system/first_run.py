"""`refundproof setup`: who the reports name (shop, operator, a contact for the police) and the
language, asked in Chinese (or English), or given as flags with --yes; then doctor's checks.
It also runs by itself on the first `serve` when no shop is set and a person is at the
terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Problem
from ..service import Service
from ..text import Lang, Text

Ask = Callable[[str], str]

QUESTIONS: tuple[tuple[str, Text], ...] = (
    (
        "shop",
        Text("店铺名（写进报告和签名证书）", "Shop name (in the reports and the certificate)"),
    ),
    ("operator", Text("操作人姓名", "Operator's name")),
    (
        "contact",
        Text("联系方式，供警方联系（电话或邮箱）", "A contact for the police (phone or e-mail)"),
    ),
)


def answers(
    service: Service, given: dict[str, str | None], lang: Lang, ask: Ask | None
) -> dict[str, Any]:
    """The identity to save: the flags given, and for each one missing an answer typed at the
    terminal (Enter keeps the current value). Without a terminal, the shop must be given."""
    current = service.identity()
    out: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if ask is not None:
        for name, question in QUESTIONS:
            if name in out:
                continue
            now = current.get(name) or ""
            typed = ask(f"{question.get(lang)}{f' [{now}]' if now else ''}: ").strip()
            out[name] = typed or now
        if "language" not in out:
            prompt = Text("语言 zh/en", "Language zh/en").get(lang)
            typed = ask(f"{prompt} [{lang}]: ").strip().lower()
            out["language"] = typed if typed in ("zh", "en") else lang
    if not (out.get("shop") or current.get("shop")):
        raise Problem(
            "shop_unset",
            Text(
                "请给出店铺名：refundproof setup --shop 店铺名 --operator 姓名 --contact 电话 --yes",
                "Give the shop name: refundproof setup --shop NAME --operator NAME --contact "
                "PHONE --yes",
            ),
        )
    return out


def summary(identity: dict[str, Any]) -> list[Text]:
    unset = Text("（未设置）", "(not set)")
    rows = [
        (Text("店铺", "Shop"), identity.get("shop")),
        (Text("操作人", "Operator"), identity.get("operator")),
        (Text("联系方式", "Contact"), identity.get("contact")),
        (Text("语言", "Language"), identity.get("language")),
    ]
    return [
        Text("  ", "  ") + label + Text("：", ": ") + (Text.same(value) if value else unset)
        for label, value in rows
    ]

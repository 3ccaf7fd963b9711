"""Who the reports say made them: the shop, the person at the keyboard, a contact for the
police, and the seller's language. Set once (`refundproof setup`, the extension's options
page, `PATCH /api/settings`); a report is not made while the shop is unset."""

from __future__ import annotations

from typing import Any

from .errors import Problem
from .settings import Config
from .text import Text, neutral

FIELDS = ("shop", "operator", "contact", "language")
MAX_CHARS = 100

SHOP_UNSET = Text(
    "还没有设置店铺名：报告要写明由哪家店铺提交。请先运行 `refundproof setup`"
    "（或 `refundproof settings --shop 店铺名 --operator 姓名 --contact 电话`），"
    "或在扩展的设置页填写店铺名、操作人和联系方式（供警方联系）。",
    "The shop name is not set: a report must say which shop makes it. Run `refundproof setup` "
    "(or `refundproof settings --shop NAME --operator NAME --contact PHONE`), or fill in the "
    "shop, operator and a contact for the police on the extension's options page.",
)


def shown(cfg: Config) -> dict[str, Any]:
    """The identity as the API and the options page show it."""
    return {
        "shop": cfg.shop,
        "operator": cfg.operator,
        "contact": cfg.contact,
        "language": cfg.language,
    }


def clean(values: object) -> dict[str, Any]:
    """Known fields only; each a string trimmed to MAX_CHARS with control characters shown as
    escapes (an empty string unsets it); the language zh or en."""
    if not isinstance(values, dict):
        raise Problem("settings", Text("设置必须是 JSON 对象。", "Settings must be a JSON object."))
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise Problem(
            "settings",
            Text(
                f"未知的设置项：{', '.join(unknown)}（可用：{', '.join(FIELDS)}）。",
                f"Unknown settings: {', '.join(unknown)} (known: {', '.join(FIELDS)}).",
            ),
        )
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise Problem(
                "settings",
                Text(f"设置项 {name} 必须是文字。", f"The setting {name} must be text."),
            )
        text = neutral((value or "").strip())[:MAX_CHARS]
        if name == "language":
            if text not in ("zh", "en"):
                raise Problem(
                    "settings",
                    Text("语言只能是 zh 或 en。", "The language must be zh or en."),
                )
            out[name] = text
        else:
            out[name] = text or None
    return out


def require_shop(cfg: Config) -> None:
    if not (cfg.shop or "").strip():
        raise Problem("shop_unset", SHOP_UNSET, 409)

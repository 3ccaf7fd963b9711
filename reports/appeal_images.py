"""Appeal images that fit each platform's evidence upload: the one table of limits, and the
files made for it from the rendered pictures (reports/render.py draws them).

A platform reviewer sees images, not PDFs: Taobao's refusal proof takes one image of at most
130,000 bytes. Each platform gets the files its form takes, in upload order: first the
conclusion (the strongest evidence picture, the verdict, the report id and a QR), then one
image per photo with evidence. The signed PDF stays for police, court and e-mail.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

from server.files import ascii_part, portable_name
from server.text import Text


@dataclass(frozen=True)
class Form:
    """One evidence upload of a platform's seller tools."""

    key: str
    name: Text
    images: int  # how many images it takes
    max_bytes: int  # per image
    source: str  # where the limit comes from
    known: bool = True  # False: a conservative default until the real limit is known


@dataclass(frozen=True)
class Platform:
    key: str  # in file names
    name: Text
    aliases: tuple[str, ...]  # how case facts name it (the extension's adapters, sellers)
    forms: tuple[Form, ...]


_DEFAULT = "conservative default: no public limit found; JPEG, 1 MB, 3 images"
PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "taobao",
        Text("淘宝/天猫", "Taobao/Tmall"),
        ("淘宝", "天猫", "千牛", "taobao", "tmall"),
        (
            Form(
                "refuse_proof",
                Text("拒绝退款凭证", "refund refusal proof"),
                1,
                130_000,
                "Taobao Open Platform, taobao.refund.refuse / taobao.rp.refund.refuse: "
                "refuse_proof, one gif/jpg/png image of at most 130K",
            ),
            Form(
                "message",
                Text("退款留言图片", "refund message image"),
                3,
                500_000,
                "Taobao Open Platform, taobao.refund.message.add: image of at most 500K, "
                "one per message",
            ),
        ),
    ),
    Platform(
        "douyin",
        Text("抖店", "Douyin shop"),
        ("抖店", "抖音", "douyin", "doudian"),
        (
            Form(
                "evidence",
                Text("售后举证图片", "after-sales evidence"),
                4,
                1_000_000,
                "抖店 after-sales: at most 4 evidence images; size limit not published, "
                "1 MB kept as a conservative default",
                known=False,
            ),
        ),
    ),
    Platform(
        "kuaishou",
        Text("快手小店", "Kuaishou shop"),
        ("快手", "kuaishou"),
        (
            Form(
                "evidence",
                Text("拒绝退款凭证", "refund refusal proof"),
                6,
                1_000_000,
                "快手 refund reject: at most 6 images; size limit not published, 1 MB kept "
                "as a conservative default",
                known=False,
            ),
        ),
    ),
    Platform(
        "weixin",
        Text("微信小店", "WeChat shop"),
        ("微信", "weixin", "wechat"),
        (
            Form(
                "evidence",
                Text("拒绝退款举证图片", "refund refusal evidence"),
                4,
                1_000_000,
                "WeChat Pay consumer complaints, update-refund-progress: reject_media_list "
                "of at most 4 images; 微信小店 not published, 1 MB kept as a conservative default",
                known=False,
            ),
        ),
    ),
    Platform(
        "pinduoduo",
        Text("拼多多", "Pinduoduo"),
        ("拼多多", "pinduoduo", "pdd"),
        (
            Form(
                "evidence",
                Text("售后举证图片", "after-sales evidence"),
                3,
                1_000_000,
                _DEFAULT,
                False,
            ),
        ),
    ),
    Platform(
        "jd",
        Text("京东", "JD"),
        ("京东", "京麦", "jd"),
        (
            Form(
                "evidence",
                Text("售后举证图片", "after-sales evidence"),
                3,
                1_000_000,
                _DEFAULT,
                False,
            ),
        ),
    ),
)


def platform_of(named: str | None) -> Platform | None:
    """The platform a case's facts name ("淘宝/天猫", "拼多多", "PDD", …), if any."""
    if not named:
        return None
    folded = named.casefold()
    return next((p for p in PLATFORMS if any(a in folded for a in p.aliases)), None)


def ordered(named: str | None) -> tuple[Platform, ...]:
    """Every platform, the case's own first."""
    own = platform_of(named)
    return tuple(sorted(PLATFORMS, key=lambda p: p is not own))


def fit_jpeg(picture: Image.Image, max_bytes: int) -> bytes:
    """The best JPEG of the picture within max_bytes: the highest quality that fits, and a
    smaller picture only when even quality 35 does not fit (text and QR stay sharp longer at
    full size than at a higher quality)."""
    rgb = picture.convert("RGB")
    for scale in (1.0, 0.85, 0.72, 0.6, 0.5):
        im = rgb
        if scale < 1:
            im = rgb.resize(
                (round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS
            )
        best, low, high = None, 35, 90
        while low <= high:
            quality = (low + high) // 2
            data = _jpeg(im, quality)
            if len(data) <= max_bytes:
                best, low = data, quality + 1
            else:
                high = quality - 1
        if best is not None:
            return best
    raise ValueError(f"no JPEG of this picture fits in {max_bytes} bytes")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def file_name(platform: Platform, order_id: str | None, form: Form, n: int, kind: str) -> str:
    """'appeal-taobao-4417009182-refuse_proof-1-verdict.jpg': platform, order and kind, in
    characters every system and every upload form accepts."""
    order = ascii_part(order_id or "", empty="no-order")
    return portable_name(f"appeal-{platform.key}-{order}-{form.key}-{n}-{kind}.jpg")


def make(
    conclusion: Image.Image, photos: list[Image.Image], order_id: str | None, named: str | None
) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """Every platform's files (the case's own platform first) and their list, in upload
    order. `conclusion` is the overview picture; `photos` one picture per photo with
    evidence, strongest first."""
    files: dict[str, bytes] = {}
    listed: list[dict[str, Any]] = []
    fitted: dict[tuple[str, int], bytes] = {}  # platforms share limits: each fit made once
    for platform in ordered(named):
        for form in platform.forms:
            pictures = [("verdict", conclusion)] + [
                (f"photo{i}", p) for i, p in enumerate(photos, 1)
            ]
            if form.key == "message":  # the refusal proof already carries the conclusion
                pictures = pictures[1:] or pictures
            for n, (kind, picture) in enumerate(pictures[: form.images], 1):
                name = file_name(platform, order_id, form, n, kind)
                if (kind, form.max_bytes) not in fitted:
                    fitted[kind, form.max_bytes] = fit_jpeg(picture, form.max_bytes)
                files[name] = fitted[kind, form.max_bytes]
                listed.append(
                    {
                        "platform": platform.key,
                        "platform_name": platform.name.to_json(),
                        "form": form.key,
                        "form_name": form.name.to_json(),
                        "n": n,
                        "kind": kind,
                        "name": name,
                        "bytes": len(files[name]),
                        "max_bytes": form.max_bytes,
                        "max_images": form.images,
                        "limit_known": form.known,
                        "own_platform": platform is platform_of(named),
                    }
                )
    return files, listed

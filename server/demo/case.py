"""`refundproof demo`: a refund case built from generated material, verified end to end."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PIL import Image

from ..domain.cases import Source
from ..domain.contract import ResultJSON
from ..service import Service
from ..text import Lang
from . import samples

FACTS = {
    "platform": "淘宝",
    "order_id": "4012345678901234567",
    "refund_id": "RF20261120001",
    "buyer": "演示买家 demo_buyer",
    "amount": "199.00",
    "reason": "商品破损（演示）",
    "title": "陶瓷马克杯 演示",
    "ordered_at": "2026-11-15T10:00:00+08:00",
    "shipped_at": "2026-11-16T09:00:00+08:00",
    "delivered_at": "2026-11-18T15:00:00+08:00",
    "refund_requested_at": "2026-11-19T20:00:00+08:00",
}

MARKER = "DEMO"


def material() -> list[tuple[str, str, bytes]]:
    """(file name, role, bytes) of the demo photos."""
    listing = samples.product_shot(1200, 900, seed=3)
    # the typical fake: the seller's own photo, cropped and tilted, with a crack painted in
    cracked = (
        samples.paint_damage(listing, (520, 300, 720, 520), seed=2)
        .crop((120, 80, 1120, 830))
        .rotate(2.5, resample=Image.Resampling.BICUBIC)
    )
    marked, _ = samples.draw_text(
        samples.photo(1024, 768, seed=8), "豆包AI生成", 44, "bottom-right"
    )
    labelled = samples.png(
        samples.photo(640, 480, seed=4),
        before_idat=[
            samples.png_text_chunk(
                "XML:com.adobe.xmp", samples.tc260_xmp(samples.DOUBAO_LABEL, malformed=True), "iTXt"
            )
        ],
    )
    sd = samples.png(
        samples.photo(512, 512, seed=5),
        after_idat=[
            samples.png_text_chunk(
                "parameters",
                b"broken ceramic mug, crack\nSteps: 28, Sampler: DPM++ 2M, Seed: 1234, "
                b"Model: sdxl_base",
            )
        ],
    )
    early = samples.jpeg(
        samples.photo(640, 480, seed=6), samples.camera_exif("2026:11:10 12:00:00")
    )
    plausible = samples.jpeg(
        samples.photo(640, 480, seed=7), samples.camera_exif("2026:11:19 09:30:00")
    )
    return [
        ("buyer_cracked.jpg", "evidence", samples.jpeg(cracked)),
        ("buyer_marked.jpg", "evidence", samples.jpeg(marked)),
        ("buyer_doubao.png", "evidence", labelled),
        ("buyer_sd.png", "evidence", sd),
        ("buyer_before_delivery.jpg", "evidence", early),
        ("buyer_plausible.jpg", "evidence", plausible),
        ("listing_mug.jpg", "listing", samples.jpeg(listing)),
    ]


def demo_home(home: Path) -> Path:
    """The demo's own data folder inside the seller's, made fresh on every `make run`: demo
    cases never mix with the seller's, and a demo rerun never piles up."""
    demo = home / "demo"
    if (demo / MARKER).exists():
        shutil.rmtree(demo)
    demo.mkdir(parents=True, exist_ok=True)
    (demo / MARKER).write_text(
        "RefundProof demo data: deleted and made again by `refundproof demo`\n"
    )
    return demo


def build_demo(service: Service, lang: Lang = "zh") -> tuple[ResultJSON, list[dict[str, Any]]]:
    """The verified demo case and its two signed reports (appeal, police)."""
    # the demo's own folder names a made-up shop; the seller's settings are never touched
    service.change_settings(shop="演示店铺（示例）", operator="演示操作员")
    case = service.create_case(FACTS)
    for name, role, data in material():
        service.add_photo(case["id"], data, role, Source(method="upload", file_name=name))
    result = service.verify(case["id"], lang)
    return result, [service.report(case["id"], v, lang) for v in ("appeal", "police")]

"""What the police record says beyond the findings: how each file was obtained (and on whose
word its link to the buyer rests), what an officer can do to confirm each finding without
RefundProof, which law applies at this case's amount, and a guide to the fields shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from server.domain.contract import PhotoResultJSON, ResultJSON
from server.text import Lang, Text

Say = Callable[[str, str], str]

# The lower end of the provinces' 数额较大 figures for fraud (法释〔2011〕7号: 3,000–10,000).
CRIMINAL_FLOOR = 3000
# Methods whose bytes came from the platform, not from the seller's hands.
FROM_PLATFORM = ("original_fetch", "blob_read", "canvas_copy", "page_capture")


def custody(
    photos: list[PhotoResultJSON], received: dict[str, str], say: Say
) -> list[dict[str, Any]]:
    """Per file: how it was obtained, from where, when, and what the link to the buyer's
    upload rests on."""
    rows = []
    for p in photos:
        source, method = p["source"], p["source"]["method"]
        if method in FROM_PLATFORM:
            basis = say(
                "从平台页面或图片服务器直接获取，文件与买家上传之间的联系可向平台核实（见第四节）。",
                "Taken straight from the platform's page or image server; its link to the "
                "buyer's upload can be confirmed with the platform (section 4).",
            )
            if method == "canvas_copy":
                basis += say(
                    "注意：这是页面画布的重新编码副本，不是原始字节，元数据已丢失。",
                    " Note: a re-encoded copy from a page canvas, not the original bytes; "
                    "its metadata is lost.",
                )
        elif p["role"] == "listing":
            basis = say("卖家自己的商品图，由卖家提供。", "The seller's own listing photo.")
        else:
            basis = say(
                "由卖家在本机选择或上传：这张图片就是买家提交的那一张，目前仅凭卖家陈述；"
                "请向平台调取买家的原始上传核对（见第四节）。",
                "Chosen or uploaded by the seller: that this is the photo the buyer "
                "submitted rests on the seller's word for now; ask the platform for the "
                "buyer's original upload to confirm it (section 4).",
            )
        rows.append(
            {
                "sha256": p["sha256"],
                "file": p["file"],
                "role_name": p["role_name"],
                "source_url": source.get("source_url"),
                "page_url": source.get("page_url"),
                "headers": source.get("http_headers") or {},
                "at": source.get("fetched_at") or received[p["sha256"]],
                "method": method,
                "basis": basis,
            }
        )
    return rows


def confirmations(result: ResultJSON, say: Say) -> list[str]:
    """What an officer can ask of others to confirm the findings independently."""
    facts = result["case"]["facts"]
    order = facts.get("order_id") or facts.get("refund_id")
    platform = facts.get("platform") or say("平台", "the platform")
    out = [
        say(
            f"向{platform}调取买家为本次退款上传的原始图片（订单号 {order or '见第二节'}），"
            "计算其 SHA-256，与第七节电子数据清单中的校验值比对：一致即证明本记录核验的就是买家上传的文件。",
            f"Ask {platform} for the photos the buyer uploaded for this refund (order "
            f"{order or 'see section 2'}), hash them with SHA-256 and compare with the evidence "
            "list in section 7: equal values prove these are the files the buyer uploaded.",
        )
    ]
    for p in result["photos"]:
        for f in p["findings"]:
            if f["check"] == "aigc_label" and f["strength"] in ("decisive", "strong", "supporting"):
                producer = f["data"].get("producer") or {}
                who = producer.get("service") or producer.get("uscc") or producer.get("raw")
                uscc = producer.get("uscc")
                cid = f["data"].get("produce_id")
                if who:
                    out.append(
                        say(
                            f"{p['file']}：隐式标识写明生成服务为 {who}"
                            + (f"（统一社会信用代码 {uscc}）" if uscc else "")
                            + (f"，内容编号 {cid}" if cid else "")
                            + "。可向该公司调取这一编号的生成记录（生成时间、账号）。",
                            f"{p['file']}: the implicit label names the service {who}"
                            + (f" (USCC {uscc})" if uscc else "")
                            + (f", content ID {cid}" if cid else "")
                            + ". The company can be asked for the generation record of that "
                            "ID (time, account).",
                        )
                    )
            if f["signal"] == "reused_in_other_refund":
                cases = "、".join(o["other_case"] for o in f["data"].get("others", []))
                out.append(
                    say(
                        f"{p['file']}：同一张图片出现在本机记录的其他退款（案件 {cases}）中；"
                        "可向平台核实这些退款的买家账号。",
                        f"{p['file']}: the same photo appears in other refunds recorded here "
                        f"(cases {cases}); the platform can confirm the buyer accounts of those "
                        "refunds.",
                    )
                )
    return out


def amount(facts: dict[str, Any]) -> float | None:
    m = re.search(r"\d+(?:\.\d+)?", str(facts.get("amount") or "").replace(",", ""))
    return float(m.group()) if m else None


def which_law(facts: dict[str, Any], say: Say) -> str:
    """The route the case's amount points to: 治安 below the lowest 数额较大 figure."""
    value = amount(facts)
    if value is None:
        return say(
            f"案件没有记录退款金额：金额低于所在省份“数额较大”标准（{CRIMINAL_FLOOR:,}—10,000 元）的，"
            "属于治安管理处罚；达到的，可能构成诈骗罪。",
            "The case records no refund amount: below the province's 'relatively large' "
            f"figure (CNY {CRIMINAL_FLOOR:,}–10,000) this is a matter for administrative "
            "penalties; at or above it, possibly the crime of fraud.",
        )
    if value < CRIMINAL_FLOOR:
        return say(
            f"本案退款金额 {value:,.2f} 元，低于各省“数额较大”标准的下限（{CRIMINAL_FLOOR:,} 元），"
            "按治安管理处罚法处理；同一买家多次骗取退款的，数额可以累计，可能达到刑事标准。",
            f"The refund here is CNY {value:,.2f}, below the lowest provincial 'relatively "
            f"large' figure (CNY {CRIMINAL_FLOOR:,}): a matter for the Public Security "
            "Administration Punishments Law. Repeated refunds by the same buyer add up and may "
            "reach the criminal threshold.",
        )
    return say(
        f"本案退款金额 {value:,.2f} 元，达到或超过部分省份“数额较大”标准（{CRIMINAL_FLOOR:,}—10,000 元），"
        "可能构成诈骗罪，具体以所在省份标准为准。",
        f"The refund here is CNY {value:,.2f}, at or above some provinces' 'relatively large' "
        f"figure (CNY {CRIMINAL_FLOOR:,}–10,000): possibly the crime of fraud, by the "
        "province's own figure.",
    )


def label_removed(result: ResultJSON) -> bool:
    """Whether a finding shows a label cut off, altered or hidden (标识办法第十条 applies)."""
    return any(
        f["check"] == "visible_mark" and f["data"].get("kind") == "partial"
        for p in result["photos"]
        for f in p["findings"]
    )


# The fields a finding's data shows in the record, with what they mean; the rest stays in
# the findings.json attachment.
# fmt: off
FIELD_GUIDE: dict[str, tuple[str, str, str, str]] = {
    "producer": ("生成服务", "Service", "隐式标识中的生成服务及其统一社会信用代码", "the generating service named by the implicit label, with its USCC"),
    "produce_id": ("内容编号", "Content ID", "服务商为这次生成分配的编号，可向其调取记录", "the ID the provider gave this generation; ask it for the record"),
    "label_meaning": ("标识含义", "Label", "标识声明的内容性质", "what the label declares"),
    "reserved_code_present": ("标识签名", "Label signed", "标识是否带有服务商的签名（ReservedCode）", "whether the label carries the provider's signature (ReservedCode)"),
    "placement": ("所在位置", "Where in the file", "在文件中的位置（块和字节偏移）", "where in the file (block and byte offset)"),
    "generator": ("生成工具", "Generator", "元数据中写明的生成工具", "the generator the metadata names"),
    "issuer": ("签发者", "Issuer", "内容凭证的签发者", "who signed the content credentials"),
    "binding": ("绑定", "Binding", "凭证是否仍与图片字节绑定", "whether the credentials are still bound to the bytes"),
    "signer_trust": ("签发者可信", "Signer trust", "签发者是否在已导入的 C2PA 信任列表中", "whether the signer is on an imported C2PA trust list"),
    "text": ("读出文字", "Text read", "OCR 读出的标识文字", "the mark text the OCR read"),
    "position_zh": ("位置", "Position", "标识在画面中的位置", "where the mark is in the picture"),
    "height_ratio": ("文字高度比", "Text height", "文字高度占图片短边的比例（GB 45438 要求不低于 5%）", "text height over the short side (GB 45438 asks at least 5%)"),
    "listing_file": ("对应商品图", "Listing photo", "这张凭证改自的卖家商品图", "the seller's listing photo it was made from"),
    "catalog_since": ("图库收录", "In the catalogue since", "商品图加入卖家商品图库的时间，及证明这一时间的可信时间戳", "when the picture joined the seller's catalogue, and the trusted time stamp that proves it"),
    "inliers": ("匹配点", "Matched points", "几何对齐后一致的特征点数", "feature points consistent after alignment"),
    "coverage": ("对齐比例", "Aligned share", "画面中与商品图对齐一致的比例", "share of the picture aligned with the listing photo"),
    "regions": ("改动区域", "Changed regions", "与商品图不同的区域（像素坐标）", "regions that differ from the listing photo (pixel boxes)"),
    "other_case": ("另一案件", "Other case", "同一张图片所在的另一案件", "the other case holding the same photo"),
    "others": ("其他退款", "Other refunds", "同一张图片所在的其他退款（平台、订单号、退款编号、买家、收到日期）；申诉材料不列出这些", "the other refunds holding the same photo (platform, order, refund number, buyer, date received); appeals leave these out"),
    "identical_bytes": ("字节相同", "Same bytes", "两个文件是否逐字节相同", "whether the two files are byte for byte the same"),
    "hash_distance": ("感知哈希差", "Hash distance", "64 位感知哈希不同的位数", "bits of the 64-bit perceptual hash that differ"),
    "capture_time": ("拍摄时间", "Capture time", "EXIF 记录的拍摄时间", "the capture time EXIF records"),
    "model": ("相机型号", "Camera", "EXIF 记录的相机型号", "the camera model EXIF records"),
    "estimated_quality": ("JPEG 质量", "JPEG quality", "按量化表估计的保存质量", "the save quality estimated from the tables"),
    "double_compression": ("二次压缩", "Saved twice", "是否有二次压缩的迹象", "whether it shows signs of double compression"),
    "share": ("区域占比", "Region share", "可疑区域占画面的比例", "the suspicious region's share of the picture"),
}
# fmt: on


def shown_fields(data: dict[str, Any], lang: Lang) -> list[tuple[str, str]]:
    """(name, value) of the guide's fields this finding has, values in plain words."""
    out = []
    for key, (zh, en, _, _) in FIELD_GUIDE.items():
        if key in data and data[key] not in (None, "", [], {}):
            out.append((Text(zh, en).get(lang), _plain(data[key], lang)))
    return out


def _other_refund(entry: dict[str, Any]) -> str:
    facts = entry["other_facts"]
    named = " ".join(
        str(facts[k]) for k in ("platform", "order_id", "refund_id", "buyer") if facts.get(k)
    )
    return f"{named} ({str(entry.get('other_received_at', ''))[:10]})"


def _plain(value: Any, lang: Lang) -> str:
    if isinstance(value, bool):
        return (Text("是", "yes") if value else Text("否", "no")).get(lang)
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        if "service" in value or "uscc" in value:  # a label's party
            return " ".join(str(value[k]) for k in ("service", "uscc") if value.get(k))
        if "where" in value:  # a placement
            at = value.get("offset")
            return f"{value['where']}" + (f" @ {at}" if at is not None else "")
        return "; ".join(f"{k}={v}" for k, v in list(value.items())[:4])
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) and "other_facts" in v for v in value)
    ):  # the other refunds a reused photo was in: named in full for the police
        return "; ".join(_other_refund(v) for v in value[:12]) + (" …" if len(value) > 12 else "")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value[:6]) + (" …" if len(value) > 6 else "")
    return str(value)[:200]

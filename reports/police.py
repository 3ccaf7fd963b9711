"""What the police record says beyond the findings: who complains about what, whether the
findings support a complaint at all, how each file was obtained (and on whose word its link
to the buyer rests), what an officer can do to confirm each finding without RefundProof,
which law the findings and the case's amount support, and a guide to the fields shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from server.domain import dates
from server.domain.cases import INCRIMINATING
from server.domain.contract import PhotoResultJSON, ResultJSON
from server.domain.verdict import supports_complaint
from server.formats import gb45438
from server.text import Lang, Text

Say = Callable[[str, str], str]

# The lower end of the provinces' 数额较大 figures for fraud (法释〔2011〕7号: 3,000–10,000).
CRIMINAL_FLOOR = 3000
# Methods whose bytes came from the platform, not from the seller's hands.
FROM_PLATFORM = ("original_fetch", "blob_read", "canvas_copy", "page_capture")
# The checks whose findings are AI labels the labelling duty (标识办法, GB 45438) asks for:
# the implicit label in the metadata and the visible mark in the picture.
LABEL_CHECKS = ("aigc_label", "visible_mark")
# A visible mark cut by the frame: its text read in part, or its glyphs' widths left at the edge.
CUT_MARK_SIGNALS = ("partial_visible_mark", "cut_visible_mark")


def standing(result: ResultJSON, say: Say) -> str | None:
    """The record's first words when nothing strong was found: it is no basis for a
    complaint. None when the findings do support one."""
    verdict = result["case"]["verdict"]
    if supports_complaint(verdict["level"]):
        return None
    return say(
        f"本次核验没有发现有力或确定性的证据（核验结论：{verdict['summary']}）。"
        "本记录只存档核验的经过和结果，没有证明买家的图片是伪造的，不能作为报案的依据。",
        "This verification found no strong or decisive evidence (verdict: "
        f"{verdict['summary']}). This record only files how the photos were checked and what "
        "was found; it does not show that the buyer's photos are fake and is no basis for a "
        "complaint.",
    )


def complaint(result: ResultJSON, shop: str | None, when: Callable[[str], str], say: Say) -> str:
    """One paragraph for page 1: who complains, about which refund (platform, order, amount,
    date), and what the evidence shows."""
    facts = result["case"]["facts"]
    verdict = result["case"]["verdict"]
    platform = facts.get("platform") or say("（平台未提供）", "(platform not given)")
    order = facts.get("order_id") or say("（未提供）", "(not given)")
    refund = facts.get("refund_id")
    buyer = facts.get("buyer")
    value = amount(facts)
    requested = facts.get("refund_requested_at")
    n = sum(p["role"] == "evidence" for p in result["photos"])
    who = shop or say("卖家（店铺名未设置）", "The seller (shop name not set)")
    return say(
        f"{who}就{platform}订单 {order}"
        + (f"（退款编号 {refund}）" if refund else " ")
        + "中"
        + (f"买家 {buyer} " if buyer else "买家")
        + "申请的退款"
        + (f"，金额 {value:,.2f} 元" if value is not None else "，金额未提供")
        + (f"，申请时间 {when(requested)}" if requested else "，申请时间未提供")
        + f"，提交本记录。买家提交的 {n} 张退款凭证图片经核验：{verdict['summary']}。",
        f"{who} submits this record about the refund the buyer"
        + (f" {buyer}" if buyer else "")
        + f" asked for on {platform} order {order}"
        + (f" (refund {refund})" if refund else "")
        + (f", CNY {value:,.2f}" if value is not None else ", amount not given")
        + (f", requested {when(requested)}" if requested else ", request time not given")
        + f". The {n} photo(s) the buyer submitted as evidence were checked: "
        f"{verdict['summary']}.",
    )


def no_capture_note(photos: list[PhotoResultJSON], say: Say) -> str:
    """Why there is no page capture, from how the photos were actually obtained."""
    if any(p["source"]["method"] in FROM_PLATFORM for p in photos):
        return say(
            "本案件没有页面截图：图片由浏览器扩展从退款页面获取，但核验不是从浏览器工具栏的 "
            "RefundProof 按钮开始的，扩展没有截取页面。",
            "This case has no page capture: the browser extension took the photos from the "
            "refund page, but the verification was not started from the RefundProof toolbar "
            "button, so the page was not captured.",
        )
    return say(
        "本案件没有页面截图：图片由卖家上传或在本机选择，不是浏览器扩展从退款页面获取的。",
        "This case has no page capture: the seller uploaded or chose the photos on this "
        "computer; the browser extension did not take them from the refund page.",
    )


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


def law_basis(result: ResultJSON) -> dict[str, bool]:
    """Which parts of the law section the findings support: the fraud articles only with
    strong or decisive evidence; the labelling duty only where a label was found; its
    article 10 only where one was cut off or hidden."""
    return {
        "fraud": supports_complaint(result["case"]["verdict"]["level"]),
        "label": label_found(result),
        "label_removed": label_removed(result),
    }


def label_found(result: ResultJSON) -> bool:
    """Whether a photo carries an AI label the labelling duty asks for (implicit or visible)."""
    return any(
        f["check"] in LABEL_CHECKS and f["strength"] in INCRIMINATING
        for p in result["photos"]
        if p["role"] == "evidence"
        for f in p["findings"]
    )


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
        f["check"] == "visible_mark" and f["signal"] in CUT_MARK_SIGNALS
        for p in result["photos"]
        for f in p["findings"]
    )


# Field names and a command line the record quotes as they are, in either language: how a
# third party checks a catalogue picture's time stamp without this program.
QUOTED = (
    "catalog_entry.merkle_path",
    "catalog_entry.merkle_root",
    "catalog_entry.time_stamp.token",
    "openssl ts -verify -digest ROOT_HEX -token_in -in TOKEN.der -CAfile TSA_CA.pem",
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
    "catalog_since": ("图库收录", "In the catalogue since", f"商品图加入卖家商品图库的时间，及盖在其所在批次默克尔根上的可信时间戳。核对方法：算出商品图文件的 SHA-256，从它起按 snapshot.json 中该发现的 {QUOTED[0]} 逐级算到 {QUOTED[1]}（叶为 SHA-256(字节 00‖摘要)，节点为 SHA-256(字节 01‖左‖右)），再核对 {QUOTED[2]}（Base64 编码的 RFC 3161 时间戳）盖在该根上，例如 {QUOTED[3]}", f"when the picture joined the seller's catalogue, and the trusted time stamp over its batch's Merkle root. To check it: take the SHA-256 of the picture file, follow {QUOTED[0]} of this finding in snapshot.json up to {QUOTED[1]} (leaf SHA-256(byte 00‖digest), node SHA-256(byte 01‖left‖right)), then check that {QUOTED[2]} (the RFC 3161 token, Base64) is over that root, e.g. {QUOTED[3]}"),
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


# A finding's data keeps the values the checks wrote (English words, for tools that read
# findings.json); the record shows them in the reader's language.
VALUE_NAMES: dict[str, dict[str, Text]] = {
    "label_meaning": {
        **{en: Text(zh, en) for zh, en in gb45438.LABEL_MEANING.values()},
        "unknown value": Text("未知取值", "unknown value"),
    },
    "binding": {
        "intact": Text("完好（凭证仍与图片字节绑定）", "intact"),
        "broken": Text("已断开（图片在签名后被改动）", "broken (changed after signing)"),
    },
    "signer_trust": {
        "trusted": Text("受信任", "trusted"),
        "untrusted": Text("不在已导入的信任列表中", "not on an imported trust list"),
    },
}
PLACES = {"raw bytes": Text("文件原始字节中", "raw bytes")}  # a placement found by a byte scan


def shown_fields(data: dict[str, Any], lang: Lang) -> list[tuple[str, str]]:
    """(name, value) of the guide's fields this finding has, values in plain words."""
    out = []
    for key, (zh, en, _, _) in FIELD_GUIDE.items():
        if key in data and data[key] not in (None, "", [], {}):
            named = VALUE_NAMES.get(key, {}).get(str(data[key]))
            if named:
                value = named.get(lang)
            elif key == "capture_time":
                value = dates.shown_iso(data[key])
            elif key == "catalog_since" and isinstance(data[key], dict):
                value = _catalog_since(data[key]).get(lang)
            else:
                value = _plain(data[key], lang)
            out.append((Text(zh, en).get(lang), value))
    return out


def _catalog_since(since: dict[str, Any]) -> Text:
    """When a catalogue picture joined: the trusted time and what proves it, or the local
    clock said to be only that."""
    at = dates.shown_iso(since.get("time"))
    if since.get("stamped"):
        return Text(
            f"{at}（{since['service']} 的 RFC 3161 可信时间戳，盖在该批图片的默克尔根"
            f" {since['root']} 上）",
            f"{at} (RFC 3161 time stamp by {since['service']} over the batch's Merkle root "
            f"{since['root']})",
        )
    return Text(
        f"{at}（本机时钟，尚无可信时间戳）", f"{at} (local clock; no trusted time stamp yet)"
    )


def _other_refund(entry: dict[str, Any]) -> str:
    facts = entry["other_facts"]
    named = " ".join(
        str(facts[k]) for k in ("platform", "order_id", "refund_id", "buyer") if facts.get(k)
    )
    return f"{named} ({dates.day(str(entry.get('other_received_at', '')))})"


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
            where = PLACES.get(value["where"])
            return (where.get(lang) if where else str(value["where"])) + (
                f" @ {at}" if at is not None else ""
            )
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

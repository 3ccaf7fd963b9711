"""Snapshot -> HTML (Jinja2) -> PDF/A-3b with the originals attached (WeasyPrint) -> page
images (pdfium). Reads nothing but the snapshot: the same snapshot renders the same PDF."""

from __future__ import annotations

import base64
import io
import os
import threading
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import qrcode
import qrcode.image.svg
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageFile, ImageOps
from weasyprint import HTML, Attachment

from server.domain import dates
from server.domain.cases import FACT_NAMES, STRENGTH_NAMES, TIMELINE, method_name
from server.formats import repair
from server.imaging import pixels
from server.text import JSON_KEYS, Lang, Text

from . import police
from .sign import FINDINGS_NAME, SNAPSHOT_NAME
from .snapshot import (
    AUDIT_NAME,
    HEADERS_NAME,
    Snapshot,
    attachment_name,
    figure_hashes,
    figure_name,
)

# WeasyPrint turns on Pillow's process-wide "accept truncated images" at import; intake
# relies on the default to refuse truncated uploads, and our own thumbnails are never cut.
ImageFile.LOAD_TRUNCATED_IMAGES = False

TEMPLATES = Path(__file__).parent / "templates"
TITLES = {
    "appeal": Text(
        "退款凭证图片核验报告（平台申诉）",
        "Refund photo verification report (platform appeal)",
    ),
    "police": Text(
        "报警材料：退款凭证图片技术核验记录",
        "Police report: technical verification of refund photos",
    ),
}
_ENVIRONMENT_LOCK = threading.Lock()
THUMB_EDGE = 1000  # px: sharp at the printed size (≤ 180 mm wide), light enough for 30 photos
PAGE_DPI = 110  # page images: readable on an appeal form, about 0.3 MB a page


@cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = dates.shown_iso
    return env


def _shown_facts(facts: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """The case's facts as reports print them: each timeline date one way."""
    return {k: dates.show_fact(v).get(lang) if v and k in TIMELINE else v for k, v in facts.items()}


def _thumb(data: bytes, fmt: str) -> str | None:
    """A display copy (first frame, 8-bit RGB, EXIF orientation applied) as a data URI, read
    the way viewers read it; None when the picture does not decode (the report then names the
    attached original instead). Runs where the report is made: a check worker in the server."""
    try:
        jpeg, _ = repair.tolerantly(data, fmt, _display_jpeg)
    except MemoryError:
        raise
    except Exception:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _display_jpeg(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (THUMB_EDGE, THUMB_EDGE))  # JPEG: decode at a reduced scale
        return pixels.figure_bytes(pixels.viewable(im), THUMB_EDGE)


def _request(level: str, t: Any) -> str:
    """What the appeal asks of the platform, from the case's verdict."""
    if level in ("decisive", "strong"):
        return t(
            "驳回买家的仅退款申请（或转人工复核）。理由见下，原始图片和核验数据附在本 PDF 中。",
            "Reject the buyer's refund-only request (or refer it to a human reviewer). The "
            "reasons follow; the original photos and the verification data are attached to "
            "this PDF.",
        )
    if level == "supporting":
        return t(
            "人工复核买家提交的凭证图片：下列图片有可疑之处。",
            "Have a human review the buyer's photos: the ones below raise doubts.",
        )
    return ""


def _time_source(snap: Snapshot, t: Any) -> str:
    source = snap.data["report"]["time_source"]
    if source["kind"] == "rfc3161":
        url = source["tsa_url"]
        return t(
            f"签名带有 {url} 签发的 RFC 3161 可信时间戳",
            f"the signature carries an RFC 3161 timestamp from {url}",
        )
    unanswered = source.get("unanswered") or []
    if unanswered:
        return t(
            f"本机时钟（可信时间戳服务 {'、'.join(unanswered)} 当时无法连接，签名没有可信时间戳）",
            f"this computer's clock (the time-stamp services {', '.join(unanswered)} could not "
            "be reached, so the signature carries no trusted timestamp)",
        )
    return t(
        "本机时钟（未配置可信时间戳服务）",
        "this computer's clock (no trusted timestamp service configured)",
    )


def _evidence_list(
    snap: Snapshot, photos: list[Any], names: dict[str, str], say: Callable[[str, str], str]
) -> list[dict[str, str]]:
    """The 电子数据清单: every attached file with its hash, source, time and method."""
    d = snap.data
    received = {p["sha256"]: p["received_at"] for p in d["photos"]}
    referenced = {r["sha256"] for r in d.get("referenced", [])}
    outside = say(
        "（未附入，存于证据包，以 SHA-256 对应）",
        " (not attached: in the evidence package, by SHA-256)",
    )
    rows = [
        {
            "category": say(f"{p['role_name']}视频", f"{p['role_name']} video")
            if p.get("media") == "video"
            else say(f"{p['role_name']}图片", f"{p['role_name']} image"),
            "name": names[p["sha256"]] + (outside if p["sha256"] in referenced else ""),
            "format": f"{p['format']} ({p['width']}×{p['height']}, {p['bytes']:,} B)",
            "sha256": p["sha256"],
            "source": p["source"]["source_url"] or p["source"]["file_name"] or "",
            "obtained": p["source"]["fetched_at"] or received[p["sha256"]],
            # how it was obtained is told once, in the chain of custody (section 1)
            "method": say(f"见第一节第 {i} 项", f"section 1, item {i}"),
        }
        for i, p in enumerate(photos, 1)
    ]
    tool = f"{d['tool']['name']} {d['tool']['version']}"
    for sha in sorted(figure_hashes(d["verification"])):
        rows.append(
            {
                "category": say("检查生成的示意图", "figure drawn by a check"),
                "name": figure_name(sha),
                "format": "JPEG",
                "sha256": sha,
                "source": say("由核验程序根据原始图片生成", "made by the checks from an original"),
                "obtained": d["verification"]["verified_at"],
                "method": tool,
            }
        )
    findings_sha = next(a["sha256"] for a in d["attachments"] if a["name"] == FINDINGS_NAME)
    rows.append(
        {
            "category": say("核验结果", "verification results"),
            "name": FINDINGS_NAME,
            "format": "JSON",
            "sha256": findings_sha,
            "source": say("RefundProof 核验输出", "RefundProof verification output"),
            "obtained": d["verification"]["verified_at"],
            "method": tool,
        }
    )
    headers_sha = next((a["sha256"] for a in d["attachments"] if a["name"] == HEADERS_NAME), None)
    if headers_sha:
        rows.append(
            {
                "category": say("下载图片时的 HTTP 响应头", "HTTP response headers of the fetches"),
                "name": HEADERS_NAME,
                "format": "JSON",
                "sha256": headers_sha,
                "source": say("图片服务器的响应", "the image servers' responses"),
                "obtained": d["report"]["created_at"],
                "method": tool,
            }
        )
    audit_sha = next(a["sha256"] for a in d["attachments"] if a["name"] == AUDIT_NAME)
    rows.append(
        {
            "category": say("审计日志摘录", "audit-log excerpt"),
            "name": AUDIT_NAME,
            "format": "JSON Lines",
            "sha256": audit_sha,
            "source": say(
                "本机审计日志中本案的各行", "the lines of the local audit log about this case"
            ),
            "obtained": d["report"]["created_at"],
            "method": tool,
        }
    )
    rows.append(
        {
            "category": say("核验快照", "verification snapshot"),
            "name": SNAPSHOT_NAME,
            "format": "JSON",
            "sha256": snap.sha256,
            "source": say("本报告依据的全部数据", "everything this report rests on"),
            "obtained": d["report"]["created_at"],
            "method": tool,
        }
    )
    return rows


def context(snap: Snapshot) -> dict[str, Any]:
    d, lang = snap.data, snap.lang

    def say(zh: str, en: str) -> str:
        return Text(zh, en).get(lang)

    res = snap.result()
    photos = res["photos"]
    received = {p["sha256"]: p["received_at"] for p in d["photos"]}
    names = {p.sha256: attachment_name(p) for p in snap.photos()}
    checks: dict[str, Any] = {}
    for p in photos:
        for c in p["checks"]:
            checks.setdefault(c["check"], c)
    return {
        "lang": lang,
        "json_key": JSON_KEYS[lang],
        "t": say,
        "title": TITLES[d["report"]["variant"]].get(lang),
        "report": d["report"],
        "tool": d["tool"],
        "operator": d["operator"],
        "shop": d.get("shop"),
        "contact": d.get("contact"),
        "request": _request(res["case"]["verdict"]["level"], say),
        "custody": police.custody(photos, received, say),
        "headers_name": HEADERS_NAME
        if any(a["name"] == HEADERS_NAME for a in d["attachments"])
        else None,
        "standing": police.standing(res, say),
        "complaint": police.complaint(
            res, d.get("shop"), lambda fact: dates.show_fact(fact).get(lang), say
        ),
        "no_capture": police.no_capture_note(photos, say),
        "confirmations": police.confirmations(res, say),
        "which_law": police.which_law(res["case"]["facts"], say),
        "law": police.law_basis(res),
        "field_guide": police.FIELD_GUIDE,
        "shown_fields": lambda data: police.shown_fields(data, lang),
        "case": {**res["case"], "facts": _shown_facts(res["case"]["facts"], lang)},
        "case_created_at": d["case"]["created_at"],
        "verified_at": d["verification"]["verified_at"],
        "fact_names": FACT_NAMES,
        "photos": photos,
        "evidence_photos": [p for p in photos if p["role"] == "evidence"],
        "listing_count": sum(p["role"] == "listing" for p in photos),
        "captures": [p for p in photos if p["role"] == "page_capture"],
        "attachment_names": names,
        "received_at": received,
        "checks": list(checks.values()),
        "trust_lists": d["verification"]["trust_lists"],
        "evidence_list": _evidence_list(snap, photos, names, say),
        "signer": d["signer"],
        "audit_head": d["audit_head"],
        "snapshot_sha256": snap.sha256,
        "time_source": _time_source(snap, say),
        "strength_name": lambda s: STRENGTH_NAMES[s].get(lang),
        "method_name": lambda m: method_name(m).get(lang),
        "check_title": lambda name: (
            checks[name]["title"][JSON_KEYS[lang]] if name in checks else name
        ),
    }


def html(snap: Snapshot) -> str:
    ctx = context(snap)
    t = ctx["t"]
    css = (
        _env()
        .get_template("report.css")
        .render(
            report_id_label=t("报告编号", "Report"),
            footer_left=t(
                "技术核验记录，非司法鉴定意见书",
                "Technical verification record, not a forensic opinion",
            ),
            page_label_before=t("第 ", "Page "),
            page_label_middle=t(" 页 / 共 ", " of "),
            page_label_after=t(" 页", ""),
        )
    )
    template = _env().get_template(f"{snap.data['report']['variant']}.html.j2")
    return template.render(css=css, thumbs=_thumbs(snap), figures=_figures(snap), **ctx)


def _thumbs(snap: Snapshot, only: set[str] | None = None) -> dict[str, str | None]:
    """Display copies of the photos (`only` these, when given), by SHA-256."""
    return {
        p.sha256: _video_strip(snap, p.sha256)
        if p.media == "video"
        else _thumb(snap.originals[attachment_name(p)], p.format)
        for p in snap.photos()
        if only is None or p.sha256 in only
    }


def _video_strip(snap: Snapshot, sha256: str) -> str | None:
    """A video is shown by the strip of its sampled frames that its check drew (video_mark's
    figure, marks boxed); None when its frames did not decode."""
    for p in snap.data["verification"]["photos"]:
        for f in p["findings"] if p["sha256"] == sha256 else []:
            figure = f.get("data", {}).get("figure")
            if f["check"] == "video_mark" and isinstance(figure, dict):
                data = snap.originals[figure_name(figure["sha256"])]
                return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
    return None


def _figures(snap: Snapshot) -> dict[str, str]:
    return {
        sha: "data:image/jpeg;base64," + base64.b64encode(snap.originals[figure_name(sha)]).decode()
        for sha in figure_hashes(snap.data["verification"])
    }


def pdf(snap: Snapshot) -> bytes:
    """PDF/A-3b: the originals, the snapshot and the findings ride inside as attachments."""
    created = datetime.fromisoformat(snap.data["report"]["created_at"])

    def attach(name: str, data: bytes, description: str, relationship: str) -> Attachment:
        return Attachment(
            file_obj=io.BytesIO(data),
            name=name,
            description=description,
            created=created,
            modified=created,
            relationship=relationship,
        )

    def describe(name: str) -> tuple[str, str]:
        if name.startswith("figure-"):
            return "figure made by a check", "Supplement"
        if name == AUDIT_NAME:
            return "the audit-log lines about this case", "Data"
        if name == HEADERS_NAME:
            return "the HTTP response headers of each fetched photo", "Data"
        if name.endswith((".mp4", ".mov")):
            return "original video, named by its SHA-256", "Source"
        return "original photo, named by its SHA-256", "Source"

    attachments = [attach(name, blob, *describe(name)) for name, blob in snap.originals.items()]
    attachments.append(attach(SNAPSHOT_NAME, snap.to_bytes(), "report snapshot", "Data"))
    attachments.append(attach(FINDINGS_NAME, snap.findings_json(), "findings", "Data"))
    attachments.sort(key=lambda a: a.name or "")  # a PDF name tree lists its keys sorted
    page = html(snap)
    # fontTools stamps each TrueType subset with the time it was made unless
    # SOURCE_DATE_EPOCH says otherwise; the report's own time keeps renders identical.
    # The environment is process-wide, hence the lock.
    with _ENVIRONMENT_LOCK:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(created.timestamp()))
        try:
            return HTML(string=page).write_pdf(pdf_variant="pdf/a-3b", attachments=attachments)
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before


def page_images(pdf_bytes: bytes, dpi: int = PAGE_DPI) -> list[bytes]:
    out = []
    for image in _rasters(pdf_bytes, dpi):
        buf = io.BytesIO()
        image.save(buf, "PNG", compress_level=3)  # 3: most of the size win, a third of the time
        out.append(buf.getvalue())
    return out


def _rasters(pdf_bytes: bytes, dpi: float) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        out = []
        for page in doc:
            out.append(page.render(scale=dpi / 72).to_pil())
            page.close()
        return out
    finally:
        doc.close()


def _qr_svg(snap: Snapshot, pdf_sha256: str) -> str:
    """Plain text a phone's camera shows as it is, to compare with the PDF it is sent; ASCII
    keeps the code small enough to scan from a forwarded, recompressed image."""
    payload = "\n".join(
        [
            f"RefundProof report {snap.report_id}",
            f"PDF SHA-256: {pdf_sha256}",
            f"Signer SHA-256: {snap.data['signer']['fingerprint']}",
        ]
    )
    qr = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return str(qr.to_string(encoding="unicode"))


APPEAL_DETAILS = 5  # photos with evidence drawn one image each, strongest first
_ORDER = ("decisive", "strong", "supporting")


def appeal_pictures(snap: Snapshot, pdf_sha256: str) -> tuple[Image.Image, list[Image.Image]]:
    """The appeal images as pictures (reports/appeal_images.py fits them to each platform):
    the conclusion with the strongest evidence, the verdict, the report id and a QR; then
    one picture per photo with evidence, its evidence large, its findings, what speaks for
    the buyer and the check's limits."""
    ctx = context(snap)
    lang = snap.lang
    limits = {c["check"]: c["limits"][JSON_KEYS[lang]] for c in ctx["checks"]}
    index = {p["sha256"]: i for i, p in enumerate(ctx["evidence_photos"], 1)}
    flagged = sorted(
        (p for p in ctx["evidence_photos"] if p["verdict"]["level"] in _ORDER),
        key=lambda p: _ORDER.index(p["verdict"]["level"]),
    )[:APPEAL_DETAILS]
    details = []
    for p in flagged:
        weighing = [f for f in p["findings"] if f["strength"] in _ORDER]
        weighing.sort(key=lambda f: _ORDER.index(f["strength"]))
        shown = next((f for f in weighing if isinstance(f["data"].get("figure"), dict)), None)
        details.append(
            {
                "index": index[p["sha256"]],
                "photo": p,
                "shown": shown,
                "findings": weighing[:4],
                "reason": weighing[0]["summary"] if weighing else "",
                "limits": limits.get(weighing[0]["check"], "") if weighing else "",
            }
        )
    page = (
        _env()
        .get_template("appeal_image.html.j2")
        .render(
            qr_svg=_qr_svg(snap, pdf_sha256),
            pdf_sha256=pdf_sha256,
            details=details,
            top=details[0] if details else None,
            thumbs=_thumbs(snap, {d["photo"]["sha256"] for d in details}),
            figures=_figures(snap),
            **ctx,
        )
    )
    pictures = [_trimmed(p) for p in _rasters(HTML(string=page).write_pdf(), dpi=96)]
    return pictures[0], pictures[1 : 1 + len(details)]  # 96 dpi: 1 CSS px = 1 pixel


def _trimmed(picture: Image.Image, margin: int = 28) -> Image.Image:
    """The page without the empty paper below its content (fewer bytes, no blank scroll)."""
    ink = ImageOps.invert(picture.convert("L")).point(lambda v: 255 if v > 16 else 0).getbbox()
    if ink is None:
        return picture
    return picture.crop((0, 0, picture.width, min(picture.height, ink[3] + margin)))

"""One zip per case for whoever receives the evidence (a platform's reviewer, the police, a
lawyer): the signed reports, the appeal images, the buyer's original files named by their
SHA-256, the case record with its status and history, a manifest of every file's hash in the
format `sha256sum -c` reads, and a short README in Chinese on checking all of it without
RefundProof. Each original is hashed again as it is packed: a file changed on disk is
refused, never shipped."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.appeal_images import platform_of

from ..errors import EvidenceTampered
from ..files import FILE_EXTENSIONS, ascii_part

MANIFEST = "manifest-sha256.txt"
README = "README.txt"
CHUNK = 1 << 20


@dataclass(frozen=True)
class PackageInput:
    """Everything a package holds, read from the store by the service."""

    case: dict[str, Any]  # the case document, status included
    history: list[dict[str, Any]]  # the audit log's lines about the case, in order
    links: dict[str, list[dict[str, Any]]]
    originals: dict[str, tuple[Path, str]]  # sha256 -> (stored file, its MIME type)
    reports: list[tuple[dict[str, Any], dict[str, Path]]]  # record, files packed (name -> file)
    made_at: str  # ISO time


def download_name(case: dict[str, Any]) -> str:
    """'RefundProof-taobao-4012345678901234567-2026-11-23.zip': platform, order (or refund, or
    the case id) and the day the case was opened, in characters Windows, macOS and every
    mail system accept."""
    facts = case["facts"]
    platform = platform_of(facts.get("platform"))
    number = facts.get("order_id") or facts.get("refund_id") or case["id"]
    parts = [platform.key if platform else "other", str(number), case["created_at"][:10]]
    return "RefundProof-" + "-".join(map(ascii_part, parts)) + ".zip"


def report_download_name(record: dict[str, Any], case: dict[str, Any], name: str) -> str:
    """A report file as it is saved: the PDF says variant, platform and order
    ('RefundProof-appeal-taobao-4012345678901234567-RPT….pdf'); appeal images carry their own
    names (platform, order, form); page images their report."""
    if name.startswith("appeal-"):
        return name
    if name != "report.pdf":
        return f"{record['id']}-{name}"
    facts = case["facts"]
    platform = platform_of(facts.get("platform"))
    number = facts.get("order_id") or facts.get("refund_id") or case["id"]
    key = platform.key if platform else "other"
    parts = [record["variant"], key, str(number), record["id"]]
    return "RefundProof-" + "-".join(map(ascii_part, parts)) + ".pdf"


def _report_folder(record: dict[str, Any]) -> str:
    return f"reports/{record['id']}-{record['variant']}"


def _readme(inp: PackageInput, names: list[str]) -> str:
    case = inp.case
    facts = case["facts"]
    reports = (
        "\n".join(
            f"  {_report_folder(r)}/report.pdf  签名证书指纹 SHA-256：{r.get('signer_fingerprint', '')}"
            for r, _ in inp.reports
        )
        or "  （本案件还没有生成报告）"
    )
    return f"""RefundProof 退款鉴证 · 证据包
案件 {case["id"]}　平台 {facts.get("platform") or "—"}　订单 {facts.get("order_id") or "—"}　\
退款 {facts.get("refund_id") or "—"}
打包时间 {inp.made_at}

内容
  originals/      案件中的原始文件（买家凭证、商品图、页面截图），文件名就是文件内容的 SHA-256 值
  reports/        签名的 PDF 报告（申诉报告 / 报警材料）、平台申诉图片和报告记录 record.json
  case.json       案件信息、处理状态和审计记录（历史）
  {MANIFEST}  本包内每个文件的 SHA-256（本说明文件除外）

一、核对文件没有被改动（不需要安装 RefundProof）
  解压后，在解压出的文件夹里打开命令行：
  Linux：     sha256sum -c {MANIFEST}
  macOS：     shasum -a 256 -c {MANIFEST}
  Windows：   certutil -hashfile 文件名 SHA256
              （逐个文件运行，把显示的值与 {MANIFEST} 中同名文件的值比对；
              PowerShell 也可用 Get-FileHash 文件名 -Algorithm SHA256）
  每个文件都应显示“OK”/ 值完全相同。originals 中图片的值还应等于它的文件名，
  也等于报告中列出的 SHA-256：说明报告说的就是这些文件。

二、核对 PDF 报告的签名
  用 Adobe Acrobat Reader 打开 report.pdf，点“签名面板”：应显示“自应用本签名以来，
  文档未被修改”。签名证书由店铺自己生成，Reader 可能提示“签名者身份未知”——这时请
  比对证书的 SHA-256 指纹（签名属性 → 显示签名者的证书 → 详细信息）与下面列出的是否一致；
  报告中若有可信时间戳，面板里会显示时间戳机构。
  Linux / macOS 也可用 poppler 的 pdfsig report.pdf 查看签名和时间戳。
{reports}

三、说明
  报告只陈述检查发现的事实和依据；“未发现异常”只表示没有找到证据，不代表图片真实。
  {MANIFEST} 列出 {len(names)} 个文件（清单本身和本说明除外）。

English: originals/ are the buyer's files named by their SHA-256; check every file with
`sha256sum -c {MANIFEST}` (macOS: `shasum -a 256 -c`, Windows: `certutil -hashfile FILE
SHA256`); open report.pdf in Acrobat Reader's signature panel to check its signature.
"""


def write(inp: PackageInput, target: Path) -> list[tuple[str, str]]:
    """Write the package to `target`; returns the manifest: (SHA-256, name) per file."""
    manifest: list[tuple[str, str]] = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:

        def add_bytes(name: str, data: bytes) -> None:
            zf.writestr(name, data)
            manifest.append((hashlib.sha256(data).hexdigest(), name))

        def add_file(name: str, path: Path, expect: str | None = None) -> None:
            digest = hashlib.sha256()
            with path.open("rb") as src, zf.open(name, "w", force_zip64=True) as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
            sha = digest.hexdigest()
            if expect is not None and sha != expect:
                raise EvidenceTampered(expect)
            manifest.append((sha, name))

        for sha, (path, mime) in sorted(inp.originals.items()):
            add_file(f"originals/{sha}.{FILE_EXTENSIONS.get(mime, 'bin')}", path, sha)
        for record, files in inp.reports:
            folder = _report_folder(record)
            for name, path in sorted(files.items()):
                add_file(f"{folder}/{name}", path)
            add_bytes(f"{folder}/record.json", _json(record))
        record = {
            "case": inp.case,
            "history": inp.history,
            "links": inp.links,
            "packed_at": inp.made_at,
        }
        add_bytes("case.json", _json(record))
        names = [n for _, n in manifest]
        text = "".join(f"{sha}  {name}\n" for sha, name in manifest)
        zf.writestr(MANIFEST, text.encode("utf-8"))
        # a byte-order mark: Notepad on older Windows reads a UTF-8 file without one as GBK
        zf.writestr(README, "\ufeff" + _readme(inp, names).replace("\n", "\r\n"))
    return manifest


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

"""`refundproof catalog …`: the shop catalogue from the command line (a thin shell over
Service.catalog)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import intake
from .catalog_service import Incoming
from .errors import Problem
from .service import Service
from .settings import data_home
from .text import Lang, Text, neutral

PICTURE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".gif",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
}


def register(sub: Any) -> None:
    c = sub.add_parser("catalog", help="商品图库 / the shop catalogue")
    actions = c.add_subparsers(dest="action", required=True)
    a = actions.add_parser("add", help="加入图片或文件夹 / add pictures or folders")
    a.add_argument("paths", nargs="+", help="图片文件或文件夹（含子文件夹）/ files or folders")
    a.add_argument("--sku", help="SKU / 颜色款式")
    a.add_argument("--title", help="商品标题 / the product's title")
    a.add_argument("--url", help="商品页地址 / the product page URL")
    ls = actions.add_parser("list", help="列出图库 / list the catalogue")
    ls.add_argument("--json", action="store_true")
    rm = actions.add_parser("remove", help="移除一个条目 / remove one entry")
    rm.add_argument("id", help="条目编号（SHA-256 前 12 位）/ entry id (first 12 hex digits)")
    actions.add_parser("stats", help="图库统计 / catalogue statistics")
    actions.add_parser("stamp", help="为尚无时间戳的导入取得时间戳 / time-stamp pending imports")
    for each in actions.choices.values():
        each.add_argument("--lang", choices=["zh", "en"], default="zh")
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = Service(data_home())
    lang: Lang = args.lang
    if args.action == "add":
        return _add(service, args, lang)
    if args.action == "list":
        entries = service.catalog.list()
        if args.json:
            print(json.dumps(entries, ensure_ascii=False, indent=2))
        else:
            for e in entries:
                print(_line(e))
            print(Text(f"共 {len(entries)} 张", f"{len(entries)} picture(s)").get(lang))
        return 0
    if args.action == "remove":
        entry = service.catalog.remove(args.id)
        print(Text(f"已移除 {_line(entry)}", f"Removed {_line(entry)}").get(lang))
        return 0
    if args.action == "stats":
        print(json.dumps(service.catalog.stats(), ensure_ascii=False, indent=2))
        return 0
    stamped = service.catalog.stamp_pending()
    done = sum(1 for s in stamped.values() if s)
    print(
        Text(
            f"{done} / {len(stamped)} 个导入批次取得了时间戳。",
            f"{done} of {len(stamped)} import batch(es) time-stamped.",
        ).get(lang)
    )
    return 0 if done == len(stamped) else 1


def _files(paths: list[str], refused: list[tuple[str, Problem]]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            yield from (p for p in found if p.suffix.lower() in PICTURE_SUFFIXES)
        elif path.is_file():
            yield path
        else:
            refused.append(
                (
                    name,
                    Problem("not_found", Text("文件或文件夹不存在。", "No such file or folder.")),
                )
            )


def _incoming(args: argparse.Namespace, refused: list[tuple[str, Problem]]) -> Iterator[Incoming]:
    """The pictures, each read only when the import reaches it."""
    for path in _files(args.paths, refused):
        try:
            data = path.read_bytes()
        except OSError as e:
            text = Text(f"无法读取：{e.strerror}。", f"Cannot read: {e.strerror}.")
            refused.append((str(path), Problem("unreadable", text)))
            continue
        origin = {
            "file_name": intake.file_name(path.name),
            "folder": intake.file_name(str(path.parent.resolve())),
            "sku": args.sku,
            "title": args.title,
            "page_url": args.url,
            "method": "cli_file",
        }
        yield Incoming(data, {k: v for k, v in origin.items() if v}, str(path))


def _add(service: Service, args: argparse.Namespace, lang: Lang) -> int:
    refused: list[tuple[str, Problem]] = []
    result = service.catalog.add(_incoming(args, refused))
    refused += result.refused
    for entry in result.added:
        print("+ " + _line(entry))
    for entry in result.duplicates:
        print(Text("= 已在图库中：", "= already in the catalogue: ").get(lang) + _line(entry))
    for name, problem in refused:
        print(f"✗ {neutral(name)}: {problem.text.get(lang)}", file=sys.stderr)
    if result.batch:
        if result.stamp:
            said = Text(
                f"可信时间戳：{result.stamp['time']}（{result.stamp['service']}）",
                f"Trusted time stamp: {result.stamp['time']} ({result.stamp['service']})",
            )
        else:
            said = Text(
                "没有时间戳服务应答：暂用本机时钟，下次导入或 `refundproof catalog stamp` 时补盖。",
                "No time-stamp service answered: the local clock stands for now; the next import "
                "or `refundproof catalog stamp` stamps it.",
            )
        print(said.get(lang))
    return 1 if refused else 0


def _line(e: dict[str, Any]) -> str:
    o = e.get("origin") or {}
    name = o.get("title") or o.get("file_name") or o.get("image_url") or ""
    sku = f" [{o['sku']}]" if o.get("sku") else ""
    stamp = e.get("time_stamp")
    when = f"{e.get('first_seen', '')}" + (f" ⏱ {stamp['service']}" if stamp else "")
    return f"{e.get('id', e.get('sha256', '')[:12])}  {neutral(str(name))}{sku}  {when}"

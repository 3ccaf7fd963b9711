"""One verification's check work, as a picklable job and its per-check results: the same code
runs in the CLI's own process and in the server's check workers (server/workers.py). It only
reads the data folder; the Service writes what comes back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from . import trust
from .checks import CheckContext, by_name, run_checks, status_line
from .checks.base import OTHER_FACTS, PhotoPool, PoolEntry
from .checks.parsed import Figure, PhotoData
from .checks.video_parsed import open_media
from .domain.cases import Finding, Photo
from .domain.contract import CheckStatusJSON, FindingJSON
from .domain.limits import Limits
from .store import Store
from .store.catalog import Catalog
from .text import Text


@dataclass(frozen=True)
class PhotoJob:
    """Everything a worker needs to check a case's photos, plain data (it crosses processes)."""

    home: Path
    limits: Limits
    case_id: str
    facts: dict[str, Any]
    remote_manifest_fetch: bool
    photos: tuple[Photo, ...]  # to check, in order
    listings: tuple[Photo, ...]  # the case's listing photos, compared with each
    pool: tuple[PoolEntry, ...]  # every refund photo on this computer, by perceptual hash
    # checks not to run on a photo: they already ran out of their budget in a stopped worker
    stopped: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def rest(self, after: str) -> PhotoJob:
        """This job without its photos up to and including `after`."""
        shas = [p.sha256 for p in self.photos]
        return replace(self, photos=self.photos[shas.index(after) + 1 :])


def pool_entries(rows: list[tuple[str, str, str, str, dict[str, Any]]]) -> tuple[PoolEntry, ...]:
    """The store's evidence rows with only the facts the reuse check names (small to send)."""
    return tuple((c, s, h, at, {k: r.get(k) for k in OTHER_FACTS}) for c, s, h, at, r in rows)


@dataclass
class CheckDone:
    """One check's result on one photo, as it crosses back from the worker."""

    sha256: str
    findings: list[FindingJSON]
    status: CheckStatusJSON
    cache: dict[str, list[FindingJSON]]
    figures: list[Figure]


def check_photos(
    job: PhotoJob, starting: Callable[[str, str], None] = lambda sha, check: None
) -> Iterator[CheckDone]:
    """Run every check on every photo of the job, one result per check as it completes.
    `starting(photo sha256, check name)` is called before each check runs."""
    store = Store(job.home)

    def parse(photo: Photo) -> PhotoData:
        return open_media(store.evidence.get(photo.sha256), photo, job.limits)

    def load_other(case_id: str, sha256: str) -> PhotoData:
        """Another case's photo, read only when its hash comes close to one being checked."""
        return parse(next(p for p in store.case_photos(case_id) if p.sha256 == sha256))

    # Listing photos are compared with every refund photo: parsed once for the whole job.
    listings = {p.sha256: parse(p) for p in job.listings}
    ctx = CheckContext(
        facts=job.facts,
        trust=trust.load(job.home),
        remote_manifest_fetch=job.remote_manifest_fetch,
        case_id=job.case_id,
        listings=tuple(listings.values()),
        others=PhotoPool(job.pool, load_other),
        catalog=Catalog(job.home).snapshot(),
    )
    cache = store.cache()
    for photo in job.photos:
        parsed = listings.get(photo.sha256) or parse(photo)
        skip = job.stopped.get(photo.sha256, ())
        for run in run_checks(parsed, ctx, cache.get, skip, partial(starting, photo.sha256)):
            figures, parsed.figures = parsed.figures, []
            yield CheckDone(
                photo.sha256, [f.to_json("zh") for f in run.findings], run.status, run.new, figures
            )


def stopped(sha256: str, check: str, why: str) -> CheckDone:
    """What a photo shows for the check its worker was stopped on (time budget, memory cap,
    crash)."""
    title = by_name(check).TITLE
    text = Text(
        "这项检查（{title_zh}）在这张图片上{why_zh}，已停止；其他检查和其他图片照常完成。"
        "这通常说明文件经过特殊构造或异常巨大。",
        "This check ({title_en}) {why_en} on this photo and was stopped; the other checks and "
        "photos went on. This usually means the file is specially crafted or unusually large.",
    ).format(title_zh=title.zh, title_en=title.en, why_zh=_WHY[why].zh, why_en=_WHY[why].en)
    finding = Finding(check, f"over_{why}_budget", "error", text, {"stopped": why})
    return CheckDone(
        sha256, [finding.to_json("zh")], status_line(by_name(check), "error", False), {}, []
    )


def not_started(sha256: str, check: str, culprit: str) -> CheckDone:
    """A check that never started because the photo's time ran out in an earlier one."""
    title = by_name(culprit).TITLE
    text = Text(
        "这项检查没有运行：这张图片的时间预算已在“{title_zh}”中用完。",
        'This check did not run: the photo\'s time budget ran out in "{title_en}".',
    ).format(title_zh=title.zh, title_en=title.en)
    finding = Finding(check, "not_started_budget", "error", text, {"stopped_in": culprit})
    return CheckDone(
        sha256, [finding.to_json("zh")], status_line(by_name(check), "not_run", False), {}, []
    )


_WHY = {
    "time": Text("超出了时间预算", "ran out of its time budget"),
    "memory": Text("超出了内存上限", "went over its memory cap"),
    "crash": Text("使检查进程意外退出", "made the check process exit unexpectedly"),
}

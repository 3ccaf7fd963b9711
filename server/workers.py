"""Where the server decodes and checks photos: a few worker processes, each stopped when a
photo runs past its time budget or the worker past its memory cap. A pathological file can
then stall or bloat only its own worker: the server keeps answering, the photo gets an error
finding naming the check that ran out, and the case's other photos go on.

The CLI checks in its own process (`InProcess`): there the process is the whole job."""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any, Protocol, TypeVar

import psutil

from . import intake
from .checking import CheckDone, PhotoJob, check_photos, not_started, stopped
from .checks import REGISTRY, VIDEO_REGISTRY, time_until
from .domain.limits import Limits
from .errors import Problem
from .text import Text

POLL = 0.05  # s between looks at a busy worker's clock and memory
RECYCLE_AFTER = 200  # jobs: a long-lived worker is replaced now and then (fragmentation)
RECYCLE_AT = 0.6  # of the memory cap: an idle worker holding more is replaced

CheckPhotos = Callable[[PhotoJob, Callable[[str, str], None]], Iterator[CheckDone]]
T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    seconds: float = 30.0  # per photo, all its checks together, shared as TIME_SHARES says
    memory: int = 800 * 1024 * 1024  # resident bytes per worker
    # a video's checks decode about ten frames (each at most 1080p) and OCR them: a 30 s 1080p
    # clip takes 2-4 s and 530 MB (bench/video.py); its own clock and cap while a worker is on it
    video_seconds: float = 90.0
    video_memory: int = 1024 * 1024 * 1024
    workers: int = field(default_factory=lambda: min(4, max(2, (os.cpu_count() or 2) // 2)))

    def for_media(self, media: str) -> tuple[float, int]:
        """(seconds, memory) while a worker checks a photo or a video."""
        if media == "video":
            return self.video_seconds, self.video_memory
        return self.seconds, self.memory


class Runner(Protocol):
    def inspect(self, data: bytes, limits: Limits) -> intake.Inspection: ...

    def check(self, job: PhotoJob) -> Iterator[CheckDone]: ...

    def call(
        self, fn: Callable[..., T], *args: Any, seconds: float | None = None, memory: int = 0
    ) -> T: ...

    def close(self) -> None: ...


class InProcess:
    """The checks in this process (the CLI, the tests of the checks themselves)."""

    def inspect(self, data: bytes, limits: Limits) -> intake.Inspection:
        return intake.check_image(data, limits)

    def check(self, job: PhotoJob) -> Iterator[CheckDone]:
        return check_photos(job)

    def call(
        self, fn: Callable[..., T], *args: Any, seconds: float | None = None, memory: int = 0
    ) -> T:
        return fn(*args)

    def close(self) -> None:
        pass


class Stopped(Exception):
    """A worker was stopped: `why` is "time", "memory" or "crash"; `at` the (photo, check)
    it was on, if any."""

    def __init__(self, why: str, at: tuple[str, str] | None) -> None:
        super().__init__(why)
        self.why = why
        self.at = at


class Workers:
    """A pool of `budget.workers` processes, started when first needed. Thread-safe: the
    server's request threads share it; a caller waits while every worker is busy, which
    keeps heavy work to what the cores can do."""

    def __init__(self, budget: Budget | None = None, check: CheckPhotos = check_photos) -> None:
        self.budget = budget or Budget()
        self._check = check
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._slots = threading.Semaphore(self.budget.workers)
        self._started: list[_Worker] = []
        self._lock = threading.Lock()
        self.peak_rss = 0  # the largest a worker has been, in bytes (for the benchmark)

    def inspect(self, data: bytes, limits: Limits) -> intake.Inspection:
        try:
            # read to the end: a conversation left half-read retires its worker
            (reply,) = self._call(("inspect", (data, limits)))
        except Stopped as e:
            raise Problem(
                "too_costly",
                Text(
                    f"解析这张图片时停止了（{_STOP_ZH[e.why]}），已拒收（文件可能经过特殊构造）。",
                    f"Reading this picture was stopped ({_STOP_EN[e.why]}), so it was refused "
                    "(the file may be specially crafted).",
                ),
                422,
            ) from e
        assert isinstance(reply, intake.Inspection)
        return reply

    def call(
        self, fn: Callable[..., T], *args: Any, seconds: float | None = None, memory: int = 0
    ) -> T:
        """fn(*args) in a worker under a memory cap (`memory`, else the workers' cap) and a time
        budget (`seconds`, else the photo budget): heavy one-off work such as rendering a
        report or reading a PDF from anyone. `fn` must be a module-level function; what it
        returns crosses processes."""
        budget = replace(
            self.budget,
            seconds=self.budget.seconds if seconds is None else seconds,
            memory=memory or self.budget.memory,
        )
        try:
            (reply,) = self._call(("call", (fn, args)), budget=budget)
        except Stopped as e:
            raise Problem(
                "too_costly",
                Text(
                    f"这项工作被停止了（{_STOP_ZH[e.why]}）：文件可能经过特殊构造或异常巨大。",
                    f"This work was stopped ({_STOP_EN[e.why]}): the file may be specially "
                    "crafted or unusually large.",
                ),
                422,
            ) from e
        return reply

    def check(self, job: PhotoJob) -> Iterator[CheckDone]:
        """Each check's result as it arrives. A photo whose worker is stopped gets an error
        for the check it was on; its other checks go on in a fresh worker, each within its own
        share of the photo's time (checks.TIME_SHARES), then the job goes on with the next
        photo."""
        spent: dict[str, float] = {}  # seconds each photo has used, across restarts
        media = {p.sha256: p.media for p in (*job.photos, *job.listings)}
        while job.photos:
            done: dict[str, list[str]] = {}
            try:
                for result in self._call(("check", (self._check, job)), spent, media=media):
                    done.setdefault(result.sha256, []).append(result.status["check"])
                    yield result
                return
            except Stopped as e:
                if e.at is None:  # stopped before any check began: nothing to blame
                    raise Problem(
                        "workers",
                        Text(
                            f"检查进程在开始检查前就停止了（{_STOP_ZH[e.why]}），请重试。",
                            f"The check process stopped before any check began ({_STOP_EN[e.why]}); "
                            "try again.",
                        ),
                        503,
                    ) from e
                sha, check = e.at
                yield stopped(sha, check, e.why)
                kind = media.get(sha, "photo")
                if e.why == "time":  # it had its share up to its deadline: the rest keep theirs
                    share = self.budget.for_media(kind)[0] * time_until(check, kind)
                    spent[sha] = max(spent.get(sha, 0.0), share)
                again = check in job.stopped.get(sha, ())  # it ran a check it was told to skip
                skip = {*done.get(sha, []), check, *job.stopped.get(sha, ())}
                checks = VIDEO_REGISTRY if kind == "video" else REGISTRY
                if again or len(skip) == len(checks):
                    for c in checks:
                        if c.NAME not in skip:
                            yield not_started(sha, c.NAME, check)
                    job = job.rest(after=sha)
                else:  # the photo's other checks go on in a fresh worker, each with its share
                    index = [p.sha256 for p in job.photos].index(sha)
                    job = replace(
                        job, photos=job.photos[index:], stopped={**job.stopped, sha: tuple(skip)}
                    )

    def _call(
        self,
        request: tuple[str, Any],
        spent: dict[str, float] | None = None,
        budget: Budget | None = None,
        media: dict[str, str] | None = None,
    ) -> Iterator[Any]:
        """What one idle worker answers to the request, message by message."""
        with self._slots:
            worker = self._take()
            finished = False
            try:
                yield from worker.converse(
                    request, budget or self.budget, {} if spent is None else spent, media or {}
                )
                finished = True
            finally:
                self.peak_rss = max(self.peak_rss, worker.peak_rss)
                # a conversation left half-way (the caller stopped reading, or an error) leaves
                # messages in the pipe that the next caller would take for its own
                reusable = finished and worker.alive and worker.jobs < RECYCLE_AFTER
                if reusable and not worker.grown(self.budget):
                    self._idle.put(worker)
                else:
                    worker.stop()

    def _take(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            worker = _Worker()
            with self._lock:
                self._started = [w for w in self._started if w.alive] + [worker]
            return worker

    def close(self) -> None:
        with self._lock:
            for worker in self._started:
                worker.stop()
            self._started.clear()


_STOP_ZH = {"time": "超出了时间预算", "memory": "超出了内存上限", "crash": "检查进程意外退出"}
_STOP_EN = {
    "time": "it ran out of its time budget",
    "memory": "it went over its memory cap",
    "crash": "the check process exited unexpectedly",
}


class _Worker:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # what Windows does anyway; no forked locks
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), name="refundproof-checks")
        self.process.daemon = True
        self.process.start()
        child.close()
        self.ps = psutil.Process(self.process.pid)
        self.jobs = 0
        self.peak_rss = 0

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def converse(
        self,
        request: tuple[str, Any],
        budget: Budget,
        spent: dict[str, float],
        media: dict[str, str] | None = None,
    ) -> Iterator[Any]:
        """Send the request; yield each result until the worker says it is done. The clock
        runs from the request, then per photo (adding what `spent` says it used before)."""
        self.jobs += 1
        self.conn.send(request)
        at: tuple[str, str] | None = None
        clock = time.monotonic()
        while True:
            if self.conn.poll(POLL):
                try:
                    kind, body = self.conn.recv()
                except (EOFError, OSError):
                    self.stop()
                    raise Stopped("crash", at) from None
                if kind == "starting":
                    if at is not None:
                        spent[at[0]] = spent.get(at[0], 0.0) + time.monotonic() - clock
                    at, clock = body, time.monotonic()
                elif kind in ("result", "done"):
                    yield body
                elif kind == "end":
                    return
                elif kind == "problem":
                    code, zh, en, status = body
                    raise Problem(code, Text(zh, en), status)
                else:
                    raise RuntimeError(body)
                if kind == "result":
                    return
            elif not self.alive:
                raise Stopped("crash", at)
            kind = (media or {}).get(at[0], "photo") if at else "photo"
            self._watch(budget, at, spent.get(at[0], 0.0) if at else 0.0, clock, kind)

    def _watch(
        self,
        budget: Budget,
        at: tuple[str, str] | None,
        before: float,
        clock: float,
        kind: str = "photo",
    ) -> None:
        try:
            rss = self.ps.memory_info().rss
        except psutil.Error:
            return  # it just exited: the next poll says so
        self.peak_rss = max(self.peak_rss, rss)
        seconds, memory = budget.for_media(kind)
        if rss > memory:
            self.stop()
            raise Stopped("memory", at)
        # before any check starts (decoding an upload, one-off work): the whole budget
        limit = seconds * (time_until(at[1], kind) if at and _is_check(at[1]) else 1.0)
        if before + time.monotonic() - clock > limit:
            self.stop()
            raise Stopped("time", at)

    def grown(self, budget: Budget) -> bool:
        """Whether it keeps too much between jobs: memory freed by a large photo is not always
        returned to the system, and the next photo must not be stopped for what this one left."""
        try:
            return self.ps.memory_info().rss > budget.memory * RECYCLE_AT
        except psutil.Error:
            return True

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _is_check(name: str) -> bool:
    return any(name == c.NAME for c in (*REGISTRY, *VIDEO_REGISTRY))


def _serve(conn: Connection) -> None:
    """A worker's life: one request at a time until the server goes."""
    while True:
        try:
            kind, body = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            if kind == "inspect":
                conn.send(("result", intake.check_image(*body)))
            elif kind == "call":
                fn, args = body
                conn.send(("result", fn(*args)))
            else:
                check, job = body
                for result in check(job, lambda sha, name: conn.send(("starting", (sha, name)))):
                    conn.send(("done", result))
                conn.send(("end", None))
        except Problem as p:
            conn.send(("problem", (p.code, p.text.zh, p.text.en, p.status)))
        except Exception as e:  # reported to the caller, the worker goes on
            conn.send(("failed", f"{type(e).__name__}: {e}"[:500]))

"""The server's check workers: a photo that runs past its time budget, a worker that grows past
its memory cap and one that dies each cost only that photo's check, named in an error finding;
the other checks and photos go on and the pool keeps working. The check functions below run in
the spawned workers (module-level, so they cross the process boundary by name)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from server.checking import CheckDone, PhotoJob
from server.checks import REGISTRY, by_name, status_line
from server.domain.cases import Photo, Source
from server.domain.limits import Limits
from server.errors import Problem
from server.workers import Budget, Workers

FIRST, SECOND = REGISTRY[0].NAME, REGISTRY[1].NAME


def _photo(name: str) -> Photo:
    return Photo(name, "evidence", "JPEG", "image/jpeg", 8, 8, 1, Source(), "2026-11-24T00:00Z")


def _job(*names: str) -> PhotoJob:
    return PhotoJob(
        home=Path("."),
        limits=Limits(),
        case_id="c",
        facts={},
        remote_manifest_fetch=False,
        photos=tuple(_photo(n) for n in names),
        listings=(),
        pool=(),
    )


def misbehaving(job, starting):
    """Two checks per photo; the second misbehaves as the photo's name says."""
    for photo in job.photos:
        for check in (FIRST, SECOND):
            if check in job.stopped.get(photo.sha256, ()):
                continue
            starting(photo.sha256, check)
            if check == FIRST and photo.sha256 == "slowfirst":
                time.sleep(60)
            if check == SECOND and photo.sha256 == "slow":
                time.sleep(60)
            if check == SECOND and photo.sha256 == "hog":
                hoard = [bytearray(64 * 1024 * 1024) for _ in range(40)]  # 2.5 GB, touched
                del hoard
            if check == SECOND and photo.sha256 == "dies":
                os._exit(3)
            yield CheckDone(photo.sha256, [], status_line(by_name(check), "ok", False), {}, [])


@pytest.fixture
def workers():
    # 26 s a photo: with TIME_SHARES the first check may run 2 s, the second until 3 s
    pool = Workers(Budget(seconds=26, memory=400 * 1024 * 1024, workers=1), check=misbehaving)
    yield pool
    pool.close()


def _by_photo(results: list[CheckDone]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for r in results:
        signal = r.findings[0]["signal"] if r.findings else "ok"
        out.setdefault(r.sha256, {})[r.status["check"]] = signal
    return out


@pytest.mark.parametrize(
    ("culprit", "signal"),
    [("slow", "over_time_budget"), ("hog", "over_memory_budget"), ("dies", "over_crash_budget")],
)
def test_a_stopped_photo_costs_only_its_own_check(workers, culprit, signal):
    started = time.monotonic()
    results = _by_photo(list(workers.check(_job("before", culprit, "after"))))
    assert time.monotonic() - started < 20
    assert results["before"] == {FIRST: "ok", SECOND: "ok"}
    assert results[culprit][FIRST] == "ok"
    assert results[culprit][SECOND] == signal
    assert set(results[culprit]) == {FIRST, SECOND}  # nothing else was said about it
    assert results["after"] == {FIRST: "ok", SECOND: "ok"}
    # the pool goes on with a fresh worker
    assert _by_photo(list(workers.check(_job("next")))) == {"next": {FIRST: "ok", SECOND: "ok"}}


def test_a_check_that_runs_out_of_time_leaves_the_next_its_share(workers):
    """The first check overruns: it is stopped at its own deadline, and the second still runs
    (it used to find the photo's whole budget spent and never start)."""
    started = time.monotonic()
    results = _by_photo(list(workers.check(_job("slowfirst", "after"))))
    assert time.monotonic() - started < 20
    assert results["slowfirst"] == {FIRST: "over_time_budget", SECOND: "ok"}
    assert results["after"] == {FIRST: "ok", SECOND: "ok"}


def test_the_finding_names_the_check_and_what_ran_out(workers):
    stopped = [r for r in workers.check(_job("slow")) if r.status["check"] == SECOND]
    assert len(stopped) == 1
    finding = stopped[0].findings[0]
    assert finding["strength"] == "error"
    assert stopped[0].status["status"] == "error"
    assert by_name(SECOND).TITLE.zh in finding["summary"]
    assert "时间预算" in finding["summary"]


def test_the_memory_watch_sees_the_workers_size(workers):
    list(workers.check(_job("before")))
    assert 10 * 1024 * 1024 < workers.peak_rss < 400 * 1024 * 1024


def test_an_intake_that_runs_out_is_refused_in_plain_words(tmp_path):
    pool = Workers(Budget(seconds=0.01, workers=1))
    try:
        with pytest.raises(Problem) as e:
            pool.inspect(b"\xff\xd8\xff" + b"\x00" * 1000, Limits())
        assert e.value.code == "too_costly"
        assert e.value.status == 422
        assert "时间预算" in e.value.text.zh
    finally:
        pool.close()


KEPT_BETWEEN_JOBS: list[bytearray] = []


def keeps_memory(job, starting):
    """Reports its process id in the status line; photo "keeps" leaves 450 MB behind (written
    to, so the pages are really resident)."""
    for photo in job.photos:
        starting(photo.sha256, FIRST)
        if photo.sha256 == "keeps":
            kept = bytearray(450 * 1024 * 1024)
            kept[::4096] = b"\x01" * (len(kept) // 4096)  # one byte a page: all resident
            KEPT_BETWEEN_JOBS.append(kept)
        status = {**status_line(by_name(FIRST), "ok", False), "version": str(os.getpid())}
        yield CheckDone(photo.sha256, [], status, {}, [])


def test_a_worker_that_keeps_memory_after_a_job_is_replaced():
    # replaced above 60% of the cap (480 MB): a worker starts at about 120 MB
    pool = Workers(Budget(seconds=30, memory=800 * 1024 * 1024, workers=1), check=keeps_memory)
    try:
        # each job read to its end (a job left half-read retires its worker, tested below)
        (a,), (b,), (keeps,), (c,) = (tuple(pool.check(_job(n))) for n in ("a", "b", "keeps", "c"))
        pids = [r.status["version"] for r in (a, b, keeps, c)]
    finally:
        pool.close()
    assert pids[0] == pids[1] == pids[2]  # one worker serves job after job
    assert pids[3] != pids[2]  # but not after it kept 450 MB more


def test_a_caller_that_stops_reading_leaves_nothing_for_the_next(workers):
    for _ in workers.check(_job("before", "after")):
        break  # an abandoned verification: its worker may still be talking
    assert _by_photo(list(workers.check(_job("next")))) == {"next": {FIRST: "ok", SECOND: "ok"}}


def ignores_its_skip_list(job, starting):
    """A check function that runs every check whatever the job says, the first one hoarding."""
    for photo in job.photos:
        starting(photo.sha256, FIRST)
        hoard = bytearray(600 * 1024 * 1024)
        hoard[::4096] = b"\x01" * (len(hoard) // 4096)
        del hoard
        yield CheckDone(photo.sha256, [], status_line(by_name(FIRST), "ok", False), {}, [])


def test_a_photo_stopped_twice_on_the_same_check_is_given_up():
    pool = Workers(
        Budget(seconds=20, memory=400 * 1024 * 1024, workers=1), check=ignores_its_skip_list
    )
    try:
        started = time.monotonic()
        results = _by_photo(list(pool.check(_job("hog"))))
    finally:
        pool.close()
    assert time.monotonic() - started < 60  # no endless retry
    assert results["hog"][FIRST] == "over_memory_budget"


def test_one_worker_serves_upload_after_upload():
    """Reading a photo's format in a worker must not cost a new worker each time."""
    from server.demo import samples

    pool = Workers(Budget(seconds=30, workers=1))
    pids = set()
    try:
        for seed in range(3):
            seen = pool.inspect(samples.jpeg(samples.photo(64, 48, seed=seed)), Limits())
            assert seen.format == "JPEG"
            (worker,) = [w for w in pool._started if w.alive]
            pids.add(worker.process.pid)
    finally:
        pool.close()
    assert len(pids) == 1


def hoards(megabytes: int) -> int:
    """One-off work that holds `megabytes` of touched memory (a report of huge photos)."""
    hoard = bytearray(megabytes * 1024 * 1024)
    hoard[::4096] = b"\x01" * (len(hoard) // 4096)
    return len(hoard)


def test_one_off_work_runs_in_a_worker_under_its_cap():
    pool = Workers(Budget(seconds=20, memory=400 * 1024 * 1024, workers=1))
    try:
        assert pool.call(hoards, 10) == 10 * 1024 * 1024
        with pytest.raises(Problem) as stopped:
            pool.call(hoards, 1500)
        assert stopped.value.code == "too_costly" and stopped.value.status == 422
        with pytest.raises(Problem) as slow:
            pool.call(time.sleep, 5, seconds=0.5)
        assert slow.value.code == "too_costly"
        assert pool.call(hoards, 1) == 1024 * 1024  # the pool goes on after both stops
    finally:
        pool.close()

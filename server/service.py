"""What RefundProof does, as plain functions: the API and the CLI are thin shells over this,
and it is the only door to the store."""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import reports
from reports import keys as report_keys
from reports.input import figure_hashes

from . import desk_session, identity, intake, pairing, trust
from .catalog_service import CatalogDesk
from .checking import PhotoJob, pool_entries
from .checks import registry_for
from .domain import case_marks, case_status, result
from .domain.cases import CASE_FACTS, TIMELINE, Photo, Source, timeline_value
from .domain.contract import CheckStatusJSON, FindingJSON, ResultJSON, VerificationJSON
from .domain.limits import Limits
from .errors import NotFound, Problem
from .files import now_iso
from .settings import Config, TsaMemory
from .store import Store, StoreCorrupt, migrate
from .store.check import StoreReport, check_store
from .text import Lang, Text, neutral
from .workers import InProcess, Runner

__all__ = ["Service"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
CHECK_REPORT_SECONDS = 60.0  # a 256 MB report with every attachment hashed takes a few


# A report's own budget in a worker: layout, signature, time stamp and page images of up to
# 60 photos; WeasyPrint with the CJK fonts alone takes about 500 MB.
REPORT_SECONDS = 300.0
REPORT_MEMORY = 1536 * 1024 * 1024


class Service:
    def __init__(
        self, home: Path, limits: Limits | None = None, runner: Runner | None = None
    ) -> None:
        self.home = home
        self.limits = limits or Limits()
        # where photos are decoded and checked: worker processes in the server, else here
        self.runner = runner or InProcess()
        # one report at a time: a report holds WeasyPrint, fonts and its photos' pixels
        self._reporting = threading.Lock()
        self._stamping = threading.Lock()  # the catalogue's time stamps, one run at a time
        # the audit log's checkpoint is signed with the report key after every write
        self.store = Store(home, seal=lambda body: report_keys.sign_json(home, body))
        if migrate.needed(home):
            migrate.from_v1(self.store)
        if not (home / "config.json").exists():
            with self.store.writing():
                Config.load(home)  # made once, under the lock: two first starts share one token

    @property
    def catalog(self) -> CatalogDesk:
        """The shop catalogue: imports, listing, removal, time stamps."""
        return CatalogDesk(self.store, self.limits, self._stamping)

    @property
    def config(self) -> Config:
        """Read from disk on every use: the CLI may have changed it a moment ago."""
        return Config.load(self.home)

    # settings, token, pairing: each change read, made and saved under the data folder's lock

    def change_settings(self, **changes: Any) -> Config:
        with self.store.writing():
            cfg = Config.load(self.home)
            renew = "shop" in changes and changes["shop"] != cfg.shop
            for name, value in changes.items():
                setattr(cfg, name, value)
            cfg.save(self.home)
            if renew:
                # The report key names the shop: made now, under the lock, so a report being
                # made in another process finds it ready rather than making one of its own.
                report_keys.load_or_create(self.home)
        return cfg

    def identity(self) -> dict[str, Any]:
        return identity.shown(self.config)

    def require_shop(self) -> None:
        """Refused (409 shop_unset) while no shop name is set."""
        identity.require_shop(self.config)

    def set_identity(self, values: object) -> dict[str, Any]:
        """Shop, operator, contact, language (server/identity.py cleans them)."""
        return identity.shown(self.change_settings(**identity.clean(values)))

    def new_token(self) -> str:
        """A new pairing token; the old one stops working at once (every request reads it)."""
        return self.change_settings(token=secrets.token_urlsafe(24)).token

    def new_pairing_code(self) -> str:
        with self.store.writing():
            return pairing.new_code(self.home)

    def redeem_pairing(self, code: str, origin: str | None) -> str:
        with self.store.writing():
            return pairing.redeem(self.home, code, origin)

    # cases

    def open_case(self, facts: object) -> tuple[dict[str, Any], bool]:
        """The case of this refund (platform + refund or order id), made if new."""
        return self.store.open_case(clean_facts(facts))

    def create_case(self, facts: object) -> dict[str, Any]:
        return self.open_case(facts)[0]

    def update_facts(self, case_id: str, facts: object) -> dict[str, Any]:
        return self.store.update_facts(case_id, clean_facts(facts))

    def get_case(self, case_id: str) -> dict[str, Any]:
        return self.store.get_case(case_id)

    def list_cases(
        self, filters: dict[str, str] | None = None, offset: int = 0, limit: int = 50
    ) -> dict[str, Any]:
        if filters and filters.get("status"):  # by its key or its name ("已申诉")
            filters = {**filters, "status": case_status.status_of(filters["status"])}
        rows, total = self.store.search_cases(filters, offset, limit)
        return {"cases": rows, "total": total, "offset": offset, "limit": limit}

    # the case desk (its logic: server/desk/, domain/case_status.py)

    def patch_case(self, case_id: str, body: object) -> dict[str, Any]:
        """PATCH /api/cases/{id}: facts, the status and its details, or both."""
        facts, change = case_status.split(body) if isinstance(body, dict) else (body, None)
        case = self.update_facts(case_id, facts) if facts or change is None else None
        if change is not None:
            today = datetime.now().date().isoformat()  # the seller's own calendar day
            case = self.store.set_status(
                case_id, lambda current: change.apply(current, today, now_iso()), change.event()
            )
        assert case is not None
        return case

    def case_rows(self) -> list[dict[str, Any]]:
        """Every case's index row (read them, never change them)."""
        return list(self.store.index.rows())

    def case_history(self, case_id: str) -> list[dict[str, Any]]:
        self.store.get_case(case_id)
        return self.store.audit_log.lines_about(case_id)

    def photo_file(self, case_id: str, sha256: str) -> tuple[Path, str]:
        """A photo's stored original and its MIME type, when this case holds it."""
        for photo in self.store.case_photos(case_id):
            if photo.sha256 == sha256:
                return self.store.evidence.path(sha256), photo.mime
        raise NotFound(Text(f"案件 {case_id} 中的图片 {sha256[:64]}", f"photo {sha256[:64]}"))

    def new_desk_link(self) -> str:
        with self.store.writing():
            return desk_session.new_link(self.home, time.time())

    def redeem_desk_link(self, code: str) -> bool:
        with self.store.writing():
            return desk_session.redeem(self.home, code, time.time())

    # photos

    def add_photo(
        self, case_id: str, data: bytes, role: str, source: Source, client_sha256: str | None = None
    ) -> tuple[Photo, bool]:
        """Validate and keep one photo; (photo, False) when the case already had it."""
        self.store.get_case(case_id)
        photo = intake.receive(data, role, source, self.limits, client_sha256, self.runner.inspect)
        added = self.store.add_photo(case_id, data, photo, self.limits.max_photos)
        return photo, added

    def figure(self, sha256: str) -> bytes:
        """A figure a check made (boxes drawn, heat maps), by its hash."""
        if not _SHA256.fullmatch(sha256) or not self.store.figures.has(sha256):
            raise NotFound(Text(f"图 {sha256}", f"figure {sha256}"))
        return self.store.figures.get(sha256)

    # verification

    def verify(self, case_id: str, lang: Lang = "zh") -> ResultJSON:
        case = self.store.get_case(case_id)
        photos = self.store.case_photos(case_id)
        job = PhotoJob(
            home=self.home,
            limits=self.limits,
            case_id=case_id,
            facts=case["facts"],
            remote_manifest_fetch=self.config.remote_manifest_fetch,
            photos=tuple(photos),
            listings=tuple(p for p in photos if p.role == "listing"),
            pool=pool_entries(self.store.evidence_rows()),
        )
        findings: dict[str, list[FindingJSON]] = {p.sha256: [] for p in photos}
        statuses: dict[str, list[CheckStatusJSON]] = {p.sha256: [] for p in photos}
        new_cache: dict[str, list[FindingJSON]] = {}
        for done in self.runner.check(job):
            for figure in done.figures:  # before the findings that name them are saved
                self.store.figures.put(figure.data, figure.sha256)
            findings[done.sha256] += done.findings
            statuses[done.sha256].append(done.status)
            new_cache |= done.cache
        self.store.cache().put_many(new_cache)
        orders = {p.sha256: [c.NAME for c in registry_for(p)] for p in photos}
        verification: VerificationJSON = {
            "verified_at": now_iso(),
            "photos": [
                {
                    "sha256": p.sha256,
                    # by check, as the registry orders them (a restarted worker may not have)
                    "findings": sorted(
                        findings[p.sha256], key=lambda f: orders[p.sha256].index(f["check"])
                    ),
                    "checks": sorted(
                        statuses[p.sha256], key=lambda c: orders[p.sha256].index(c["check"])
                    ),
                }
                for p in photos
            ],
            "trust_lists": list(trust.load(self.home).lists),
        }
        out = result.build(case, photos, verification, lang)
        marks = case_marks.marks(verification, {p.sha256 for p in photos if p.role == "evidence"})
        level = out["case"]["verdict"]["level"]
        self.store.save_verification(case_id, verification, level, marks)
        return out

    def findings(self, case_id: str, lang: Lang = "zh") -> ResultJSON:
        case = self.store.get_case(case_id)
        verification = self.store.latest_verification(case_id)
        if verification is None:
            raise Problem(
                "not_verified",
                Text("这个案件还没有核验过。", "This case has not been verified yet."),
                404,
            )
        return result.build(case, self.store.case_photos(case_id), verification, lang)

    def current_findings(self, case_id: str, lang: Lang = "zh") -> ResultJSON:
        """The findings a report made now rests on (`report` decides the same way): the case
        verified again first when its photos changed since the last verification."""
        self._verified_now(case_id, lang)
        return self.findings(case_id, lang)

    def _verified_now(self, case_id: str, lang: Lang) -> VerificationJSON:
        """The case's latest verification, made again first when its photos changed since."""
        self.store.get_case(case_id)
        verification = self.store.latest_verification(case_id)
        current = {p.sha256 for p in self.store.case_photos(case_id)}
        if verification is None or {p["sha256"] for p in verification["photos"]} != current:
            self.verify(case_id, lang)
            verification = self.store.latest_verification(case_id)
        assert verification is not None
        return verification

    # reports

    def report(self, case_id: str, variant: str, lang: Lang = "zh") -> dict[str, Any]:
        """A signed report from the case as it is now (verified again if photos changed)."""
        if variant not in reports.VARIANTS:
            raise Problem(
                "variant",
                Text(
                    f"报告类型只能是 {' / '.join(reports.VARIANTS)}（申诉 / 报警）。",
                    f"The report kind must be one of {', '.join(reports.VARIANTS)}.",
                ),
            )
        self.require_shop()  # before any work: the report must name its shop
        verification = self._verified_now(case_id, lang)
        with self._reporting:
            inp = self._report_input(case_id, verification, variant, lang)
            record, files = self.runner.call(
                reports.make, inp, seconds=REPORT_SECONDS, memory=REPORT_MEMORY
            )
        self.store.save_report(record, files)
        # which time-stamp services answered: the next report asks the one that did first
        memory = TsaMemory.load(self.home)
        learned = record["time_stamping"]
        memory.learn(learned["answered"], learned["silent"], time.time())
        memory.save(self.home)
        return record

    def _report_input(
        self, case_id: str, verification: VerificationJSON, variant: str, lang: Lang
    ) -> reports.ReportInput:
        """Everything the report rests on, read once from the store."""
        case = self.store.get_case(case_id)
        photos = tuple(self.store.case_photos(case_id))
        config = self.config
        memory = TsaMemory.load(self.home)
        first, others, skipped = memory.plan(config.time_stamp_services, time.time())
        return reports.ReportInput(
            case={k: case[k] for k in ("id", "created_at", "facts")},
            photos=photos,
            verification=verification,
            variant=variant,
            lang=lang,
            evidence={p.sha256: self.store.evidence.path(p.sha256) for p in photos},
            figures={sha: self.store.figures.path(sha) for sha in figure_hashes(verification)},
            audit_lines=tuple(self.store.audit_log.lines_about(case_id)),
            audit_head=self.store.audit_log.head(),
            home=self.home,
            tsa=reports.TimeStamping(first, tuple(others), tuple(skipped)),
            operator=config.operator,
            shop=config.shop,
            contact=config.contact,
        )

    def list_reports(self, case_id: str) -> list[dict[str, Any]]:
        self.store.get_case(case_id)
        return self.store.list_reports(case_id)

    def get_report(self, report_id: str) -> dict[str, Any]:
        return self.store.get_report(report_id)

    def report_file(self, report_id: str, name: str) -> Path:
        record = self.store.get_report(report_id)
        if name not in record["files"]:
            raise NotFound(Text(f"报告文件 {report_id}/{name}", f"report file {report_id}/{name}"))
        return self.store.report_folder(report_id) / name

    def check_report(self, pdf: bytes) -> reports.sign.ReportCheck:
        """A PDF from anyone: in the server, read in a worker under the memory cap."""
        return self.runner.call(reports.check, pdf, self.home, seconds=CHECK_REPORT_SECONDS)

    # the store as a whole

    def quick_check(self) -> list[Text]:
        """At every server start: the index reads (a damaged one refuses to start: StoreCorrupt),
        the checkpoint is signed, and the audit log still holds the line it recorded."""
        self.store.search_cases(limit=1)
        _, problems = self._anchors(with_reports=False)
        try:
            self.store.audit_log.tail()
        except StoreCorrupt as e:
            problems.append(e.text)
        return problems

    def _anchors(self, with_reports: bool = True) -> tuple[list[tuple[str, int, str]], list[Text]]:
        """Where the audit log's past heads were recorded: the checkpoint and every report."""
        anchors: list[tuple[str, int, str]] = []
        problems: list[Text] = []
        log = self.store.audit_log
        path = log.checkpoint_path
        try:
            signed = log.checkpoint()
        except StoreCorrupt as e:
            signed, problems = None, [e.text]
        if signed is None and not problems and log.size():
            problems.append(
                Text(
                    f"审计检查点 {path} 不见了，而审计日志不是空的：删掉它可以掩盖日志被截短或改写。",
                    f"The audit checkpoint {path} is missing although the audit log is not "
                    "empty: deleting it can hide that the log was cut or rewritten.",
                )
            )
        if signed is not None:
            try:
                body = report_keys.verify_json(self.home, signed)
                anchors.append(("签名检查点 / the signed checkpoint", body["seq"], body["hash"]))
            except (ValueError, KeyError, TypeError) as e:
                problems.append(
                    Text(
                        f"审计检查点 {path} 的签名无效（{type(e).__name__}）：它被改动过。",
                        f"The audit checkpoint {path} has no valid signature "
                        f"({type(e).__name__}): it was changed.",
                    )
                )
        for case_id in self.store.case_ids() if with_reports else []:
            try:
                report_ids = self.store.get_case(case_id)["reports"]
            except Problem:
                continue  # a damaged case file: check() names it
            for report_id in report_ids:
                try:
                    head = self.store.get_report(report_id).get("audit_head")
                    if head:
                        anchors.append(
                            (f"报告 {report_id} / report {report_id}", head["seq"], head["hash"])
                        )
                except (Problem, LookupError, TypeError, AttributeError):
                    continue  # a missing or damaged report: check() names it
        return anchors, problems

    def check(self) -> StoreReport:
        """Everything in the data folder verified (`refundproof check`), the settings too."""
        problems: list[Text] = []
        try:
            Config.load(self.home)
        except Problem as e:
            problems.append(e.text)
        try:
            anchors, more = self._anchors()
        except Exception as e:  # check names what it cannot read, it never stops half-way
            anchors, more = (
                [],
                [
                    Text(
                        f"读取审计日志的锚点时出错（{type(e).__name__}: {e}）。",
                        f"Reading the audit log's anchors failed ({type(e).__name__}: {e}).",
                    )
                ],
            )
        report = check_store(self.store, anchors)
        report.problems[:0] = problems + more
        return report

    def rebuild_index(self) -> int:
        return self.store.rebuild_index()


def clean_facts(facts: object) -> dict[str, str | None]:
    """Known fact names only, each a string (or null) of at most 500 characters, control
    characters shown as escapes (a buyer's name must not reorder a report's text), timeline
    dates stored with their offset (server/domain/dates.py)."""
    if not isinstance(facts, dict):
        raise Problem(
            "facts", Text("案件信息必须是 JSON 对象。", "Case facts must be a JSON object.")
        )
    unknown = sorted(set(facts) - set(CASE_FACTS))
    if unknown:
        raise Problem(
            "facts",
            Text(
                f"未知的案件字段：{', '.join(unknown)}（可用：{', '.join(CASE_FACTS)}）。",
                f"Unknown case fields: {', '.join(unknown)} (known: {', '.join(CASE_FACTS)}).",
            ),
        )
    cleaned = {k: (None if v is None else neutral(str(v))[:500]) for k, v in facts.items()}
    # a timeline date kept as text would silently drop out of the checks: parsed or refused
    return {k: timeline_value(k, v) if v and k in TIMELINE else v for k, v in cleaned.items()}

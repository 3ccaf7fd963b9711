"""What RefundProof does, as plain functions: the API and the CLI are thin shells over this,
and it is the only door to the store."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import reports

from . import intake, trust
from .checks import CheckContext, run_checks
from .checks.base import OtherPhoto
from .checks.parsed import PhotoData
from .domain import result
from .domain.cases import CASE_FACTS, Photo, Source
from .domain.contract import FindingJSON, ResultJSON, StoredPhotoVerificationJSON, VerificationJSON
from .domain.limits import Limits
from .errors import NotFound, Problem
from .files import now_iso
from .settings import Config
from .store import Store
from .text import Lang, Text

__all__ = ["Service"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Service:
    def __init__(self, home: Path, limits: Limits | None = None) -> None:
        self.home = home
        self.limits = limits or Limits()
        self.store = Store(home)
        self.config = Config.load(home)

    # cases

    def create_case(self, facts: dict[str, Any]) -> dict[str, Any]:
        return self.store.create_case(clean_facts(facts))

    def update_facts(self, case_id: str, facts: dict[str, Any]) -> dict[str, Any]:
        return self.store.update_facts(case_id, clean_facts(facts))

    def get_case(self, case_id: str) -> dict[str, Any]:
        case = self.store.get_case(case_id)
        return {**case, "photos": [p.to_json() for p in self.store.case_photos(case_id)]}

    def list_cases(self) -> list[dict[str, Any]]:
        return self.store.list_cases()

    # photos

    def add_photo(
        self, case_id: str, data: bytes, role: str, source: Source, client_sha256: str | None = None
    ) -> tuple[Photo, bool]:
        """Validate and keep one photo; (photo, False) when the case already had it."""
        self.store.get_case(case_id)
        if self.store.photo_count(case_id) >= self.limits.max_photos:
            raise Problem(
                "too_many_photos",
                Text("每个案件最多 {n} 张图片。", "A case holds at most {n} photos.").format(
                    n=self.limits.max_photos
                ),
                413,
            )
        photo = intake.receive(data, role, source, self.limits, client_sha256)
        added = self.store.add_photo(case_id, data, photo)
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
        trust_info = trust.load(self.home)
        # Listing photos are compared with every refund photo: parse them once and keep them
        # for the whole run. Other photos are parsed in turn and let go.
        listings = {p.sha256: self._parse(p) for p in photos if p.role == "listing"}
        others = tuple(
            OtherPhoto(p.sha256, c["id"], p.phash, c["facts"], p.received_at, self._loader(p))
            for c, p in self.store.evidence_everywhere()
        )
        ctx = CheckContext(
            facts=case["facts"],
            trust=trust_info,
            remote_manifest_fetch=self.config.remote_manifest_fetch,
            case_id=case_id,
            listings=tuple(listings.values()),
            others=others,
        )
        cache = self.store.all_cached_findings()
        new_cache: dict[str, list[FindingJSON]] = {}
        stored_photos: list[StoredPhotoVerificationJSON] = []
        for photo in photos:
            parsed = listings.get(photo.sha256) or self._parse(photo)
            findings, statuses, new = run_checks(parsed, ctx, cache)
            for figure in parsed.figures:  # before the findings that name them are saved
                self.store.figures.put(figure.data, figure.sha256)
            new_cache |= new
            stored_photos.append(
                {
                    "sha256": photo.sha256,
                    "findings": [f.to_json("zh") for f in findings],
                    "checks": statuses,
                }
            )
        self.store.cache_many(new_cache)
        verification: VerificationJSON = {
            "verified_at": now_iso(),
            "photos": stored_photos,
            "trust_lists": list(trust_info.lists),
        }
        out = result.build(case, photos, verification, lang)
        self.store.save_verification(case_id, verification, out["case"]["verdict"]["level"])
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
        self.store.get_case(case_id)
        verification = self.store.latest_verification(case_id)
        current = {p.sha256 for p in self.store.case_photos(case_id)}
        if verification is None or {p["sha256"] for p in verification["photos"]} != current:
            self.verify(case_id, lang)
            verification = self.store.latest_verification(case_id)
        assert verification is not None
        return reports.build(
            self.store,
            self.home,
            case_id,
            verification,
            variant,
            lang,
            tsa_url=self.config.tsa_url,
            operator=self.config.operator,
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
        return reports.check(pdf, self.home)

    def _parse(self, photo: Photo) -> PhotoData:
        return PhotoData(self.store.evidence.get(photo.sha256), photo, self.limits)

    def _loader(self, photo: Photo) -> Callable[[], PhotoData]:
        return lambda: self._parse(photo)


def clean_facts(facts: object) -> dict[str, str | None]:
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
    return {k: (None if v is None else str(v)) for k, v in facts.items()}

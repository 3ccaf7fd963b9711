"""The documented JSON shapes: what the API returns, what `refundproof verify --json` prints
and what a report's findings.json holds. Other tools build on these names: keep them
stable, add freely."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

Strength = Literal["decisive", "strong", "supporting", "counter", "none", "error"]
Role = Literal["evidence", "listing", "page_capture"]
# What a piece of evidence shows (domain/verdict.py names them)
Kind = Literal["ai", "listing_copy", "reused", "tampered", "undecodable", "other"]


class FindingJSON(TypedDict):
    check: str
    signal: str
    strength: Strength
    strength_name: str  # the strength in the language asked for ("有力"), for people
    summary: str  # in the language asked for
    summaries: dict[str, str]  # both languages, keyed "zh-CN" and "en"
    data: dict[str, Any]  # the evidence itself: field values, offsets, boxes, statistics


class VerdictJSON(TypedDict):
    level: Strength
    summary: str
    summaries: dict[str, str]
    found: str  # what kind of evidence the level rests on ("" without any)
    reasons: list[str]
    counter_evidence: list[str]


class CheckStatusJSON(TypedDict):
    check: str
    version: str
    title: dict[str, str]
    limits: dict[str, str]
    status: Literal["ok", "error", "not_run"]
    cached: bool


class SourceJSON(TypedDict):
    method: str
    source_url: str | None
    page_url: str | None
    fetched_at: str | None
    http_headers: dict[str, str]
    file_name: str | None


class PhotoResultJSON(TypedDict):
    file: str
    sha256: str
    role: Role
    role_name: str
    format: str
    media: str  # "photo" or "video"
    duration: float  # seconds, videos only
    width: int
    height: int
    bytes: int
    source: SourceJSON
    verdict: VerdictJSON
    findings: list[FindingJSON]
    checks: list[CheckStatusJSON]


class CaseResultJSON(TypedDict):
    id: str
    facts: dict[str, str | None]
    verdict: VerdictJSON


class ToolJSON(TypedDict):
    name: str
    version: str


class ResultJSON(TypedDict):
    """One verification of one case, in one language."""

    case: CaseResultJSON
    photos: list[PhotoResultJSON]
    verified_at: str
    trust_lists: list[dict[str, Any]]
    tool: ToolJSON
    lang: Literal["zh-CN", "en"]


class StoredPhotoVerificationJSON(TypedDict):
    sha256: str
    findings: list[FindingJSON]
    checks: list[CheckStatusJSON]


class VerificationJSON(TypedDict):
    """What the store keeps of a verification: findings in both languages, any reader's."""

    verified_at: str
    photos: list[StoredPhotoVerificationJSON]
    trust_lists: list[dict[str, Any]]

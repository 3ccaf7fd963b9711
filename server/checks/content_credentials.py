"""C2PA content credentials, read with c2pa-python.

Three questions are kept apart, because the SDK folds them into one state: is the manifest
still bound to these bytes (binding), is the signer on the imported trust list (trust), is
the signing certificate valid, unexpired, unrevoked (validity). An AI declaration bound to
the bytes is decisive whatever the signer's trust or the certificate's expiry.

Trust is read with the five inputs Content Credentials Verify uses (domain/trust_lists.py);
a signer known only through the frozen CAI interim lists is labelled "legacy CAI list" and,
as Verify treats it as a known signer, counts as identified for the decisive rule.

Limits: any re-encode (screenshot, platform transcode) strips the manifest, so its absence
proves nothing. Remote manifests are not fetched unless the seller enables it; without
imported trust lists every signer reads as untrusted.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import c2pa

from ..domain.cases import Finding, Photo
from ..domain.contract import Strength
from ..domain.trust_lists import LEGACY_KINDS, LEGACY_URI, OFFICIAL_URI, TrustInfo, signer_lists
from ..formats import source_types
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData

NAME = "c2pa"
# 2: decisive only for a trusted signer (trust list loaded), else strong with why
# 3: the CAI interim anchors, allow-list and EKU configuration; the trust source is named
VERSION = "3"
TITLE = Text("内容凭证（C2PA）", "Content credentials (C2PA)")
LIMITS = Text(
    "任何重新编码（截图、平台转码）都会去掉内容凭证，所以没有凭证不能说明什么。远程凭证默认不下载；"
    "未导入信任列表时，所有签名者都显示为“不受信任”。只在旧版 CAI 临时列表（已冻结）中的签名者，"
    "按 Content Credentials Verify 的做法视为已知签名者，并注明“旧版 CAI 临时列表”，"
    "不等于在 C2PA 官方信任列表中。C2PA 时间戳机构列表只记录，不用于判断签名者。",
    "Any re-encode (screenshot, platform transcode) strips content credentials, so their absence "
    "proves nothing. Remote manifests are not fetched by default; without an imported trust "
    "list every signer reads as untrusted. A signer known only through the frozen CAI interim "
    "lists counts as a known signer, as Content Credentials Verify treats it, and is labelled "
    '"legacy CAI list": that is not the official C2PA trust list. The C2PA time-stamping '
    "authority list is recorded, not used to judge signers.",
)
_URL = re.compile(r"https?://\S+")
_VALIDITY = (
    "signingCredential.expired",
    "signingCredential.revoked",
    "signingCredential.invalid",
    "claimSignature.outsideValidity",
    "signingCredential.ocsp.revoked",
)


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return f"{ctx.trust.key}|remote={ctx.remote_manifest_fetch}"


def trust_settings(t: TrustInfo) -> dict[str, Any]:
    """The SDK's `trust` settings. c2pa-rs 0.91 (c2pa-python 0.38) reads anchors and the
    allow-list from `trust.anchors[]` entries and silently ignores a top-level
    `trust.allowed_list`; EKUs take effect only as top-level `trust.trust_config`. Each entry's
    `trust_uri` comes back as `trustListUri`, which tells which list trusted a signer."""
    out: dict[str, Any] = {}
    anchors = []
    if t.anchors_pem:
        anchors.append(_entry(t.anchors_pem, OFFICIAL_URI))
    if t.legacy_anchors_pem or t.allowed_list:
        legacy = _entry(t.legacy_anchors_pem, LEGACY_URI)
        if t.allowed_list:
            legacy["allowed_list"] = t.allowed_list
        anchors.append(legacy)
    if anchors:
        out["anchors"] = anchors
    if t.ekus:
        out["trust_config"] = t.ekus
    return out


def _entry(pem: str, uri: str) -> dict[str, Any]:
    # "manifest", never "tsa": 0.91.3 also trusts content signers chaining to a "tsa" entry
    return {"trust_anchors": pem, "trust_kind": "manifest", "trust_uri": uri}


def _context(ctx: CheckContext) -> c2pa.Context:
    settings: dict[str, Any] = {
        "verify": {"remote_manifest_fetch": ctx.remote_manifest_fetch, "ocsp_fetch": False}
    }
    trust = trust_settings(ctx.trust)
    if trust:
        settings["trust"] = trust
    return c2pa.Context.from_dict(settings)


def trust_source(trusted: bool, results: dict[str, Any], t: TrustInfo) -> str | None:
    """Which list trusted the signer: the official C2PA list, the CAI interim anchors, or the
    interim allow-list (the SDK checks it first and reports no list URI for it)."""
    if not trusted:
        return None
    uri = results.get("trustListUri") or ""
    if uri == OFFICIAL_URI:
        return "c2pa_trust_list"
    if uri == LEGACY_URI:
        return "legacy_cai_anchors"
    return "legacy_cai_allowed" if not uri and t.allowed_list else "unknown"


def _codes(results: dict[str, Any], kind: str) -> list[str]:
    return [c["code"] for c in (results.get("activeManifest") or {}).get(kind, [])]


def assess(state: str, results: dict[str, Any]) -> dict[str, Any]:
    """Split the SDK's one validation state into binding, trust and validity."""
    failures = _codes(results, "failure")
    binding_failures = [
        c
        for c in failures
        if c.startswith(("assertion.", "claim.", "manifest.", "hardBindings."))
        or c in ("claimSignature.mismatch", "claimSignature.missing")
    ]
    validity = [c for c in failures if c in _VALIDITY]
    successes = _codes(results, "success")
    # The SDK folds an expired certificate into "Invalid" even when the signer chains to a
    # trust anchor: trust is read from its own codes.
    trusted = "signingCredential.untrusted" not in failures and (
        state == "Trusted" or "signingCredential.trusted" in successes
    )
    return {
        "sdk_state": state,
        "binding": "broken" if binding_failures else "intact",
        "binding_failures": binding_failures,
        "signature_validated": "claimSignature.validated" in successes,
        "signer_trust": "trusted" if trusted else "untrusted",
        # a trusted time stamp shows the certificate was valid when the claim was signed
        "timestamped": "timeStamp.validated" in successes,
        "signed_inside_validity": "claimSignature.insideValidity" in successes,
        "credential_validity": "problem" if validity else "valid",
        "credential_problems": validity,
        "failure_codes": failures,
        "informational_codes": _codes(results, "informational"),
    }


def _declarations(store: dict[str, Any], label: str | None) -> list[dict[str, Any]]:
    """Digital source types declared by the active manifest and, through `parentOf`
    ingredients (the whole asset was opened from them), by its ancestors."""
    out, depth, seen = [], 0, set()
    manifests = store.get("manifests", {})
    while label and label in manifests and label not in seen:
        seen.add(label)
        m = manifests[label]
        for a in m.get("assertions", []):
            if not a.get("label", "").startswith("c2pa.actions"):
                continue
            for act in (a.get("data") or {}).get("actions", []):
                if act.get("digitalSourceType"):
                    agent = act.get("softwareAgent")
                    out.append(
                        {
                            "manifest": label,
                            "depth": depth,
                            "action": act.get("action"),
                            "digital_source_type": act["digitalSourceType"],
                            "software_agent": agent.get("name")
                            if isinstance(agent, dict)
                            else agent,
                            "when": act.get("when"),
                        }
                    )
        parent = next(
            (i for i in m.get("ingredients", []) if i.get("relationship") == "parentOf"), None
        )
        label, depth = (parent or {}).get("active_manifest"), depth + 1
    return out


def _component_ai(store: dict[str, Any], active: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for ing in active.get("ingredients", []):
        if ing.get("relationship") != "componentOf":
            continue
        for d in _declarations(store, ing.get("active_manifest")):
            _, st = source_types.classify(d["digital_source_type"])
            if st and st.kind == "ai":
                found.append({"ingredient": ing.get("title"), **d})
    return found


def _manifest_facts(active: dict[str, Any]) -> dict[str, Any]:
    sig = active.get("signature_info") or {}
    gens = active.get("claim_generator_info") or []
    return {
        "issuer": sig.get("issuer"),
        "common_name": sig.get("common_name"),
        "signed_at": sig.get("time"),
        "algorithm": sig.get("alg"),
        "cert_serial_number": sig.get("cert_serial_number"),
        "claim_generator": active.get("claim_generator")
        or ", ".join(g.get("name", "") for g in gens if isinstance(g, dict)),
        "title": active.get("title"),
        "ingredients": [
            {
                "title": i.get("title"),
                "relationship": i.get("relationship"),
                "has_manifest": bool(i.get("active_manifest")),
            }
            for i in active.get("ingredients", [])
        ],
    }


def _remote_url(e: c2pa.C2paError) -> str | None:
    """The URL of a remote manifest the SDK refused to fetch. c2pa-python 0.38 has a typed
    RemoteManifest error, but the native library names this case "Remote: …", which the SDK
    maps to no subclass; so the base class with that prefix counts too."""
    if isinstance(e, c2pa.C2paError.RemoteManifest) or str(e).startswith("Remote:"):
        m = _URL.search(str(e))
        return m.group(0) if m else ""
    return None


def _read(photo: PhotoData, ctx: CheckContext) -> tuple[Any, Finding | None]:
    try:
        reader = c2pa.Reader.try_create(
            photo.photo.mime, io.BytesIO(photo.data), context=_context(ctx)
        )
    except c2pa.C2paError as e:
        url = _remote_url(e)
        if url is not None:
            text = Text(
                f"图片只带有远程内容凭证的地址 {url}，按隐私设置未下载（下载会向对方暴露你的查看）。",
                f"The image only points to a remote content credential at {url}; it was "
                "not fetched (fetching tells that server you looked).",
            )
            data = {"remote_url": url, "fetched": False}
            return None, Finding(NAME, "c2pa_remote_manifest", "none", text, data)
        text = Text(
            "图片中的内容凭证（C2PA）已损坏，无法读取。",
            "The image's content credentials (C2PA) are damaged and cannot be read.",
        )
        return None, Finding(NAME, "c2pa_unreadable", "none", text, {"error": str(e)[:500]})
    return reader, None


def _by_kind(decls: list[dict[str, Any]], kind: str) -> list[tuple[dict[str, Any], Any]]:
    """The declarations whose digital source type is of this kind (ai or capture)."""
    out = []
    for d in decls:
        _, st = source_types.classify(d["digital_source_type"])
        if st and st.kind == kind:
            out.append((d, st))
    return out


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    reader, problem = _read(photo, ctx)
    if problem:
        problem.data["trust_lists"] = list(ctx.trust.lists)
        return [problem]
    if reader is None:
        text = Text(
            "没有内容凭证（C2PA）（不确定：转存或截图会去掉凭证）。",
            "No content credentials (C2PA) (inconclusive: re-saving or screenshots remove them).",
        )
        return [Finding(NAME, "no_c2pa", "none", text, {"trust_lists": list(ctx.trust.lists)})]
    with reader:
        store = json.loads(reader.json())
        state = reader.get_validation_state() or ""
        results = reader.get_validation_results() or {}
        remote_url = reader.get_remote_url()
    label = store.get("active_manifest")
    active = store.get("manifests", {}).get(label, {})
    checks = assess(state, results)
    source = trust_source(checks["signer_trust"] == "trusted", results, ctx.trust)
    facts = {
        **_manifest_facts(active),
        **checks,
        "trust_source": source,
        "trust_list_uri": results.get("trustListUri"),
        "active_manifest": label,
        "remote_url": remote_url,
        "trust_lists": list(ctx.trust.lists),
    }
    decls = _declarations(store, label)
    ai, capture = _by_kind(decls, "ai"), _by_kind(decls, "capture")
    facts["rubric"] = (
        ai[0][1].rubric if ai else capture[0][1].rubric if capture else "mediaUnknownProvenance"
    )
    intact = checks["binding"] == "intact" and checks["signature_validated"]
    issuer = facts["issuer"] or facts["common_name"] or "?"
    findings = [_summary_finding(facts, issuer, intact)]
    if ai:
        findings.append(_ai_declaration(*ai[0], facts, decls, issuer, intact))
    if capture and not ai:  # a capture later edited with AI speaks against the buyer, not for
        findings.append(_capture_declaration(*capture[0], facts, issuer, intact))
    if checks["binding"] == "broken":
        failures = _in_words(checks["binding_failures"])
        text = Text(
            f"内容凭证与图片不再匹配（{failures.zh.replace('|', '、')}）：签名后图片被改动过。",
            f"The content credentials no longer match the image ({failures.en.replace('|', ', ')}"
            "): it was changed after signing.",
        )
        findings.append(Finding(NAME, "c2pa_changed_after_signing", "supporting", text, facts))
    components = _component_ai(store, active)
    if components:
        text = Text(
            "内容凭证显示图片的组成部分来自 AI 生成的素材。",
            "The content credentials show that parts of the image came from AI-generated material.",
        )
        data = {**facts, "components": components}
        findings.append(Finding(NAME, "c2pa_ai_component", "supporting", text, data))
    return findings


def _ai_declaration(
    d: dict[str, Any],
    st: Any,
    facts: dict[str, Any],
    decls: list[dict[str, Any]],
    issuer: str,
    intact: bool,
) -> Finding:
    """Decisive only when the declaration is bound to these bytes and its signer chains to a
    loaded trust list with a certificate valid when it signed: anyone can sign a manifest
    with a certificate they made themselves."""
    agent = d["software_agent"] or facts["claim_generator"] or "?"
    data = {**facts, "declaration": d, "all_declarations": decls}
    said = Text(
        f"内容凭证声明该图片{st.meaning.zh}（{agent}，签发者 {issuer}）",
        f"The content credentials declare the image {st.meaning.en} ({agent}, issued by {issuer})",
    )
    doubts = _doubts(facts, intact)
    if not doubts:
        source = facts["trust_source"]
        kinds = LEGACY_KINDS if source in _LEGACY_SOURCES else ("signer",)
        names = [str(t.get("name", "?")) for t in facts["trust_lists"] if t.get("kind") in kinds]
        where, note = _trust_words(source), _expired_note(facts)
        text = said + Text(
            f"，凭证与图片字节的绑定完好，签发者在{where.zh}中（已导入：{'、'.join(names)}）{note.zh}"
            "：这一声明在密码学上与这张图片绑定，且签发者身份可查。",
            f", the binding to the image bytes is intact and the signer is on {where.en} "
            f"(imported: {', '.join(names)}){note.en}: the declaration is cryptographically bound to "
            "this picture by an identified signer.",
        )
        if source in _LEGACY_SOURCES:
            text = text + Text(
                "旧版 CAI 临时列表已冻结，Content Credentials Verify 仍视其中的签名者为已知签名者；"
                "它不是 C2PA 官方信任列表。",
                " The legacy CAI list is frozen; Content Credentials Verify still treats its "
                "signers as known signers. It is not the official C2PA trust list.",
            )
        return Finding(NAME, "c2pa_ai_declaration", "decisive", text, data)
    text = said + Text(
        "；但" + "；".join(t.zh for t in doubts) + "。因此是有力证据，不是确定证据。",
        "; but " + "; ".join(t.en for t in doubts) + ". So it is strong, not decisive, evidence.",
    )
    return Finding(NAME, "c2pa_ai_declaration", "strong", text, data)


def _doubts(facts: dict[str, Any], intact: bool) -> list[Text]:
    """Why a declaration is not decisive, each with what the seller can do."""
    doubts = []
    if not intact:
        doubts.append(
            Text(
                "签名后图片被改动过，声明已不再与当前字节绑定",
                "the image was changed after signing, so the declaration is no longer bound to "
                "these bytes",
            )
        )
    if not signer_lists(facts["trust_lists"]):
        doubts.append(
            Text(
                "尚未导入 C2PA 信任列表，无法确认签发者身份（运行 `refundproof trust update` 后重新核验）",
                "no C2PA trust list is loaded, so the signer cannot be identified (run "
                "`refundproof trust update`, then verify again)",
            )
        )
    elif facts["signer_trust"] != "trusted":
        doubts.append(
            Text(
                "签发者不在已导入的 C2PA 信任列表中：任何人都能用自制的证书签发这样的声明",
                "the signer is not on the imported C2PA trust list: anyone can sign such a "
                "declaration with a certificate they made themselves",
            )
        )
    problems = set(facts["credential_problems"])
    if problems - {"signingCredential.expired"}:
        doubts.append(
            Text("签名证书无效或已被吊销", "the signing certificate is invalid or revoked")
        )
    elif problems and not (facts["timestamped"] and facts["signed_inside_validity"]):
        doubts.append(
            Text(
                "签名证书已过期，且签名没有可信时间戳证明签名时证书有效",
                "the signing certificate has expired and no trusted time stamp shows it was "
                "valid when it signed",
            )
        )
    return doubts


def _expired_note(facts: dict[str, Any]) -> Text:
    if "signingCredential.expired" in facts["credential_problems"]:
        return Text(
            "（证书现已过期，但可信时间戳证明签名时证书有效）",
            " (the certificate has since expired; a trusted time stamp shows it was valid when "
            "it signed)",
        )
    return Text("", "")


def _capture_declaration(
    d: dict[str, Any], st: Any, facts: dict[str, Any], issuer: str, intact: bool
) -> Finding:
    text = Text(
        f"对买家有利：内容凭证声明该图片{st.meaning.zh}（签发者 {issuer}）"
        + ("，绑定完好。" if intact else "；但签名后图片被改动过。"),
        f"Speaks for the buyer: the content credentials declare the image {st.meaning.en} "
        f"(issued by {issuer})"
        + (", binding intact." if intact else "; but it was changed after signing."),
    )
    strength: Strength = "counter" if intact else "none"
    return Finding(NAME, "c2pa_capture_declaration", strength, text, {**facts, "declaration": d})


# The SDK's validation codes in words (the codes themselves stay in the finding's data).
CODE_WORDS = {
    "assertion.dataHash.mismatch": Text("图片数据的哈希不符", "the image data hash does not match"),
    "assertion.hashedURI.mismatch": Text("断言的哈希不符", "an assertion hash does not match"),
    "assertion.bmffHash.mismatch": Text("图片数据的哈希不符", "the image data hash does not match"),
    "claimSignature.mismatch": Text("声明签名不符", "the claim signature does not match"),
    "claimSignature.missing": Text("缺少声明签名", "the claim signature is missing"),
    "signingCredential.expired": Text("签名证书已过期", "the signing certificate has expired"),
    "signingCredential.revoked": Text("签名证书已被吊销", "the signing certificate was revoked"),
    "signingCredential.ocsp.revoked": Text(
        "签名证书已被吊销", "the signing certificate was revoked"
    ),
    "signingCredential.invalid": Text("签名证书无效", "the signing certificate is invalid"),
    "claimSignature.outsideValidity": Text(
        "签名时间不在证书有效期内", "it was signed outside the certificate's validity"
    ),
}


def _in_words(codes: list[str]) -> Text:
    """Codes in words, joined by "|" for the caller's separator; an unknown code as itself."""
    words = [CODE_WORDS.get(c, Text("其他校验失败", c)) for c in codes]
    return Text("|".join(dict.fromkeys(w.zh for w in words)), "|".join(w.en for w in words))


_LEGACY_SOURCES = ("legacy_cai_anchors", "legacy_cai_allowed")
# the list that trusted a signer, as "在…中" / "on …"
_TRUST_WORDS = {
    "c2pa_trust_list": Text("C2PA 官方信任列表", "the official C2PA trust list"),
    "legacy_cai_anchors": Text(
        "旧版 CAI 临时列表（临时信任根）", "the legacy CAI list (interim anchors)"
    ),
    "legacy_cai_allowed": Text(
        "旧版 CAI 临时列表（已知证书）", "the legacy CAI list (interim known certificates)"
    ),
}


def _trust_words(source: str | None) -> Text:
    return _TRUST_WORDS.get(
        source or "", Text("信任列表（来源不明）", "a trust list (not known which)")
    )


def _summary_finding(facts: dict[str, Any], issuer: str, intact: bool) -> Finding:
    if facts["trust_source"] is None:
        trust_zh, trust_en = "不在已导入的信任列表中", "not on the imported trust list"
    else:
        words = _trust_words(facts["trust_source"])
        trust_zh, trust_en = f"在{words.zh}中", f"on {words.en}"
    valid_zh = (
        "证书有效"
        if facts["credential_validity"] == "valid"
        else ("证书问题：" + "、".join(_in_words(facts["credential_problems"]).zh.split("|")))
    )
    valid_en = (
        "certificate valid"
        if facts["credential_validity"] == "valid"
        else (
            "certificate problem: " + _in_words(facts["credential_problems"]).en.replace("|", ", ")
        )
    )
    return Finding(
        NAME,
        "c2pa_manifest",
        "none",
        Text(
            f"有内容凭证（C2PA），签发者 {issuer}。绑定：{'完好' if intact else '已破坏'}；签名者：{trust_zh}；"
            f"{valid_zh}。",
            f"Content credentials (C2PA) present, issued by {issuer}. Binding: "
            f"{'intact' if intact else 'broken'}; signer: {trust_en}; {valid_en}.",
        ),
        facts,
    )

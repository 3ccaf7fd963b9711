"""What a verification shows that the desk searches and links by: the kinds of strong or
decisive evidence in the refund photos, the producer codes of the generators their AIGC
labels name (GB 45438 ContentProducer), and the other cases the reuse check found the same
photo in (near copies too, which share no bytes)."""

from __future__ import annotations

from .cases import Finding
from .contract import VerificationJSON
from .verdict import WEIGHTY, kind_of

MARKS = ("kinds", "producers", "reused_with")


def marks(verification: VerificationJSON, evidence: set[str]) -> dict[str, list[str]]:
    """Each of MARKS, sorted and once, over the photos in `evidence`."""
    found: dict[str, set[str]] = {name: set() for name in MARKS}
    for photo in verification["photos"]:
        if photo["sha256"] not in evidence:
            continue
        for raw in photo["findings"]:
            finding = Finding.from_json(raw)
            if finding.strength in WEIGHTY:
                found["kinds"].add(kind_of(finding))
            if finding.signal == "reused_in_other_refund":
                others = finding.data.get("others") or []
                found["reused_with"] |= {str(o["other_case"]) for o in others if "other_case" in o}
            producer = finding.data.get("producer")
            if isinstance(producer, dict):
                code = producer.get("uscc") or producer.get("raw")
                if code:
                    found["producers"].add(str(code))
    return {name: sorted(values) for name, values in found.items()}

"""What a verification shows that the desk searches and links by: the kinds of strong or
decisive evidence in the refund photos, and the producer codes of the generators their
AIGC labels name (GB 45438 ContentProducer)."""

from __future__ import annotations

from .cases import Finding
from .contract import VerificationJSON
from .verdict import WEIGHTY, kind_of


def marks(verification: VerificationJSON, evidence: set[str]) -> tuple[list[str], list[str]]:
    """(kinds, producer codes), each sorted and once, over the photos in `evidence`."""
    kinds: set[str] = set()
    producers: set[str] = set()
    for photo in verification["photos"]:
        if photo["sha256"] not in evidence:
            continue
        for raw in photo["findings"]:
            finding = Finding.from_json(raw)
            if finding.strength in WEIGHTY:
                kinds.add(kind_of(finding))
            producer = finding.data.get("producer")
            if isinstance(producer, dict):
                code = producer.get("uscc") or producer.get("raw")
                if code:
                    producers.add(str(code))
    return sorted(kinds), sorted(producers)

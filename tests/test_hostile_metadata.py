"""Metadata built to make a parser slow: each ends with a result, through the real intake and
every check, in about the time it takes to read it (issue: a 250 KB PNG whose XMP was 900 KB
of `a` stopped the whole server)."""

from __future__ import annotations

import pytest

from server.demo import samples
from server.formats import xmp

from .conftest import verify_bytes

XMP_KEY = "XML:com.adobe.xmp"
HOSTILE_XMP = {
    "a run of letters": b"a" * 900_000,
    "<?xml repeated, never closed": b"<?xml " * 150_000,
    "element starts never closed": b"<a:b " * 200_000,
    "attributes never closed": b'x:y="' * 200_000,
    "prefixes without names": b"a:" * 400_000,
    "namespace declarations never closed": b"xmlns:a='" * 100_000,
}


@pytest.mark.timeout(20)  # a guard, not a measurement: each takes well under a second
@pytest.mark.parametrize("name", sorted(HOSTILE_XMP))
def test_hostile_xmp_text_is_read_in_one_pass(name):
    packet = xmp.parse(HOSTILE_XMP[name].decode())
    assert packet.well_formed is False


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_a_photo_with_hostile_xmp_gets_its_findings(service, kind):
    photo = samples.photo(320, 240, seed=3)
    if kind == "png":
        data = samples.png(photo, [samples.png_text_chunk(XMP_KEY, b"a" * 900_000, "iTXt")])
    else:  # the largest XMP a JPEG segment holds
        data = samples.jpeg(photo, xmp=b"<?xml " * 10_000 + b"a" * 5_000)
    result = verify_bytes(service, data)
    assert result["verdict"]["level"] in ("none", "counter")
    assert all(f["strength"] != "error" for f in result["findings"])
    # the packet was read (and found to say nothing), not skipped
    checks = {c["check"]: c["status"] for c in result["checks"]}
    assert checks["aigc_label"] == "ok"
    assert checks["ai_metadata"] == "ok"

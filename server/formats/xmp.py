"""Tolerant XMP reading: real files carry malformed xpacket headers (`??>`) that strict
parsers reject, so processing instructions are dropped first and a regex reading is the
fallback when the XML itself is broken.

Everything here is linear in the packet's length, whatever the packet holds: the processing
instructions are cut with str.find, and the fallback patterns can start only where a name
starts and never backtrack into it (possessive quantifiers), so a hostile packet (a long run
of letters, `<?xml ` repeated without an end) costs no more than reading it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_DECL = re.compile(r"xmlns:([\w.-]++)\s*+=\s*+[\"']([^\"']*+)[\"']")
_ATTR = re.compile(r"(?<![\w.-])([\w.-]++):([\w.-]++)\s*+=\s*+\"([^\"]*+)\"")
_ELEM = re.compile(r"<([\w.-]++):([\w.-]++)(?:\s[^<>]*+)?>([^<]*+)</\1:\2>")


@dataclass(frozen=True)
class Prop:
    ns: str
    name: str
    value: str
    form: str  # element | attribute | list item


@dataclass
class Packet:
    props: list[Prop]
    well_formed: bool

    def find(self, ns: str | None, name: str) -> list[Prop]:
        return [p for p in self.props if p.name == name and (ns is None or p.ns == ns)]

    def first(self, ns: str | None, name: str) -> str | None:
        found = self.find(ns, name)
        return found[0].value if found else None


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _walk(el: Element, out: list[Prop]) -> None:
    for key, value in el.attrib.items():
        ns, local = _split(key)
        if ns != RDF:
            out.append(Prop(ns, local, value, "attribute"))
    ns, local = _split(el.tag)
    children = list(el)
    text = (el.text or "").strip()
    if ns != RDF and not children and text:
        out.append(Prop(ns, local, text, "element"))
    if ns != RDF and children:
        items = [(li.text or "").strip() for li in el.iter(f"{{{RDF}}}li")]
        out.extend(Prop(ns, local, item, "list item") for item in items if item)
    for child in children:
        _walk(child, out)


def _without_instructions(text: str) -> str:
    """The text with every `<?…?>` removed (an unclosed one runs to the end): one pass."""
    out, at = [], 0
    while (start := text.find("<?", at)) >= 0:
        out.append(text[at:start])
        end = text.find(">", start + 2)
        while end >= 0 and text[end - 1] != "?":  # a `>` inside the instruction
            end = text.find(">", end + 1)
        if end < 0:
            return "".join(out)
        at = end + 1
    out.append(text[at:])
    return "".join(out)


def parse(text: str) -> Packet:
    cleaned = _without_instructions(text).strip().strip("\x00")
    try:
        root = ElementTree.fromstring(cleaned)
    except Exception:
        return _parse_loose(cleaned)
    props: list[Prop] = []
    _walk(root, props)
    return Packet(props, well_formed=True)


def _parse_loose(text: str) -> Packet:
    prefixes = dict(_NS_DECL.findall(text))
    props = [
        Prop(prefixes.get(p, p), n, html.unescape(v).strip(), "element")
        for p, n, v in _ELEM.findall(text)
        if v.strip()
    ]
    props += [
        Prop(prefixes.get(p, p), n, html.unescape(v), "attribute")
        for p, n, v in _ATTR.findall(text)
        if p != "xmlns"
    ]
    return Packet(props, well_formed=False)

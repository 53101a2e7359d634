"""Normalising what people type and what organizations are called, the same way for
every backend: full-width characters to half-width (NFKC), case folded, spaces collapsed,
and recognising identifiers (unified social credit codes, EINs, org-ids) in a query.
"""

from __future__ import annotations

import re
import unicodedata

from orgs.identifiers import USCC_CHARSET

_SPACES = re.compile(r"\s+")
_CODE_SEPARATORS = re.compile(r"[\s\-_/.]")
_ORG_ID = re.compile(r"^(CN-USCC|US-EIN|GB-NIC|GB-CHC)-([0-9A-Z]+)$")
_CODE_CHARS = re.compile(rf"^[{USCC_CHARSET}]+$")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def strip_control(text: str) -> str:
    """``text`` without control characters and lone surrogates, which no name holds
    and PostgreSQL refuses in a string (NUL); what a request sends is never trusted."""
    return _CONTROL.sub("", text)


def normalize(text: str) -> str:
    """Half-width, lower-case, single-spaced text (what is indexed and what is asked)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def code_in_query(text: str) -> str | None:
    """The identifier (or fragment of one) a query consists of, upper-case and without
    separators, or None when the query is not code-like.

    A fragment needs at least four characters and one digit, so an English word is
    never taken for a code.
    """
    compact = _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    org_id = _ORG_ID.match(unicodedata.normalize("NFKC", text).strip().upper())
    if org_id:
        return org_id.group(2)
    looks_like_code = bool(_CODE_CHARS.match(compact)) or compact.isdigit()
    if len(compact) >= 4 and any(ch.isdigit() for ch in compact) and looks_like_code:
        return compact
    return None


def org_id_in_query(text: str) -> str | None:
    """The org-id a query names exactly (``CN-USCC-…``), upper-case, or None."""
    candidate = unicodedata.normalize("NFKC", text).strip().upper()
    return candidate if _ORG_ID.match(candidate) else None


def province_of(registry: str, region: str) -> str:
    """The province-level region: GB/T 2260's first two digits + ``0000`` in China,
    the region itself elsewhere (a US state, a country)."""
    if registry == "CN-MCA" and len(region) == 6 and region.isdigit():
        return region[:2] + "0000"
    return region


def regions_of(registry: str, region: str) -> list[str]:
    """Every region an organization is in, from its own up to its province, so a filter
    on a province or a city finds the organizations of its districts."""
    if not region:
        return []
    if registry == "CN-MCA" and len(region) == 6 and region.isdigit():
        return sorted({region, region[:4] + "00", region[:2] + "0000"}, reverse=True)
    return [region]


def mark(text: str, terms: list[str]) -> str:
    """``text`` HTML-escaped, with ``<mark>`` around each case-insensitive occurrence of
    any of ``terms`` (the embedded backend's highlighter)."""
    from django.utils.html import escape

    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, last = [], 0
    for found in pattern.finditer(unicodedata.normalize("NFKC", text)):
        out.append(escape(text[last : found.start()]))
        out.append(f"<mark>{escape(text[found.start() : found.end()])}</mark>")
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)


def best_highlight(
    name: str,
    name_en: str,
    former: list[str],
    org_id: str,
    tokens: list[str],
    code: str | None,
) -> str:
    """The name (current, English or former) that matched, with the query's words
    marked; the org-id with the code marked for a code query; else the name. Both
    backends highlight this way, so pages look the same whichever answered."""
    for candidate in [name, name_en, *former]:
        folded = normalize(candidate)
        if candidate and tokens and any(t in folded for t in tokens):
            return mark(candidate, tokens)
    if code and code in org_id:
        return mark(org_id, [code])
    return mark(name, [])

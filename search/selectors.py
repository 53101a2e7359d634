"""The reads views and the API call: one function to search, one to suggest, one to
find reconciliation candidates."""

from __future__ import annotations

from .backends import get_backend
from .query import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SearchQuery,
    SearchResults,
    Suggestion,
)
from .reconcile import Candidate, normalise_name
from .text import code_in_query, org_id_in_query, strip_control


def search_organizations(query: SearchQuery) -> SearchResults:
    """Organizations matching ``query``, with facets, from the configured backend.

    Raises ``InvalidSearch`` (a page beyond the last result, a bad cursor) and
    ``SearchUnavailable`` (the engine is down).
    """
    return get_backend().search(query)


def suggest(prefix: str, *, limit: int = 8) -> list[Suggestion]:
    """Names to complete what the user is typing, best first."""
    prefix = strip_control(prefix).strip()[:MAX_QUERY_LENGTH]
    if not prefix:
        return []
    return get_backend().suggest(prefix, limit=limit)


def search_reconcile_candidates(
    *,
    text: str,
    limit: int,
    org_type: tuple[str, ...] = (),
    registry: tuple[str, ...] = (),
    region: tuple[str, ...] = (),
) -> list[Candidate]:
    """Organizations that may be the one named ``text`` (a name, an org-id or an
    identifier), for the reconciliation API, best first by the engine's relevance.

    A few more than ``limit`` are fetched, so the reconciliation score (which
    normalises legal forms the engine does not) can reorder them.
    """
    text = strip_control(text).strip()[:MAX_QUERY_LENGTH]
    if not (code_in_query(text) or org_id_in_query(text)):
        # Legal forms and punctuation ("OXFAM LTD.") are not part of the name the
        # engine indexed; searching without them finds what the score compares.
        text = normalise_name(text) or text
    if not text:
        return []
    query = SearchQuery(
        text=text,
        org_type=org_type,
        registry=registry,
        region=region,
        page_size=min(max(limit * 2, 10), MAX_PAGE_SIZE),
    )
    return [
        Candidate(
            org_id=hit.org_id, name=hit.name, name_en=hit.name_en, org_type=hit.org_type
        )
        for hit in get_backend().search(query).hits
    ]

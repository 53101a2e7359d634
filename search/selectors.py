"""The reads views and the API call: one function to search, one to suggest, one to
read every hit for a download, one to find reconciliation candidates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from .backends import get_backend
from .query import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
)
from .reconcile import Candidate, normalise_name
from .text import code_in_query, org_id_in_query, strip_control

# A download of search results stops here: enough for any list a person reads in a
# spreadsheet, and the same as the deepest page the engine serves without a cursor.
# Larger extracts are the bulk downloads' job.
EXPORT_MAX_ROWS = 10_000


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


@dataclass(frozen=True)
class SearchExport:
    """Every hit of a search, up to ``limit``, read page by page as it is consumed.

    ``count`` is how many organizations match; the download holds ``min(count,
    limit)`` of them.
    """

    count: int
    limit: int
    hits: Iterator[SearchHit]

    @property
    def truncated(self) -> bool:
        return self.count > self.limit


def search_export(query: SearchQuery, *, limit: int | None = None) -> SearchExport:
    """The hits of ``query`` (its filters, text and sort; not its page) for a
    download, at most ``limit`` (default ``EXPORT_MAX_ROWS``). The first page is
    fetched now, so a bad query or an engine outage raises here, before a response
    has started; later pages follow the cursor while the download streams.
    """
    limit = EXPORT_MAX_ROWS if limit is None else limit
    backend = get_backend()
    query = replace(query, page=1, page_size=MAX_PAGE_SIZE, cursor="")
    first = backend.search(query)

    def hits() -> Iterator[SearchHit]:
        results, sent = first, 0
        while True:
            yield from results.hits[: limit - sent]
            sent += min(len(results.hits), limit - sent)
            if sent >= limit or not results.next_cursor or not results.hits:
                return
            results = backend.search(replace(query, cursor=results.next_cursor))

    return SearchExport(count=first.count, limit=limit, hits=hits())


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

"""The reads views and the API call: one function to search, one to suggest."""

from __future__ import annotations

from .backends import get_backend
from .query import MAX_QUERY_LENGTH, SearchQuery, SearchResults, Suggestion
from .text import strip_control


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

"""The search backends and the one place that chooses between them.

Both serve the same contract (``search.query``): ``elasticsearch`` when
``settings.ELASTICSEARCH_URL`` is set, else ``database`` (SQLite FTS5 trigram or
PostgreSQL pg_trgm over ``SearchEntry``). Feature code calls ``search.selectors`` and
never asks which one it got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from ..query import SearchQuery, SearchResults, Suggestion


class SearchUnavailable(RuntimeError):
    """The search engine cannot be reached or refused the request."""


@dataclass(frozen=True)
class IndexStatus:
    backend: str
    index: str
    documents: int | None
    detail: str = ""


class SearchBackend(Protocol):
    name: str

    def search(self, query: SearchQuery) -> SearchResults: ...

    def suggest(self, prefix: str, *, limit: int) -> list[Suggestion]: ...

    def index_organizations(self, ids: Iterable[int]) -> int:
        """Refresh the documents of these organizations (removing the deleted ones);
        returns how many were written or removed. Raises SearchUnavailable."""

    def rebuild(
        self, *, chunk_size: int, progress: Callable[[int], None] | None
    ) -> int:
        """Build the whole index anew without interrupting searches; returns the
        number of documents."""

    def status(self) -> IndexStatus: ...

    def refresh(self) -> None:
        """Make every write so far visible to searches (tests wait with this)."""


def get_backend() -> SearchBackend:
    """The configured backend: the only place that looks at ELASTICSEARCH_URL."""
    if settings.ELASTICSEARCH_URL:
        from .elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend.from_settings()
    from .database import DatabaseBackend

    return DatabaseBackend()

"""The embedded backend: the database's own text search over ``SearchEntry``.

SQLite: an FTS5 table with the trigram tokenizer (migration 0002), so any fragment of
three characters or more, Chinese or Latin, is found through the index, ranked by
bm25 with names weighted over codes and purpose; shorter fragments (a two-character
Chinese word) fall back to LIKE. PostgreSQL: LIKE on the case-folded ``document``
through a pg_trgm GIN index, ranked by word similarity; when nothing matches, pg_trgm's
word-similarity operator finds misspelt names (a wrong letter, a missing character).

On top of the engine's rank, the same rules as the Elasticsearch backend: an exact code
or org-id first, then exact names, name prefixes, the current name over former ones,
active organizations over the others. Measurements (docs/benchmarks.md) are why this is
not Wagtail's generic database search backend.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from ..documents import organization_records
from ..models import SearchEntry
from ..query import (
    FACETS,
    FacetValue,
    InvalidSearch,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
    facet_label,
)
from ..text import (
    best_highlight,
    code_in_query,
    normalize,
    org_id_in_query,
    province_of,
    regions_of,
)
from . import IndexStatus

# SQL below is assembled from this module's constants and placeholders only; every value
# that comes from a request is passed as a parameter.
FTS_TABLE = "search_searchentry_fts"
FILTER_COLUMNS = {
    "registry": "o.registry",
    "org_type": "o.org_type",
    "status": "o.status",
    "grade": "e.grade",
    "income_band": "e.income_band",
}
ORDER = {
    "relevance": "score DESC, o.name, o.org_id",
    "name": "o.name, o.org_id",
    "income": "e.latest_income DESC NULLS LAST, o.org_id",
    "grade": "CASE WHEN e.grade = '' THEN 1 ELSE 0 END, e.grade, score DESC, o.org_id",
}


def _like(fragment: str) -> str:
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Sql:
    """FROM + WHERE + score of one search, with its parameters (in order)."""

    def __init__(self, query: SearchQuery, *, fuzzy: bool = False) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self.text = normalize(query.text)
        self.tokens = self.text.split()
        self.code = code_in_query(query.text)
        self.org_id = org_id_in_query(query.text)
        self.fuzzy = fuzzy

    # -- text match -----------------------------------------------------------------
    def text_clause(self) -> tuple[str, list, str, list]:
        """(join, join params, condition, condition params); empty without text."""
        if not self.tokens:
            return "", [], "", []
        if self.sqlite:
            return self._sqlite_text()
        return self._postgres_text()

    def _sqlite_text(self) -> tuple[str, list, str, list]:
        long = [t for t in self.tokens if len(t) >= 3]
        short = [t for t in self.tokens if len(t) < 3]
        conditions, params = [], []
        for token in short:
            conditions.append("e.document LIKE %s ESCAPE '\\'")
            params.append(_like(token))
        if not long:
            if self.code:
                conditions = [f"(({' AND '.join(conditions)}) OR e.codes LIKE %s)"]
                params.append(_like(self.code))
            return "", [], " AND ".join(conditions), params
        # Short tokens cannot use the trigram index: they stay LIKE conditions on the
        # candidates the long ones find.
        expression = " AND ".join('"' + t.replace('"', '""') + '"' for t in long)
        if self.code and len(self.code) >= 3:
            expression = f'({expression}) OR codes : "{self.code}"'
        join = f"JOIN {FTS_TABLE} f ON f.rowid = e.organization_id"
        condition = f"{FTS_TABLE} MATCH %s"
        return join, [], " AND ".join([condition, *conditions]), [expression, *params]

    def _postgres_text(self) -> tuple[str, list, str, list]:
        if self.fuzzy:
            return "", [], *self._postgres_fuzzy()
        # One LIKE per token (not LIKE ALL of an array, which no index serves), on
        # text already case-folded, so the pg_trgm GIN index answers each of them.
        condition = " AND ".join(["e.document LIKE %s ESCAPE '\\'"] * len(self.tokens))
        params: list = [_like(t) for t in self.tokens]
        if self.code:
            # ``document`` holds the codes too, so both sides use its trigram index.
            condition = f"(({condition}) OR e.document LIKE %s ESCAPE '\\')"
            params.append(_like(self.code.lower()))
        return "", [], condition, params

    def _postgres_fuzzy(self) -> tuple[str, list]:
        """Every word must match, as on Elasticsearch (``operator: and``): a word of
        four characters or more may be misspelt (pg_trgm word similarity against the
        names), a shorter one must occur as it is. Matching the whole text at once
        would let one good word carry a query whose other words match nothing."""
        conditions, params = [], []
        for token in self.tokens:
            if len(token) >= 4:
                conditions.append("%s <%% e.names")
                params.append(token)
            else:
                conditions.append("e.document LIKE %s ESCAPE '\\'")
                params.append(_like(token))
        return " AND ".join(conditions), params

    # -- filters ----------------------------------------------------------------------
    def filter_clause(self, query: SearchQuery) -> tuple[list[str], list]:
        conditions, params = [], []
        for facet, values in query.filters.items():
            marks = ", ".join(["%s"] * len(values))
            if facet == "region":
                conditions.append(
                    f"(o.region IN ({marks}) OR (o.registry = 'CN-MCA' AND "
                    f"(substr(o.region, 1, 4) || '00' IN ({marks}) OR "
                    f"substr(o.region, 1, 2) || '0000' IN ({marks}))))"
                )
                params += [*values, *values, *values]
            elif facet == "lists":
                conditions.append(
                    "(" + " OR ".join(["e.lists LIKE %s"] * len(values)) + ")"
                )
                params += [f"% {value} %" for value in values]
            else:
                conditions.append(f"{FILTER_COLUMNS[facet]} IN ({marks})")
                params += list(values)
        return conditions, params

    # -- score -------------------------------------------------------------------------
    def score(self) -> tuple[str, list]:
        parts = ["(CASE WHEN o.status = 'active' THEN 100 ELSE 0 END)"]
        params: list = []
        if self.org_id or self.code:
            parts.append(
                "(CASE WHEN o.org_id = %s OR o.identifier = %s THEN 1000 "
                "WHEN o.identifier LIKE %s ESCAPE '\\' THEN 200 ELSE 0 END)"
            )
            code = self.code or ""
            params += [self.org_id or "", code, code.replace("%", "") + "%"]
        if self.tokens:
            parts.append(
                "(CASE WHEN e.name = %s THEN 500 "
                "WHEN e.names LIKE %s ESCAPE '\\' THEN 300 ELSE 0 END)"
            )
            params += [self.text, _like("\n" + self.text + "\n")]
            parts.append(
                "(CASE WHEN e.name LIKE %s ESCAPE '\\' THEN 60 "
                "WHEN e.name LIKE %s ESCAPE '\\' THEN 30 ELSE 0 END)"
            )
            params += [_like(self.text)[1:], _like(self.text)]
            parts.append("(0 - length(e.name) * 0.1)")
            if self.sqlite and any(len(t) >= 3 for t in self.tokens):
                parts.append(f"(0 - bm25({FTS_TABLE}, 10.0, 10.0, 1.0))")
            elif not self.sqlite:
                parts.append("(word_similarity(%s, e.names) * 50)")
                params.append(self.text)
        return " + ".join(parts), params

    def where(self, query: SearchQuery) -> tuple[str, str, list]:
        """(FROM ... JOIN ..., WHERE ..., params) for ``query`` (filters may differ
        from the text's own query: facets drop their own filter)."""
        join, join_params, text_condition, text_params = self.text_clause()
        conditions, params = self.filter_clause(query)
        if text_condition:
            conditions.insert(0, text_condition)
            params = [*text_params, *params]
        source = (
            "search_searchentry e JOIN orgs_organization o ON o.id = e.organization_id "
            + join
        )
        where = " AND ".join(conditions) or "1 = 1"
        return source, where, [*join_params, *params]


class DatabaseBackend:
    name = "database"

    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        sql = _Sql(query)
        combinations = self._combinations(sql)
        count = _count(combinations, query.filters)
        if count == 0 and connection.vendor != "sqlite" and _fuzzy_worthy(sql):
            sql = _Sql(query, fuzzy=True)
            combinations = self._combinations(sql)
            count = _count(combinations, query.filters)
        offset = _offset(query)
        if offset and offset >= count:
            raise InvalidSearch("The page is beyond the last result.", field="page")
        rows = self._page(sql, query, offset) if count else []
        next_offset = offset + len(rows)
        return SearchResults(
            count=count,
            hits=_hits(rows, sql.tokens, sql.code),
            facets={
                facet: _facet(combinations, query.without(facet).filters, facet)
                for facet in FACETS
            },
            backend=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            next_cursor=_cursor(next_offset) if next_offset < count else "",
            query=query,
        )

    def _combinations(self, sql: _Sql) -> list[tuple]:
        """Matches of the text alone, counted by every combination of facet values:
        one scan gives the count and every facet, each facet ignoring its own filter
        (filters are applied to these few rows in Python)."""
        source, where, params = sql.where(SearchQuery())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT o.registry, o.org_type, o.region, o.status, e.grade, "  # noqa: S608 (constants; values are parameters)
                f"e.income_band, e.lists, count(*) FROM {source} WHERE {where} "
                "GROUP BY o.registry, o.org_type, o.region, o.status, e.grade, "
                "e.income_band, e.lists",
                params,
            )
            return cursor.fetchall()

    def _page(self, sql: _Sql, query: SearchQuery, offset: int) -> list[tuple]:
        source, where, params = sql.where(query)
        score, score_params = sql.score()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT o.id, o.org_id, o.name, o.name_en, o.org_type, o.region, "  # noqa: S608 (constants; values are parameters)
                f"o.status, e.grade, {score} AS score FROM {source} WHERE {where} "
                f"ORDER BY {ORDER[query.sort]} LIMIT %s OFFSET %s",
                [*score_params, *params, query.page_size, offset],
            )
            return cursor.fetchall()

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        text = normalize(prefix)
        if not text:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT o.org_id, o.name, o.name_en FROM search_searchentry e "
                "JOIN orgs_organization o ON o.id = e.organization_id "
                "WHERE e.names LIKE %s ESCAPE '\\' ORDER BY "
                "CASE WHEN e.name LIKE %s ESCAPE '\\' THEN 0 ELSE 1 END, "
                "CASE WHEN o.status = 'active' THEN 0 ELSE 1 END, length(e.name), o.name "
                "LIMIT %s",
                [_like("\n" + text), _like(text)[1:], limit],
            )
            return [Suggestion(*row) for row in cursor.fetchall()]

    # -- indexing ----------------------------------------------------------------------
    def index_organizations(self, ids: Iterable[int]) -> int:
        wanted = set(ids)
        written = 0
        with transaction.atomic():
            for records in organization_records(wanted):
                _write(records)
                written += len(records)
                wanted -= {r.id for r in records}
            if wanted:
                written += SearchEntry.objects.filter(
                    organization_id__in=wanted
                ).delete()[0]
        return written

    def rebuild(
        self, *, chunk_size: int = 2000, progress: Callable[[int], None] | None = None
    ) -> int:
        """Rewrites every entry in one transaction, so searches see the old entries
        until it commits."""
        total = 0
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            for records in organization_records(chunk_size=chunk_size):
                SearchEntry.objects.bulk_create(
                    SearchEntry(organization_id=r.id, **r.search_text())
                    for r in records
                )
                total += len(records)
                if progress:
                    progress(len(records))
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"  # noqa: S608 (constants; values are parameters)
                    )
        return total

    def status(self) -> IndexStatus:
        engine = (
            "SQLite FTS5 trigram"
            if connection.vendor == "sqlite"
            else "PostgreSQL pg_trgm"
        )
        return IndexStatus(
            backend=self.name,
            index=f"search_searchentry ({engine})",
            documents=SearchEntry.objects.count(),
        )

    def refresh(self) -> None:
        """Writes are visible once committed: nothing to wait for."""


def _write(records) -> None:
    ids = [r.id for r in records]
    SearchEntry.objects.filter(organization_id__in=ids).delete()
    SearchEntry.objects.bulk_create(
        SearchEntry(organization_id=r.id, **r.search_text()) for r in records
    )


_COLUMN = {"registry": 0, "org_type": 1, "status": 3, "grade": 4, "income_band": 5}
_LISTS = 6


def _matches(combination: tuple, filters: dict[str, tuple[str, ...]]) -> bool:
    registry, region = combination[0], combination[2]
    for facet, values in filters.items():
        if facet == "region":
            if not set(values) & set(regions_of(registry, region)):
                return False
        elif facet == "lists":
            if not set(values) & set(combination[_LISTS].split()):
                return False
        elif combination[_COLUMN[facet]] not in values:
            return False
    return True


def _count(combinations: list[tuple], filters: dict[str, tuple[str, ...]]) -> int:
    return sum(c[-1] for c in combinations if _matches(c, filters))


def _facet(
    combinations: list[tuple], filters: dict[str, tuple[str, ...]], facet: str
) -> list[FacetValue]:
    counts: Counter[str] = Counter()
    for combination in combinations:
        if not _matches(combination, filters):
            continue
        if facet == "region":
            values = [province_of(combination[0], combination[2])]
        elif facet == "lists":
            values = combination[_LISTS].split()
        else:
            values = [combination[_COLUMN[facet]]]
        for value in values:
            if value:
                counts[value] += combination[-1]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:50]
    return [FacetValue(v, facet_label(facet, v), n) for v, n in ranked]


def _fuzzy_worthy(sql: _Sql) -> bool:
    """Typo tolerance is tried for text of four characters or more that found
    nothing (a misspelt English word, a Chinese name with a character missing)."""
    return len(sql.text) >= 4 and not sql.code


def _offset(query: SearchQuery) -> int:
    if not query.cursor:
        return query.offset
    try:
        decoded = json.loads(base64.urlsafe_b64decode(query.cursor.encode()))
        offset = decoded["offset"]
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidSearch("Invalid cursor.", field="cursor") from error
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidSearch("Invalid cursor.", field="cursor")
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _hits(rows, tokens: list[str], code: str | None) -> list[SearchHit]:
    from orgs.models import FormerName

    former: dict[int, list[str]] = {}
    for org_pk, name in FormerName.objects.filter(
        organization_id__in=[row[0] for row in rows]
    ).values_list("organization_id", "name"):
        former.setdefault(org_pk, []).append(name)
    hits = []
    for org_pk, org_id, name, name_en, org_type, region, status, grade, _score in rows:
        highlight = best_highlight(
            name, name_en, former.get(org_pk, []), org_id, tokens, code
        )
        hits.append(
            SearchHit(
                org_id=org_id,
                name=name,
                name_en=name_en,
                org_type=org_type,
                region=region,
                status=status,
                grade=grade or None,
                highlight=highlight,
            )
        )
    return hits

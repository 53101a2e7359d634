"""The Elasticsearch backend: queries, facets, highlighting and indexing.

Searches go to an alias (``<prefix>-organizations``); a rebuild fills a new
timestamped index and swaps the alias in one atomic request, then deletes the old
indices, so searches keep answering throughout. While a rebuild runs, ``search_sync``
writes to every index of the alias, and the rebuild only creates documents that are not
there yet, so a change made during a rebuild is never overwritten by the older copy the
rebuild read.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.dsl import Index, Q, Search
from elasticsearch.helpers import streaming_bulk

from ..documents import OrganizationDocument, organization_records
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
from ..text import best_highlight, code_in_query, normalize, org_id_in_query
from . import IndexStatus, SearchUnavailable

FILTER_FIELDS = {
    "registry": "registry",
    "org_type": "org_type",
    "region": "regions",
    "status": "status",
    "grade": "grade",
    "income_band": "income_band",
    "lists": "lists",
}
FACET_FIELDS = {**FILTER_FIELDS, "region": "province"}
SORTS = {
    "relevance": ["_score", "name.sort", "org_id"],
    "name": ["name.sort", "org_id"],
    "income": [{"latest_income": {"order": "desc", "missing": "_last"}}, "org_id"],
    "grade": [{"grade": {"order": "asc", "missing": "_last"}}, "_score", "org_id"],
}
HIT_FIELDS = [
    "org_id",
    "name",
    "name_en",
    "former_names",
    "org_type",
    "region",
    "status",
    "grade",
]
NAME_FIELDS = [
    "name^3",
    "name.english^2",
    "name_en^3",
    "name_en.english^2",
    "former_names^1.5",
    "former_names.english",
]
ERRORS = (ApiError, TransportError)


@functools.cache
def _client(url: str, options: tuple) -> Elasticsearch:
    return Elasticsearch(url, **dict(options))


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, *, client: Elasticsearch, index_prefix: str) -> None:
        self.client = client
        self.alias = f"{index_prefix}-organizations"

    @classmethod
    def from_settings(cls) -> ElasticsearchBackend:
        options = tuple(sorted(settings.ELASTICSEARCH_OPTIONS.items()))
        return cls(
            client=_client(settings.ELASTICSEARCH_URL, options),
            index_prefix=settings.SEARCH_INDEX_PREFIX,
        )

    # -- searching ---------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        response = self._execute(query, tolerant=False)
        engine_took = response.took
        if response.hits.total.value == 0 and _worth_a_tolerant_retry(query.text):
            response = self._execute(query, tolerant=True)
            engine_took += response.took
        count = response.hits.total.value
        if query.offset and not query.cursor and query.offset >= count:
            raise InvalidSearch("The page is beyond the last result.", field="page")
        code = code_in_query(query.text)
        tokens = normalize(query.text).split()
        hits = [_hit(hit, tokens, code) for hit in response.hits]
        shown = (query.offset if not query.cursor else 0) + len(hits)
        more = len(hits) == query.page_size and (query.cursor or shown < count)
        return SearchResults(
            count=count,
            hits=hits,
            facets={
                facet: [
                    FacetValue(b["key"], facet_label(facet, b["key"]), b["doc_count"])
                    for b in _buckets(response.aggregations[facet])
                ]
                for facet in FACETS
            },
            backend=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            engine_took_ms=engine_took,
            next_cursor=_encode(list(response.hits[-1].meta.sort)) if more else "",
            query=query,
        )

    def _execute(self, query: SearchQuery, *, tolerant: bool):
        search = (
            Search(using=self.client, index=self.alias)
            .query(self._scored(query.text, tolerant=tolerant))
            .post_filter(Q("bool", filter=_filters(query)))
            .sort(*SORTS[query.sort])
            .source(HIT_FIELDS)
            .extra(track_total_hits=True)
        )
        for facet in FACETS:
            # Each facet counts with every filter but its own; without such filters
            # a plain terms aggregation is markedly cheaper than a filtered one.
            others = _filters(query.without(facet))
            terms = {"field": FACET_FIELDS[facet], "size": 50}
            if others:
                search.aggs.bucket(
                    facet, "filter", filter=Q("bool", filter=others)
                ).bucket("values", "terms", **terms)
            else:
                search.aggs.bucket(facet, "terms", **terms)
        if query.cursor:
            search = search.extra(
                search_after=_decode(query.cursor, SORTS[query.sort]),
                size=query.page_size,
            )
        else:
            search = search[query.offset : query.offset + query.page_size]
        try:
            return search.execute()
        except ApiError as error:
            if query.cursor and error.status_code == 400:
                # Sort values the engine cannot compare with its own.
                raise InvalidSearch("Invalid cursor.", field="cursor") from error
            raise SearchUnavailable(str(error)) from error
        except TransportError as error:
            raise SearchUnavailable(str(error)) from error

    def _scored(self, text: str, *, tolerant: bool = False) -> Q:
        """Relevance: exact codes, then exact names, then phrase, words (with typos
        in Latin text) and prefixes; active organizations ahead of the others."""
        folded = normalize(text)
        if not folded:
            matched = Q("match_all")
        else:
            should = [
                Q("term", **{"name.exact": {"value": folded, "boost": 40}}),
                Q("term", **{"name_en.exact": {"value": folded, "boost": 40}}),
                Q("term", **{"former_names.exact": {"value": folded, "boost": 25}}),
                Q("match", **{"name.prefix": {"query": folded, "boost": 4}}),
                Q("match", **{"name_en.prefix": {"query": folded, "boost": 3}}),
            ]
            code = code_in_query(text)
            org_id = org_id_in_query(text)
            if org_id:
                should.append(Q("term", org_id={"value": org_id, "boost": 200}))
            if code:
                # A code is looked up as a code: word matching of a long token (with
                # typo tolerance) across every name field costs far more and finds
                # nothing better.
                should += [
                    Q("term", identifier={"value": code, "boost": 200}),
                    Q("prefix", identifier={"value": code, "boost": 60}),
                    Q("prefix", identifier_reversed={"value": code[::-1], "boost": 40}),
                ]
            else:
                should += self._words(folded, tolerant=tolerant)
            matched = Q("bool", should=should, minimum_should_match=1)
        return Q(
            "function_score",
            query=matched,
            functions=[{"filter": Q("term", active=True), "weight": 1.5}],
            score_mode="multiply",
            boost_mode="multiply",
        )

    @staticmethod
    def _words(folded: str, *, tolerant: bool) -> list[Q]:
        """Phrase and word matches. Latin text is matched in every name field, with
        stemming and typo tolerance; text without Latin letters only in the Chinese
        (bigram) fields, where the English analyzer's single characters would make
        the most expensive conjunctions of all and add nothing. ``tolerant`` (a retry
        after no result) lets a Chinese query miss a few bigrams: a wrong or missing
        character."""
        latin = any("a" <= ch <= "z" for ch in folded)
        fields = NAME_FIELDS if latin else ["name^3", "former_names^1.5"]
        if tolerant:
            return [
                Q(
                    "multi_match",
                    query=folded,
                    fields=fields,
                    type="best_fields",
                    minimum_should_match="2<-1 5<75%",
                    fuzziness="AUTO" if latin else 0,
                    prefix_length=1,
                )
            ]
        words = [
            Q("match_phrase", name={"query": folded, "boost": 8}),
            Q("match_phrase", former_names={"query": folded, "boost": 3}),
            Q(
                "multi_match",
                query=folded,
                fields=fields,
                type="best_fields",
                operator="and",
                fuzziness="AUTO" if latin else 0,
                prefix_length=1,
                boost=2,
            ),
            Q("match", purpose={"query": folded, "operator": "and", "boost": 0.3}),
        ]
        if latin:
            words.append(Q("match_phrase", name_en={"query": folded, "boost": 6}))
        return words

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        folded = normalize(prefix)
        if not folded:
            return []
        should = [
            Q("match", **{"name.prefix": {"query": folded, "boost": 3}}),
            Q("match", **{"name_en.prefix": {"query": folded, "boost": 3}}),
            Q("match_phrase", name={"query": folded}),
            Q("match_phrase_prefix", name_en={"query": folded}),
        ]
        code = code_in_query(prefix)
        if code:
            should.append(Q("prefix", identifier={"value": code, "boost": 5}))
        search = (
            Search(using=self.client, index=self.alias)
            .query(
                Q(
                    "function_score",
                    query=Q("bool", should=should, minimum_should_match=1),
                    functions=[{"filter": Q("term", active=True), "weight": 1.5}],
                    boost_mode="multiply",
                )
            )
            .source(["org_id", "name", "name_en"])
            .extra(size=limit)
        )
        try:
            response = search.execute()
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error
        return [
            Suggestion(hit.org_id, hit.name, getattr(hit, "name_en", "") or "")
            for hit in response.hits
        ]

    # -- indexing ----------------------------------------------------------------------
    def index_organizations(self, ids: Iterable[int]) -> int:
        """Writes (or deletes) these organizations' documents in every index of the
        alias, including one a rebuild is filling."""
        wanted = set(ids)
        if not wanted:
            return 0
        targets = self._indices() or [self._create_index()]
        actions = []
        for records in organization_records(wanted):
            for record in records:
                wanted.discard(record.id)
                for index in targets:
                    actions.append(
                        {
                            "_index": index,
                            "_id": record.id,
                            "_source": record.as_document(),
                        }
                    )
        for org_pk in wanted:
            for index in targets:
                actions.append({"_op_type": "delete", "_index": index, "_id": org_pk})
        done = 0
        try:
            for ok, item in streaming_bulk(
                self.client,
                actions,
                chunk_size=500,
                max_retries=3,
                raise_on_error=False,
                raise_on_exception=True,
            ):
                if not ok and not _is_missing(item):
                    raise SearchUnavailable(f"bulk item failed: {item}")
                done += 1
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error
        return done // len(targets)

    def rebuild(
        self, *, chunk_size: int = 2000, progress: Callable[[int], None] | None = None
    ) -> int:
        """Fill a new index and swap the alias to it.

        The database is read in this thread (Django connections are per thread) while
        up to two bulk requests run in worker threads, so reading and indexing overlap.
        """
        new = self._create_index(refresh_interval="-1", alias=False)
        total = 0
        try:
            self.client.indices.put_settings(
                index=new, settings={"index": {"translog": {"durability": "async"}}}
            )
            with ThreadPoolExecutor(max_workers=2) as pool:
                pending: deque = deque()
                for records in organization_records(chunk_size=chunk_size):
                    actions = [
                        {
                            "_op_type": "create",
                            "_index": new,
                            "_id": record.id,
                            "_source": record.as_document(),
                        }
                        for record in records
                    ]
                    pending.append(pool.submit(self._bulk_create, actions))
                    while len(pending) > 2:
                        pending.popleft().result()
                    total += len(records)
                    if progress:
                        progress(len(records))
                for future in pending:
                    future.result()
            self.client.indices.put_settings(
                index=new,
                settings={
                    "index": {
                        "refresh_interval": "1s",
                        "translog": {"durability": "request"},
                    }
                },
            )
            self.client.indices.refresh(index=new)
            old = [name for name in self._indices() if name != new]
            live = self._aliased()
            self.client.indices.update_aliases(
                actions=[{"add": {"index": new, "alias": self.alias}}]
                + [
                    {"remove": {"index": name, "alias": self.alias}}
                    for name in live
                    if name != new
                ]
            )
            for name in old:
                self.client.indices.delete(index=name)
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error
        return total

    def _bulk_create(self, actions: list[dict]) -> None:
        for ok, item in streaming_bulk(
            self.client,
            actions,
            chunk_size=max(len(actions), 1),
            max_chunk_bytes=20 * 1024 * 1024,
            max_retries=3,
            raise_on_error=False,
        ):
            # 409: search_sync wrote a fresher copy while the rebuild was reading.
            if not ok and item.get("create", {}).get("status") != 409:
                raise SearchUnavailable(f"bulk item failed: {item}")

    def ensure_index(self) -> str:
        """The live index, created (empty) behind the alias when there is none."""
        live = self._aliased()
        return live[0] if live else self._create_index()

    def _create_index(self, *, refresh_interval: str = "1s", alias: bool = True) -> str:
        """A new empty index; behind the alias if ``alias`` and none is there yet."""
        name = f"{self.alias}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}"
        index = Index(name, using=self.client)
        index.settings(
            number_of_shards=settings.SEARCH_INDEX_SHARDS,
            number_of_replicas=settings.SEARCH_INDEX_REPLICAS,
            refresh_interval=refresh_interval,
        )
        index.document(OrganizationDocument)
        try:
            index.create()
            if alias and not self._aliased():
                self.client.indices.put_alias(index=name, name=self.alias)
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error
        return name

    def _aliased(self) -> list[str]:
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                return []
            return sorted(self.client.indices.get_alias(name=self.alias))
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error

    def _indices(self) -> list[str]:
        try:
            found = self.client.indices.get(
                index=f"{self.alias}-*", expand_wildcards="open"
            )
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error
        return sorted(found)

    def status(self) -> IndexStatus:
        try:
            live = self._aliased()
            if not live:
                return IndexStatus(self.name, f"{self.alias} (no index)", None)
            count = self.client.count(index=self.alias)["count"]
            health = self.client.cluster.health()["status"]
        except SearchUnavailable as error:
            return IndexStatus(self.name, self.alias, None, f"unreachable: {error}")
        return IndexStatus(
            self.name,
            f"{self.alias} -> {', '.join(live)}",
            count,
            f"cluster {health}",
        )

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=f"{self.alias}*")
        except ERRORS as error:
            raise SearchUnavailable(str(error)) from error

    def delete_all(self) -> None:
        """Remove the alias and every index of it (tests clean up with this)."""
        self.client.indices.delete(
            index=f"{self.alias}-*", ignore_unavailable=True, allow_no_indices=True
        )


def _worth_a_tolerant_retry(text: str) -> bool:
    """A Chinese query of three characters or more that found nothing may hold a
    wrong or missing character."""
    folded = normalize(text)
    return (
        len(folded) >= 3
        and not code_in_query(text)
        and not any("a" <= ch <= "z" for ch in folded)
    )


def _filters(query: SearchQuery) -> list[Q]:
    return [
        Q("terms", **{FILTER_FIELDS[facet]: list(values)})
        for facet, values in query.filters.items()
    ]


def _buckets(aggregation) -> list:
    inner = getattr(aggregation, "values", None)
    return (
        inner if inner is not None and hasattr(inner, "buckets") else aggregation
    ).buckets


def _hit(hit, tokens: list[str], code: str | None) -> SearchHit:
    name_en = getattr(hit, "name_en", "") or ""
    return SearchHit(
        org_id=hit.org_id,
        name=hit.name,
        name_en=name_en,
        org_type=hit.org_type,
        region=getattr(hit, "region", "") or "",
        status=hit.status,
        grade=getattr(hit, "grade", None) or None,
        highlight=best_highlight(
            hit.name,
            name_en,
            list(getattr(hit, "former_names", None) or []),
            hit.org_id,
            tokens,
            code,
        ),
    )


def _is_missing(item: dict) -> bool:
    return item.get("delete", {}).get("status") == 404


def _encode(sort_values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode()


def _decode(cursor: str, sort: list) -> list:
    """The sort values of a cursor: one scalar per sort key of the query's sort."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise InvalidSearch("Invalid cursor.", field="cursor") from error
    if (
        not isinstance(values, list)
        or len(values) != len(sort)
        or not all(v is None or isinstance(v, str | int | float) for v in values)
    ):
        raise InvalidSearch("Invalid cursor.", field="cursor")
    return values

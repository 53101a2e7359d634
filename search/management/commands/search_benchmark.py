"""Measure search: relevance on the judged query set, and latency on the real index.

``--relevance`` writes the fixture registry of ``search/relevance.py`` inside a
transaction that is rolled back, indexes it alone (a throwaway Elasticsearch index; the
embedded backend's entries inside the same transaction) and prints MRR and recall@10
for each backend: the database one always, Elasticsearch when ELASTICSEARCH_URL is set.
It needs an empty registry, so run it on a scratch database.

``--latency`` only reads: a fixed mix of queries built from the organizations in the
database (exact names, fragments, codes, partial codes, English names, misspellings,
filters) goes through ``/api/v1/search`` with Django's test client, and the command
prints p50/p95/p99 of the API time, of the search inside it, and of the engine's own
``took`` where the engine gives one. Index the registry first (search_index --rebuild).

The figures go to docs/benchmarks.md with the command line that produced them.
"""

from __future__ import annotations

import random
import re
import statistics
import time
import uuid
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from rest_framework.throttling import AnonRateThrottle

from orgs.models import FormerName, Organization
from search.backends import get_backend
from search.relevance import QUERIES, REGISTRY, evaluate
from search.selectors import search_organizations
from search.text import province_of


class _Rollback(Exception):
    """Raised to roll the relevance fixture back."""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Command(BaseCommand):
    help = "Report search relevance (MRR, recall@10) and latency (p50/p95/p99)."

    def add_arguments(self, parser):
        parser.add_argument("--relevance", action="store_true")
        parser.add_argument("--latency", action="store_true")
        parser.add_argument("--queries", type=int, default=400)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if not options["relevance"] and not options["latency"]:
            raise CommandError("Choose --relevance and/or --latency.")
        if options["relevance"]:
            self.relevance()
        if options["latency"]:
            self.latency(options["queries"], options["seed"])

    # -- relevance -------------------------------------------------------------------
    def relevance(self) -> None:
        if Organization.objects.exists():
            raise CommandError(
                "--relevance needs an empty registry: run it on a scratch database."
            )
        backends = [("database", "")]
        if settings.ELASTICSEARCH_URL:
            backends.append(("elasticsearch", settings.ELASTICSEARCH_URL))
        for name, url in backends:
            prefix = f"benchmark-{uuid.uuid4().hex[:8]}"
            with override_settings(ELASTICSEARCH_URL=url, SEARCH_INDEX_PREFIX=prefix):
                try:
                    with transaction.atomic():
                        self._relevance_of(name)
                        raise _Rollback
                except _Rollback:
                    pass
                finally:
                    if url:
                        get_backend().delete_all()

    def _relevance_of(self, name: str) -> None:
        fields_by_key, ids = {}, []
        for serial, fixture in enumerate(REGISTRY):
            fields = fixture.fields(serial)
            org = Organization.objects.create(**fields)
            FormerName.objects.bulk_create(
                FormerName(organization=org, name=n) for n in fixture.former_names
            )
            fields_by_key[fixture.key] = fields
            ids.append(org.id)
        backend = get_backend()
        backend.index_organizations(ids)
        backend.refresh()
        report = evaluate(
            lambda query: [h.org_id for h in search_organizations(query).hits],
            fields_by_key,
            QUERIES,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{name}: {report.queries} queries over {len(REGISTRY)} organizations, "
                f"MRR {report.mrr:.3f}, recall@10 {report.recall_at_10:.3f}"
            )
        )
        typo_free = [q for q in QUERIES if not q.typo]
        strict = evaluate(
            lambda query: [h.org_id for h in search_organizations(query).hits],
            fields_by_key,
            typo_free,
        )
        self.stdout.write(
            f"    without the {len(QUERIES) - len(typo_free)} misspellings: "
            f"MRR {strict.mrr:.3f}, recall@10 {strict.recall_at_10:.3f}"
        )
        for kind, mrr in report.kind_mrr().items():
            self.stdout.write(f"    {kind:<18} MRR {mrr:.3f}")
        if self.verbosity > 1:
            for miss in report.misses:
                self.stdout.write(f"    not first: {miss}")

    # -- latency -----------------------------------------------------------------------
    def latency(self, count: int, seed: int) -> None:
        queries = query_mix(count, seed)
        if not queries:
            raise CommandError("The registry is empty: index one first.")
        client = Client()
        api, search, engine = [], [], []
        ranks: dict[str, list[int | None]] = {}
        # The anonymous rate limit would stop the run; it is not what is measured.
        with (
            override_settings(ALLOWED_HOSTS=["testserver"]),
            mock.patch.object(AnonRateThrottle, "allow_request", return_value=True),
        ):
            for _, params, _ in queries[:20]:  # warm caches, connections, imports
                client.get("/api/v1/search", params)
            for kind, params, expected in queries:
                started = time.perf_counter()
                response = client.get("/api/v1/search", params)
                api.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{params}: {response.status_code}")
                timing = dict(
                    re.findall(r"(\w+);dur=([\d.]+)", response["Server-Timing"])
                )
                search.append(float(timing["search"]))
                if "engine" in timing:
                    engine.append(float(timing["engine"]))
                if expected:
                    # The demo registry repeats names: any namesake is right.
                    hits = response.json()["results"]
                    rank = next(
                        (
                            i
                            for i, hit in enumerate(hits, 1)
                            if {hit["name"], hit["name_en"]} & expected
                        ),
                        None,
                    )
                    ranks.setdefault(kind, []).append(rank)
        backend = get_backend()
        self.stdout.write(
            f"{len(queries)} queries, {backend.name} backend, "
            f"{Organization.objects.count():,} organizations"
        )
        for label, values in (
            ("API (test client)", api),
            ("search_organizations", search),
            ("engine took", engine),
        ):
            if values:
                self.stdout.write(
                    f"    {label:<22} p50 {percentile(values, 0.5):7.1f} ms  "
                    f"p95 {percentile(values, 0.95):7.1f} ms  "
                    f"p99 {percentile(values, 0.99):7.1f} ms  "
                    f"mean {statistics.fmean(values):7.1f} ms"
                )
        self.stdout.write(
            "    the organization the query was made from (or a namesake):"
        )
        for kind, found in ranks.items():
            first = sum(rank == 1 for rank in found) / len(found)
            top = sum(rank is not None for rank in found) / len(found)
            self.stdout.write(
                f"    {kind:<22} first {first:6.1%}  in the first 20 {top:6.1%}"
                f"  ({len(found)} queries)"
            )


def query_mix(
    count: int, seed: int
) -> list[tuple[str, dict[str, str], set[str] | None]]:
    """A fixed mix of realistic requests built from random organizations: (kind,
    parameters, the names of the organization it should find first, or None where
    many are right)."""
    rng = random.Random(seed)  # noqa: S311 (sampling, not security)
    last = Organization.objects.order_by("-id").values_list("id", flat=True).first()
    if not last:
        return []
    picks = [rng.randint(1, last) for _ in range(count * 2)]
    orgs = list(
        Organization.objects.filter(id__in=picks).values(
            "name", "name_en", "identifier", "org_id", "registry", "region"
        )
    )
    rng.shuffle(orgs)
    makers = [
        ("exact name", True, lambda o: {"q": o["name"]}),
        ("name fragment", False, lambda o: {"q": _fragment(rng, o["name"])}),
        ("code", True, lambda o: {"q": o["identifier"]}),
        ("code prefix", False, lambda o: {"q": o["identifier"][: rng.randint(8, 14)]}),
        ("English name", True, lambda o: {"q": o["name_en"] or o["name"]}),
        (
            "one letter missing",
            True,
            lambda o: {"q": _misspell(rng, o["name_en"] or o["name"])},
        ),
        (
            "fragment + region",
            False,
            lambda o: {
                "q": _fragment(rng, o["name"]),
                "region": province_of(o["registry"], o["region"]),
            },
        ),
        (
            "common word",
            False,
            lambda o: {
                "q": rng.choice(["慈善", "基金会", "协会", "教育", "foundation"])
            },
        ),
        (
            "fragment, by income",
            False,
            lambda o: {"q": _fragment(rng, o["name"]), "sort": "income"},
        ),
    ]
    mix = []
    for i, org in enumerate(orgs[:count]):
        kind, judged, make = makers[i % len(makers)]
        names = {org["name"], org["name_en"]} - {""}
        mix.append((kind, make(org), names if judged else None))
    return mix


def _fragment(rng: random.Random, name: str) -> str:
    if len(name) <= 3:
        return name
    size = rng.randint(2, min(5, len(name) - 1))
    start = rng.randint(0, len(name) - size)
    return name[start : start + size]


def _misspell(rng: random.Random, name: str) -> str:
    if len(name) < 5:
        return name
    i = rng.randint(1, len(name) - 2)
    return name[:i] + name[i + 1 :]  # one character left out

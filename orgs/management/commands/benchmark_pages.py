"""Measure the server time and query count of the profile page and the API detail.

Benchmarks live in commands, not in timed tests: the figures go to docs/benchmarks.md
with the command line that produced them. Requests go through Django's test client (no
network, no server), so the time is the view's own: routing, queries, rendering.
"""

import random
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings

from orgs.models import Organization


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Command(BaseCommand):
    help = "Time /orgs/<org_id>/ and /api/v1/orgs/<org_id> on random organizations."

    def add_arguments(self, parser):
        parser.add_argument(
            "--requests", type=int, default=500, help="requests per page kind"
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        total = Organization.objects.count()
        if not total:
            raise CommandError(
                "The registry is empty: run seed_demo or import_registry first."
            )
        rng = random.Random(options["seed"])  # noqa: S311 - sampling, not security
        max_id = (
            Organization.objects.order_by("-id").values_list("id", flat=True).first()
        )
        org_ids: list[str] = []
        while len(org_ids) < options["requests"]:
            picks = [rng.randint(1, max_id) for _ in range(options["requests"])]
            org_ids += Organization.objects.filter(id__in=picks).values_list(
                "org_id", flat=True
            )
        org_ids = org_ids[: options["requests"]]

        client = Client()
        self.stdout.write(f"{total:,} organizations on {connection.vendor}")
        # DEBUG records the queries.
        with override_settings(DEBUG=True, ALLOWED_HOSTS=["testserver"]):
            for label, template in (
                ("profile /orgs/<org_id>/", "/orgs/{}/"),
                ("API /api/v1/orgs/<org_id>", "/api/v1/orgs/{}"),
            ):
                client.get(template.format(org_ids[0]))  # warm caches and imports
                times, queries = [], []
                for org_id in org_ids:
                    reset_queries()
                    cache.clear()  # the anonymous API rate limit counts in the cache
                    start = time.perf_counter()
                    response = client.get(template.format(org_id))
                    times.append((time.perf_counter() - start) * 1000)
                    queries.append(len(connection.queries))
                    if response.status_code != 200:
                        raise CommandError(
                            f"{template.format(org_id)} answered {response.status_code}"
                        )
                self.stdout.write(
                    f"{label}: n={len(times)} p50={percentile(times, 0.5):.1f} ms "
                    f"p95={percentile(times, 0.95):.1f} ms mean={statistics.mean(times):.1f} ms "
                    f"queries/request min={min(queries)} max={max(queries)}"
                )

"""How fast the public profile is served and how heavy it is: the measurement behind
``manage.py benchmark_profile`` and docs/benchmarks.md.

Requests go through the real URL, middleware, view, selectors and template, in-process
through Django's test ``Client`` (no HTTP server or network in the figure), for
organizations drawn at random from the database as it is. Nothing is written.

Page weight is what a first visit downloads: the HTML of the profile and every
stylesheet, script and image it links from the app's static files, uncompressed.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from .models import Organization

ASSET_PATTERN = re.compile(r'(?:href|src)="(?P<url>[^"]+\.(?:css|js|svg|png|woff2?))"')


class EmptyRegistryError(Exception):
    """There is no organization to request."""


@dataclass(frozen=True)
class ProfileBenchmark:
    organizations: int  # in the registry
    vendor: str
    latencies_ms: tuple[float, ...]
    # CPU time of this process per request: the Django side alone, less sensitive
    # than wall time to other load on the machine (the database's time is not in it).
    cpu_ms: tuple[float, ...]
    queries: tuple[int, ...]
    html_bytes: tuple[int, ...]
    assets: dict[str, int]  # static path → bytes, linked from the profile

    def percentile(self, p: int) -> float:
        """The p-th percentile latency in milliseconds (inclusive method)."""
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def asset_bytes(self) -> int:
        return sum(self.assets.values())

    @property
    def heaviest_page_bytes(self) -> int:
        """HTML of the heaviest profile measured plus every linked asset."""
        return max(self.html_bytes) + self.asset_bytes


def random_org_ids(*, count: int, seed: int) -> list[str]:
    """``count`` org_ids drawn uniformly by primary key between the lowest and the
    highest (gaps are skipped; an organization drawn twice is requested twice), a
    few queries whatever the size of the registry."""
    bounds = Organization.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["high"] is None:
        raise EmptyRegistryError
    rng = random.Random(seed)  # noqa: S311 - sampling, not security
    org_ids: list[str] = []
    for _attempt in range(100):
        picks = [
            rng.randint(bounds["low"], bounds["high"])
            for _ in range(count - len(org_ids))
        ]
        found = dict(
            Organization.objects.filter(id__in=set(picks)).values_list("id", "org_id")
        )
        org_ids += [found[pk] for pk in picks if pk in found]
        if len(org_ids) >= count:
            break
    return org_ids[:count]


def profile_benchmark(
    *,
    requests: int,
    seed: int = 1,
    language: str = "zh-hans",
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> ProfileBenchmark:
    """GET ``/orgs/<org_id>/`` for ``requests`` random organizations and time each."""
    if requests < 1:
        raise ValueError("requests must be at least 1")
    org_ids = random_org_ids(count=requests, seed=seed)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    latencies, cpu, queries, sizes = [], [], [], []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        first = client.get(f"/orgs/{org_ids[0]}/")  # imports, template compilation
        for org_id in progress(org_ids):
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(f"/orgs/{org_id}/")
                latencies.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"/orgs/{org_id}/ answered {response.status_code}")
            queries.append(len(captured))
            sizes.append(len(response.content))
    return ProfileBenchmark(
        organizations=Organization.objects.count(),
        vendor=connection.vendor,
        latencies_ms=tuple(latencies),
        cpu_ms=tuple(cpu),
        queries=tuple(queries),
        html_bytes=tuple(sizes),
        assets=linked_assets(first.content.decode()),
    )


def linked_assets(html: str) -> dict[str, int]:
    """Bytes of each static file the page links (stylesheets, scripts, images)."""
    assets = {}
    for match in ASSET_PATTERN.finditer(html):
        url = match["url"]
        if not url.startswith(settings.STATIC_URL):
            continue  # another page or an outside address: not part of the load
        path = url.removeprefix(settings.STATIC_URL).split("?")[0]
        found = finders.find(path)
        if found:
            with open(found, "rb") as asset:
                assets[path] = len(asset.read())
    return assets

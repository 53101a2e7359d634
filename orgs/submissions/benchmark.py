"""How fast the filing API takes submissions: the measurement behind
``manage.py benchmark_filing_api`` and docs/benchmarks.md.

Requests go through the real URL, middleware, DRF view and throttle, token lookup,
validation and services, in-process through Django's test ``Client`` (no HTTP server or network in
the figure). Each valid request commits its own transaction, as in production. The
organizations, tokens and filings the run creates are removed afterwards unless
``keep`` is set.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import statistics
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from wagtail.models import ModelLogEntry

from ..models import (
    Filing,
    FilingToken,
    MemberRole,
    Membership,
    Organization,
    OrgType,
    Registry,
    Status,
)
from . import services

# A complete, valid filing in the API's shape (docs/data-format.md).
VALID_BODY = {
    "fiscal_year": 2024,
    "form": "annual_report",
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "currency": "CNY",
    "income": {"donations": "800000.00", "government_grants": "100000.00",
               "services": "50000.00", "total": "950000.00"},
    "expenses": {"programs": "700000.00", "management": "80000.00",
                 "fundraising": "20000.00", "total": "800000.00"},
    "total_assets": "1500000.00",
    "total_liabilities": "200000.00",
    "net_assets": "1300000.00",
    "employees": 12,
    "volunteers": 40,
    "audit_opinion": "unqualified",
}  # fmt: skip
# The same with a declared total that does not add up: validation refuses it.
INVALID_BODY = {**VALID_BODY, "income": {**VALID_BODY["income"], "total": "1.00"}}


@dataclass(frozen=True)
class Timings:
    """One kind of request: how many, how long in all, and the latency spread."""

    requests: int
    seconds: float
    latencies: tuple[float, ...]
    statuses: tuple[int, ...]
    queries: int  # database queries of one such request, counted separately

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        """The p-th percentile latency in seconds (inclusive method)."""
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


@dataclass(frozen=True)
class ApiBenchmark:
    organizations: int
    setup_seconds: float
    valid: Timings
    invalid: Timings


def filing_api_benchmark(
    *,
    organizations: int,
    requests: int,
    keep: bool = False,
    progress: Callable[[Iterable, str], Iterable] = lambda items, _label: items,
) -> ApiBenchmark:
    """Create ``organizations`` organizations with a filing token each, POST
    ``requests`` valid filings (one per organization, each submitted; so at most one
    request per organization) and ``requests`` invalid ones, and time every call."""
    if not 0 < requests <= organizations:
        raise ValueError("requests must be between 1 and the number of organizations")
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    # One organization more than asked, kept for the request whose queries are
    # counted, so that request is a first filing like the timed ones.
    orgs, tokens, user = _setup(run=run, count=organizations + 1, progress=progress)
    setup_seconds = time.perf_counter() - started
    # Mail goes to memory: accepted and returned filings notify people, and a
    # benchmark must not print or send thousands of messages.
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
    ):
        client = Client()
        # Django logs every 400 answer as a warning; thousands would drown the report.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)
        try:
            valid = _timed(
                client,
                tokens,
                VALID_BODY,
                requests=requests,
                run=run,
                label="valid",
                progress=progress,
            )
            invalid = _timed(
                client,
                tokens,
                INVALID_BODY,
                requests=requests,
                run=run,
                label="invalid",
                progress=progress,
            )
        finally:
            request_log.setLevel(level)
            if not keep:
                _teardown(orgs=orgs, user=user)
    return ApiBenchmark(
        organizations=organizations,
        setup_seconds=setup_seconds,
        valid=valid,
        invalid=invalid,
    )


def _setup(*, run: str, count: int, progress):
    user = get_user_model().objects.create_user(
        username=f"benchmark-{run}", email=f"benchmark-{run}@example.invalid"
    )
    with transaction.atomic():
        orgs = Organization.objects.bulk_create(
            Organization(
                registry=Registry.CN_MCA,
                identifier=f"BENCH{run}{number:07d}",
                org_id=f"BENCH-{run}-{number:07d}",
                name=f"基准测试公益促进会 {run} {number}",
                org_type=OrgType.SOCIAL_GROUP,
                registration_level="municipal",
                region="440305",
                registered_on=dt.date(2015, 3, 1),
                status=Status.ACTIVE,
            )
            for number in range(count)
        )
        Membership.objects.bulk_create(
            Membership(user=user, organization=org, role=MemberRole.APPROVER)
            for org in orgs
        )
    tokens = []
    for org in progress(orgs, "tokens"):
        _token, raw = services.filing_token_create(
            organization=org, user=user, name="benchmark"
        )
        tokens.append(raw)
    return orgs, tokens, user


def _timed(client, tokens, body, *, requests: int, run: str, label: str, progress):
    payload = json.dumps(body)

    def post(number: int, index: int):
        # Each organization calls from its own address, as it would in production:
        # the API's per-address throttle stays on (and is timed) but is not hit.
        return client.post(
            "/api/v1/filings",
            data=payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[index]}",
            HTTP_IDEMPOTENCY_KEY=f"{run}-{label}-{number}",
            REMOTE_ADDR=f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}",
        )

    timed = len(tokens) - 1

    latencies, statuses = [], []
    started = time.perf_counter()
    for number in progress(range(requests), label):
        before = time.perf_counter()
        response = post(number, number % timed)
        latencies.append(time.perf_counter() - before)
        statuses.append(response.status_code)
    seconds = time.perf_counter() - started
    # One more request of the kind, with its queries counted, from the organization
    # kept aside (a valid body is its first filing; an invalid one writes nothing).
    with CaptureQueriesContext(connection) as queries:
        post(requests, timed)
    return Timings(
        requests=requests,
        seconds=seconds,
        latencies=tuple(latencies),
        statuses=tuple(statuses),
        queries=len(queries),
    )


def _teardown(*, orgs: list[Organization], user) -> None:
    """Remove what the run made. Revisions and workflow states go with their filings
    (generic relations); the audit log rows are removed by object id."""
    org_ids = [org.pk for org in orgs]
    filing_ids = list(
        Filing.objects.filter(organization_id__in=org_ids).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for model, ids in ((Filing, filing_ids), (Organization, org_ids)):
            for chunk in _chunks(ids, 1000):
                ModelLogEntry.objects.filter(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=[str(pk) for pk in chunk],
                ).delete()
        for chunk in _chunks(filing_ids, 500):
            Filing.objects.filter(pk__in=chunk).delete()
        FilingToken.objects.filter(organization_id__in=org_ids).delete()
        Organization.objects.filter(pk__in=org_ids).delete()
        user.delete()


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]

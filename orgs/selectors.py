"""Reads of the registry: what pages, the API and the CMS ask for."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from .models import (
    Filing,
    FormerName,
    Grant,
    Organization,
    RegulatoryEvent,
    Status,
)

ORG_FILTERS = ("registry", "org_type", "region", "status")


def organization_list(
    *, filters: dict[str, str] | None = None, query: str = ""
) -> QuerySet[Organization]:
    """Organizations matching exact-value filters and an optional fragment of a current,
    English or former name, or of the code.

    Region filters by prefix so a province code (``44``/``440000``) finds its cities.
    """
    qs = Organization.objects.all()
    for key, value in (filters or {}).items():
        if key not in ORG_FILTERS or not value:
            continue
        if key == "region":
            qs = qs.filter(region__startswith=region_prefix(value))
        else:
            qs = qs.filter(**{key: value})
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(identifier__istartswith=query)
            | Q(org_id__iexact=query)
            | Q(
                id__in=FormerName.objects.filter(name__icontains=query).values(
                    "organization_id"
                )
            )
        )
    if filters and filters.get("region"):
        # Names begin with their region's name, so walking the name index to find the
        # first rows of one region reads most of the table (1.8 s at 1M rows). NULLS
        # FIRST does not match that index: the planner then reads the region's rows
        # through the region index and sorts them (10 ms).
        return qs.order_by(F("name").asc(nulls_first=True), "org_id")
    return qs.order_by("name", "org_id")


def region_prefix(code: str) -> str:
    """The prefix shared by a GB/T 2260 code and the codes under it.

    ``440000`` (a province) → ``44``, ``440300`` (a city) → ``4403``, ``440305`` stays.
    Codes are stripped by pairs of zeros, never below two digits, so ``100000`` (the
    national level) matches only itself and not ``110000`` Beijing.
    """
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def organization_profile(*, org_id: str) -> Organization:
    """One organization with everything its profile shows, in a fixed number of queries."""
    return get_object_or_404(
        Organization.objects.select_related(
            "last_import", "irs_master_file"
        ).prefetch_related(
            Prefetch(
                "filings",
                queryset=Filing.objects.published().order_by(
                    "-fiscal_year", "-version"
                ),
            ),
            Prefetch(
                "events", queryset=RegulatoryEvent.objects.order_by("-date", "-id")
            ),
            "former_names",
            "officers",
        ),
        org_id=org_id,
    )


def organization_filing_list(
    *, organization: Organization, fiscal_year: int | None = None, current: bool = False
) -> QuerySet[Filing]:
    """The organization's published filings, latest year and version first; with
    ``current`` only the version in force of each year (amendments supersede)."""
    filings = Filing.objects.current() if current else Filing.objects.published()
    filings = filings.filter(organization=organization)
    if fiscal_year is not None:
        filings = filings.filter(fiscal_year=fiscal_year)
    return filings.order_by("-fiscal_year", "-version", "-pk")


GRANT_ROLES = {"received": "recipient", "made": "funder"}


def organization_grant_list(
    *, organization: Organization, role: str
) -> QuerySet[Grant]:
    """Grants the organization received (``role="received"``) or made (``"made"``),
    latest first."""
    return (
        Grant.objects.filter(**{GRANT_ROLES[role]: organization})
        .select_related("recipient", "funder")
        .order_by("-award_date", "identifier")
    )


def organization_grants(
    *, organization: Organization, limit: int = 10
) -> dict[str, dict]:
    """For the profile: per role, the number of grants, their totals by currency and
    the latest ``limit``. One query when the organization has no grant (most have
    none), one more per role it has grants in."""
    rows = (
        Grant.objects.filter(Q(recipient=organization) | Q(funder=organization))
        .values("currency")
        .annotate(
            **{
                f"{role}_{measure}": function(column, filter=Q(**{field: organization}))
                for role, field in GRANT_ROLES.items()
                for measure, function, column in (
                    ("total", Sum, "amount"),
                    ("count", Count, "id"),
                )
            }
        )
        .order_by("currency")
    )
    rows = list(rows)
    summary = {}
    for role in GRANT_ROLES:
        totals = [
            {
                "currency": row["currency"],
                "total": row[f"{role}_total"],
                "count": row[f"{role}_count"],
            }
            for row in rows
            if row[f"{role}_count"]
        ]
        count = sum(row["count"] for row in totals)
        latest = (
            list(organization_grant_list(organization=organization, role=role)[:limit])
            if count
            else []
        )
        summary[role] = {"count": count, "totals": totals, "latest": latest}
    return summary


HEADLINE_CACHE_SECONDS = 300


def registry_headline_figures(*, today: dt.date | None = None) -> dict[str, int]:
    """Counts for the home page, cached for a few minutes: counting a national
    register takes most of a second."""
    today = today or dt.date.today()
    key = f"orgs:headline-figures:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = _count_headline_figures(today)
        cache.set(key, figures, HEADLINE_CACHE_SECONDS)
    return figures


def _count_headline_figures(today: dt.date) -> dict[str, int]:
    orgs = Organization.objects.aggregate(
        registered=Count("id"),
        active=Count("id", filter=Q(status=Status.ACTIVE)),
        charities=Count("id", filter=Q(charity=True)),
    )
    orgs["filings_this_year"] = (
        Filing.objects.published().filter(submitted_on__year=today.year).count()
    )
    return orgs

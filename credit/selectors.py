"""Reads of credit results: what the API, profile pages and commands ask for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from orgs.models import Organization

from . import methodology
from .lists import PublicList
from .models import (
    OPEN_FLAG_STATUSES,
    Appeal,
    AppealStatus,
    Concern,
    Flag,
    ListEntry,
    Reason,
    Score,
    ScoringRun,
)


@dataclass(frozen=True)
class CreditReport:
    """An organization's current credit result; ``score`` is None until scored.

    ``as_of`` is the latest date the result is known to hold (see ``Score``).
    """

    organization: Organization
    score: Score | None
    reasons: list[Reason]
    lists: list[dict]
    as_of: dt.date | None
    # Entries that have ended, latest first: the profile shows them, the API's
    # credit contract does not (it lists only what is in force).
    past_lists: list[dict] = field(default_factory=list)


def organization_credit(*, org_id: str) -> CreditReport:
    """The current score of the organization ``org_id`` with its reasons (404 if none).

    Five queries whatever the number of reasons and list entries.
    """
    organization = get_object_or_404(
        Organization.objects.only("id", "org_id", "registry"), org_id=org_id
    )
    return organization_credit_report(organization=organization)


def organization_credit_report(*, organization: Organization) -> CreditReport:
    """The current credit result of an organization already loaded (three queries)."""
    score = (
        Score.objects.current()
        .filter(organization=organization)
        .prefetch_related(
            Prefetch("reasons", queryset=Reason.objects.order_by("position"))
        )
        .first()
    )
    reasons = list(score.reasons.all()) if score else []
    as_of = score.holds_as_of(ScoringRun.objects.latest_completed()) if score else None
    today = timezone.localdate()
    lists, past_lists = [], []
    for entry in ListEntry.objects.filter(
        organization=organization, entered_on__lte=today
    ).order_by("-entered_on", "-id"):
        if entry.in_force(today):
            lists.append(
                {
                    "list": entry.list,
                    "entered_on": entry.entered_on,
                    "reason": entry.reason,
                }
            )
        else:
            past_lists.append(
                {
                    "list": entry.list,
                    "entered_on": entry.entered_on,
                    "reason": entry.reason,
                    "exited_on": entry.exited_on,
                    "exit_reason": entry.exit_reason,
                }
            )
    lists.reverse()  # in force: oldest first, as before
    return CreditReport(
        organization=organization,
        score=score,
        reasons=reasons,
        lists=lists,
        as_of=as_of,
        past_lists=past_lists,
    )


def organizations_credit_reports(
    *, organizations: list[Organization]
) -> dict[int, CreditReport]:
    """Current credit results of several organizations already loaded, by primary
    key: four queries however many organizations (the compare page)."""
    scores = {
        score.organization_id: score
        for score in Score.objects.current()
        .filter(organization__in=organizations)
        .prefetch_related(
            Prefetch("reasons", queryset=Reason.objects.order_by("position"))
        )
    }
    latest_run = ScoringRun.objects.latest_completed() if scores else None
    lists: dict[int, list[dict]] = {}
    for entry in (
        ListEntry.objects.listed()
        .filter(organization__in=organizations)
        .order_by("entered_on", "id")
    ):
        lists.setdefault(entry.organization_id, []).append(
            {"list": entry.list, "entered_on": entry.entered_on, "reason": entry.reason}
        )
    reports = {}
    for organization in organizations:
        score = scores.get(organization.pk)
        reports[organization.pk] = CreditReport(
            organization=organization,
            score=score,
            reasons=list(score.reasons.all()) if score else [],
            lists=lists.get(organization.pk, []),
            as_of=score.holds_as_of(latest_run) if score else None,
        )
    return reports


def score_history(*, organization: Organization) -> QuerySet[Score]:
    """Every score the organization has had, latest first: how its grade moved."""
    return Score.objects.filter(organization=organization).order_by("-as_of", "-id")


def credit_summary(report: CreditReport, *, language: str) -> dict:
    """A credit report as plain data with texts in ``language``: the API's contract,
    and what the profile page shows."""
    score = report.score
    registry = report.organization.registry
    return {
        "org_id": report.organization.org_id,
        "score": score.score if score else None,
        "grade": score.grade if score else None,
        "methodology_version": (
            score.methodology_version if score else methodology.METHODOLOGY_VERSION
        ),
        "as_of": report.as_of,
        "reasons": [
            {
                "code": reason.code,
                "title": reason.rule.title.get(language),
                "points": reason.points,
                "source": reason.rule.source(registry).get(language),
                "evidence": reason.evidence,
                "advice": reason.rule.advice.get(language),
            }
            for reason in report.reasons
        ],
        "lists": report.lists,
    }


def list_labels(lists: list[dict]) -> list[dict]:
    """List entries with their list's name, for pages (the API keeps the slug)."""
    return [{**entry, "label": PublicList(entry["list"]).label} for entry in lists]


LIST_FIGURES_CACHE_SECONDS = 300


def list_headline_figures(*, today: dt.date | None = None) -> dict[str, int]:
    """For the home page: how many registered organizations are on the
    abnormal-activity and the serious illegal and dishonest lists today. Cached for a
    few minutes like the registry's figures (``registry_headline_figures``)."""
    today = today or dt.date.today()
    key = f"credit:list-figures:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = (
            ListEntry.objects.listed(on=today)
            .filter(organization__isnull=False)
            .aggregate(
                abnormal=Count(
                    "organization",
                    distinct=True,
                    filter=Q(list=PublicList.ABNORMAL),
                ),
                serious_dishonest=Count(
                    "organization",
                    distinct=True,
                    filter=Q(list=PublicList.SERIOUS),
                ),
            )
        )
        cache.set(key, figures, LIST_FIGURES_CACHE_SECONDS)
    return figures


# The regulator's review queue and the public lists.

FLAG_SORTS = {"risk": ("-risk", "id"), "raised": ("-raised_on", "id"),
              "name": ("organization__name", "id")}  # fmt: skip


def flag_queue(*, user, filters: dict[str, str], sort: str = "risk") -> QuerySet[Flag]:
    """Flags the regulator may see (their jurisdiction only), filtered and sorted."""
    from orgs.access import organizations_reviewable_by
    from orgs.selectors import region_prefix

    flags = Flag.objects.filter(
        organization__in=organizations_reviewable_by(user=user)
    ).select_related("organization")
    status = filters.get("status") or "open"
    if status == "open":
        flags = flags.filter(status__in=OPEN_FLAG_STATUSES)
    elif status != "all":
        flags = flags.filter(status=status)
    if filters.get("kind"):
        flags = flags.filter(kind=filters["kind"])
    if filters.get("org_type"):
        flags = flags.filter(organization__org_type=filters["org_type"])
    if filters.get("region"):
        flags = flags.filter(
            organization__region__startswith=region_prefix(filters["region"])
        )
    if filters.get("min_risk"):
        flags = flags.filter(risk__gte=float(filters["min_risk"]))
    return flags.order_by(*FLAG_SORTS.get(sort, FLAG_SORTS["risk"]))


def public_list(
    *, listing: str, region: str = "", since=None, until=None
) -> QuerySet[ListEntry]:
    """Entries in force on a public list, newest first; by region and entry date."""
    from orgs.selectors import region_prefix

    entries = (
        ListEntry.objects.listed()
        .filter(list=listing)
        .select_related("organization", "unregistered_name")
    )
    if region:
        prefix = region_prefix(region)
        entries = entries.filter(
            Q(organization__region__startswith=prefix)
            | Q(unregistered_name__region__startswith=prefix)
        )
    if since:
        entries = entries.filter(entered_on__gte=since)
    if until:
        entries = entries.filter(entered_on__lte=until)
    return entries.order_by("-entered_on", "id")


def open_appeals(*, user) -> QuerySet[Appeal]:
    from orgs.access import organizations_reviewable_by

    return (
        Appeal.objects.filter(
            status=AppealStatus.OPEN,
            list_entry__organization__in=organizations_reviewable_by(user=user),
        )
        .select_related("list_entry__organization", "submitted_by")
        .order_by("submitted_at")
    )


def concerns_reviewable_by(*, user) -> QuerySet[Concern]:
    """The concerns from the public a user may see and handle.

    * A concern naming a registered organization belongs to the regulators whose
      jurisdiction covers that organization (``orgs.access.jurisdiction_filter``),
      exactly like its flags and filings.
    * A concern naming no registered organization has only the region the reporter
      chose (GB/T 2260, so only China's register, ``cn_mca``): regulators of that
      register whose region contains it see it, at every level (a district's, its
      city's and its province's authority), and national-level regulators see all of
      them, including those with no region, which nobody lower can route.
    * Superusers see everything; anyone else (the public, organization members,
      staff without a regulator post) sees nothing, and the pages answer 404.
    """
    from orgs.access import is_regulator, jurisdiction_filter
    from orgs.models import RegistrationLevel, Registry
    from orgs.selectors import region_prefix

    if user.is_authenticated and user.is_superuser:
        return Concern.objects.all()
    if not is_regulator(user):
        return Concern.objects.none()
    regulator = user.regulator
    visible = Q(
        organization__in=Organization.objects.filter(jurisdiction_filter(regulator))
    )
    if regulator.registry == Registry.CN_MCA:
        unnamed = Q(organization__isnull=True)
        if regulator.registration_level != RegistrationLevel.NATIONAL:
            unnamed &= Q(region__startswith=region_prefix(regulator.region))
        visible |= unnamed
    return Concern.objects.filter(visible)


CONCERN_STATUS_FILTERS = ("open", "received", "under_review", "closed", "all")


def concern_queue(*, user, status: str = "open") -> QuerySet[Concern]:
    """The regulator's concerns, newest first; ``open`` (the default) is everything
    not closed yet."""
    from .models import ConcernStatus

    concerns = concerns_reviewable_by(user=user).select_related("organization")
    if status == "open":
        concerns = concerns.exclude(status=ConcernStatus.CLOSED)
    elif status in ConcernStatus.values:
        concerns = concerns.filter(status=status)
    return concerns.order_by("-created_at", "-id")


def concern_public(*, reference: str) -> Concern:
    """A concern by its reference, for its public status page (404 when unknown).
    Callers show only its status, dates and published outcome."""
    return get_object_or_404(Concern.objects.only(
        "reference", "status", "outcome", "created_at",
        "review_started_at", "closed_at"), reference=reference.upper())  # fmt: skip

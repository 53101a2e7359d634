"""Reads of credit results: what the API, profile pages and commands ask for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from orgs.models import Organization

from . import methodology
from .models import ListEntry, Reason, Score, ScoringRun


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
    lists = [
        {"list": entry.list, "entered_on": entry.entered_on, "reason": entry.reason}
        for entry in ListEntry.objects.listed().filter(organization=organization)
    ]
    return CreditReport(
        organization=organization,
        score=score,
        reasons=reasons,
        lists=lists,
        as_of=as_of,
    )


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

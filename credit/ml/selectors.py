"""Reads of the risk signals, for the regulator's review queue (never public views).

The review queue (a later step) lists signals by risk; these are its reads so that
it neither loops over organizations nor re-ranks in Python.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from credit.lists import FlagKind
from credit.models import Flag, FlagStatus, RiskSignal

from .zombie import RegulatorDecisions


def risk_signals_ranked(
    *,
    kind: str | None = None,
    detector: str | None = None,
    region_prefix: str = "",
    minimum_score: float = 0.0,
) -> QuerySet[RiskSignal]:
    """Signals from the highest score down, with their organization (one query).

    ``region_prefix`` keeps a jurisdiction: "44" a province, "4403" a city.
    """
    signals = RiskSignal.objects.select_related("organization").filter(
        score__gte=minimum_score
    )
    if kind:
        signals = signals.filter(kind=kind)
    if detector:
        signals = signals.filter(detector=detector)
    if region_prefix:
        signals = signals.filter(organization__region__startswith=region_prefix)
    return signals.order_by("-score", "organization_id", "detector")


def organization_risk_signals(*, organization_id: int) -> QuerySet[RiskSignal]:
    """Every current signal about one organization, strongest first."""
    return RiskSignal.objects.filter(organization_id=organization_id).order_by(
        "-score", "detector"
    )


def zombie_flag_decisions() -> RegulatorDecisions:
    """Every zombie flag a regulator confirmed or dismissed, as training labels."""
    rows = (
        Flag.objects.filter(
            kind=FlagKind.ZOMBIE,
            status__in=(FlagStatus.CONFIRMED, FlagStatus.DISMISSED),
            decided_at__isnull=False,
            organization__isnull=False,
        )
        .order_by()
        .values_list("organization_id", "raised_on", "decided_at", "status")
    )
    return RegulatorDecisions.of(
        [
            (
                pk,
                raised_on,
                timezone.localdate(decided_at),
                status == FlagStatus.CONFIRMED,
            )
            for pk, raised_on, decided_at, status in rows
        ]
    )

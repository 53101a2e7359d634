"""Writes of the credit module: scoring the registry and rescoring one organization.

The mechanics (reading in chunks, evaluating, saving what changed) are in
``credit.engine``; these are the entry points commands, tasks and later the review
queue call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from orgs.models import Organization

from . import engine
from .models import Score


@dataclass
class RegistryScoring:
    scores: engine.ScoringReport
    names: engine.NameScreenReport


def registry_score(
    *,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    chunk_size: int = engine.CHUNK_SIZE,
    progress: bool = False,
) -> RegistryScoring:
    """Score every organization, then screen the unregistered names, as of a date.

    ``as_of`` defaults to today. With ``dry_run`` nothing is written; the report says
    what would change. Raises ``engine.ScoringError`` for an as-of date before the
    existing scores'.
    """
    from .review import list_memberships

    as_of = as_of or timezone.localdate()
    scores = engine.score_orgs(
        as_of=as_of,
        dry_run=dry_run,
        chunk_size=chunk_size,
        progress=progress,
        lists=list_memberships(on=as_of),
    )
    names = engine.screen_unregistered_names(as_of=as_of, dry_run=dry_run)
    return RegistryScoring(scores=scores, names=names)


def organization_rescore(
    *, organization: Organization, as_of: dt.date | None = None
) -> Score:
    """Score one organization again, e.g. after a filing was accepted; its score."""
    from .review import list_memberships

    lists = list_memberships(on=as_of, organization_ids=[organization.pk])
    return engine.score_organization(organization, as_of=as_of, lists=lists)


def organization_rescore_on_commit(*, organization_id: int) -> None:
    """Rescore an organization once the transaction that changed it commits (an
    accepted filing, a list entry): the grade follows the committed data."""
    from django.db import transaction

    def rescore() -> None:
        organization_rescore(organization=Organization.objects.get(pk=organization_id))

    transaction.on_commit(rescore)

"""Load facts from the registry, run the rules, save what changed.

``score_orgs`` walks the whole registry in chunks of organizations ordered by id: one
``values_list`` query each for the chunk's organizations, their filings and their
events (amounts cast to floats and totals summed by the database), a ``FactsFrame``,
one vectorised evaluation, then a comparison with the current scores (by fingerprint)
and ``bulk_create`` of the changed ones; unchanged results write nothing. Memory stays
bounded by the chunk size. A completed run is recorded as a ``ScoringRun``.

``score_organization`` does the same for one organization (after a filing changes).
``screen_unregistered_names`` runs ``NAME_IMPERSONATION`` over every unregistered
name against the registered names (one streaming pass, then NumPy per name).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import add

from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from tqdm import tqdm

from orgs.follows import grade_followers_notify
from orgs.models import (
    EXPENSE_FIELDS,
    INCOME_FIELDS,
    Filing,
    Organization,
    RegulatoryEvent,
    UnregisteredName,
)
from search.services import outbox_record

from . import methodology as m
from .models import NameFinding, Reason, Score, ScoringRun
from .rules.base import CN_MCA
from .rules.facts import (
    EVENT_COLUMNS,
    FILING_COLUMNS,
    GOVERNANCE_ANSWERS,
    GOVERNANCE_COUNTS,
    ORG_COLUMNS,
    FactsFrame,
    build_frame,
)
from .rules.names import NameScreen, RegisteredNameFacts, UnregisteredNameFacts
from .scoring import Evaluation, ListMemberships, evaluate_frame

CHUNK_SIZE = 20_000
WRITE_BATCH = 2_000


class ScoringError(Exception):
    """Scoring refused: the message says why."""


def _amount(name: str) -> Cast:
    return Cast(name, FloatField())


def _total(prefix: str, parts: Sequence[str]) -> Case:
    """The sum of the present fields, NULL when every one is missing."""
    fields = [f"{prefix}_{part}" for part in parts]
    return Case(
        When(Q(**{f"{name}__isnull": True for name in fields}), then=Value(None)),
        default=Cast(
            reduce(add, (Coalesce(F(name), Value(Decimal(0))) for name in fields)),
            FloatField(),
        ),
        output_field=FloatField(),
    )


# The database side of credit.rules.facts.FILING_COLUMNS and EVENT_COLUMNS.
FILING_VALUES = (
    "organization_id",
    "id",
    "fiscal_year",
    "version",
    "period_end",
    "due_on",
    "submitted_on",
    _total("income", INCOME_FIELDS),
    _amount("expenses_programs"),
    _amount("expenses_management"),
    _total("expenses", EXPENSE_FIELDS),
    _amount("total_assets"),
    _amount("total_liabilities"),
    _amount("net_assets"),
    "audit_opinion",
    *(f"governance__{name}" for name in (*GOVERNANCE_COUNTS, *GOVERNANCE_ANSWERS)),
)
EVENT_VALUES = ("organization_id", "id", "date", "kind", _amount("amount"), "reference")


def _columns(names: Sequence[str], rows: list[tuple]) -> dict[str, list]:
    # one list comprehension per column: zip(*rows) is as fast only without the
    # garbage collector running, and several times slower with it
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


@dataclass
class Chunk:
    """Rows of one chunk of organizations, as read from the database."""

    organizations: list[tuple]
    filings: list[tuple]
    events: list[tuple]

    def frame(self, *, as_of: dt.date) -> FactsFrame:
        return build_frame(
            as_of=as_of,
            orgs=_columns(ORG_COLUMNS, self.organizations),
            filings=_columns(FILING_COLUMNS, self.filings),
            events=_columns(EVENT_COLUMNS, self.events),
        )


def read_chunk(organizations: list[tuple], *, id_range: bool = False) -> Chunk:
    """The filings and events of ``organizations`` (rows of ``ORG_COLUMNS``).

    With ``id_range``, everything between the first and last id belongs to the chunk
    (as with keyset pagination), so the range is queried rather than a list of ids.
    """
    if id_range:
        first, last = organizations[0][0], organizations[-1][0]
        scope = Q(organization_id__gte=first, organization_id__lte=last)
    else:
        scope = Q(organization_id__in=[row[0] for row in organizations])
    return Chunk(
        organizations=organizations,
        filings=list(
            Filing.objects.published()
            .filter(scope)
            .order_by()
            .values_list(*FILING_VALUES)
        ),
        events=list(
            RegulatoryEvent.objects.filter(scope).order_by().values_list(*EVENT_VALUES)
        ),
    )


def read_registry(*, chunk_size: int = CHUNK_SIZE) -> Iterator[Chunk]:
    """Every organization with its filings and events, ``chunk_size`` at a time.

    Keyset pagination on the primary key; a chunk's filings and events are read by
    the id range of its organizations, which their foreign-key indexes serve.
    """
    after = 0
    while True:
        organizations = list(
            Organization.objects.filter(id__gt=after)
            .order_by("id")
            .values_list(*ORG_COLUMNS)[:chunk_size]
        )
        if not organizations:
            return
        yield read_chunk(organizations, id_range=True)
        after = organizations[-1][0]


@dataclass
class ScoringReport:
    """What a run did: counts, distributions and where the time went."""

    as_of: dt.date
    dry_run: bool
    methodology_version: str = m.METHODOLOGY_VERSION
    organizations: int = 0
    changed: int = 0
    unchanged: int = 0
    reasons_written: int = 0
    grades: Counter = field(default_factory=Counter)
    not_rated: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    points: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)

    def count(self, evaluation: Evaluation) -> None:
        self.organizations += len(evaluation)
        self.grades.update(evaluation.grade.tolist())
        self.not_rated.update(r for r in evaluation.not_rated_reason.tolist() if r)
        self.reasons.update(evaluation.reason_code)
        for code, points in zip(
            evaluation.reason_code, evaluation.reason_points.tolist(), strict=True
        ):
            self.points[code] += points


@contextmanager
def _timed(report: ScoringReport, phase: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        report.seconds[phase] += time.perf_counter() - start


def _in_batches(values: list, size: int | None = None) -> Iterator[list]:
    size = size or connection.features.max_query_params or 10_000
    for start in range(0, len(values), size):
        yield values[start : start + size]


def latest_as_of() -> dt.date | None:
    """The latest as-of date of any score or completed run."""
    dates = [
        Score.objects.current()
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first(),
        ScoringRun.objects.order_by("-as_of").values_list("as_of", flat=True).first(),
    ]
    return max((d for d in dates if d), default=None)


def save_evaluation(
    evaluation: Evaluation,
    *,
    as_of: dt.date,
    report: ScoringReport,
    notify_now: bool = False,
) -> None:
    """Compare with the current scores; close and replace the changed ones.

    Unchanged results write nothing. The current scores of the evaluated
    organizations are read by their id range (chunks are id ranges). A grade letter
    that changed is recorded for the organization's followers (one query on the
    follows of those organizations); ``notify_now`` sends the emails on commit, else
    ``notify_followers`` sends them (bulk runs).
    """
    with _timed(report, "compare"):
        fingerprints = evaluation.fingerprints()
        org_pks = evaluation.org_pk.tolist()
        current = {}
        if org_pks:
            current = {
                org: (score_id, print_, grade)
                for org, score_id, print_, grade in Score.objects.current()
                .filter(
                    organization_id__gte=min(org_pks), organization_id__lte=max(org_pks)
                )
                .values_list("organization_id", "id", "fingerprint", "grade")
            }
        changed = [
            row
            for row, (pk, print_) in enumerate(zip(org_pks, fingerprints, strict=True))
            if current.get(pk, (None, None, None))[1] != print_
        ]
        report.changed += len(changed)
        report.unchanged += len(org_pks) - len(changed)
    if report.dry_run or not changed:
        return
    with _timed(report, "write"), transaction.atomic():
        closing = [
            current[org_pks[row]][0] for row in changed if org_pks[row] in current
        ]
        for batch in _in_batches(closing):
            Score.objects.filter(id__in=batch).update(is_current=False)
        now = timezone.now()
        results = [evaluation.result(row) for row in changed]
        scores = Score.objects.bulk_create(
            [
                Score(
                    organization_id=result.organization_id,
                    methodology_version=result.methodology_version,
                    as_of=as_of,
                    score=result.score,
                    grade=result.grade,
                    not_rated_reason=result.not_rated_reason,
                    fingerprint=fingerprints[row],
                    is_current=True,
                    computed_at=now,
                )
                for row, result in zip(changed, results, strict=True)
            ],
            batch_size=WRITE_BATCH,
        )
        reasons = [
            Reason(
                score_id=score.pk,
                position=position,
                code=reason.code,
                points=reason.points,
                fiscal_year=reason.fiscal_year,
                evidence=reason.evidence,
            )
            for score, result in zip(scores, results, strict=True)
            for position, reason in enumerate(result.reasons)
        ]
        Reason.objects.bulk_create(reasons, batch_size=WRITE_BATCH)
        report.reasons_written += len(reasons)
        # The grade is in the search document: a new grade goes to the search outbox
        # in the same transaction.
        outbox_record(
            organization_ids=[
                result.organization_id
                for result in results
                if current.get(result.organization_id, (None, None, None))[2]
                != result.grade
            ]
        )
        # A first score is no change of grade: followers hear of changes only.
        grade_followers_notify(
            changes=[
                (result.organization_id, score.pk, previous[2], result.grade)
                for score, result in zip(scores, results, strict=True)
                if (previous := current.get(result.organization_id))
                and previous[2] != result.grade
            ],
            send_now=notify_now,
        )


def score_orgs(
    *,
    as_of: dt.date,
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
    lists: ListMemberships | None = None,
    progress: bool = False,
) -> ScoringReport:
    """Score every organization in the registry as of ``as_of``.

    Refuses an as-of date before that of existing scores or runs (history only moves
    forward). ``lists`` gives list memberships for the overrides (none yet). A
    completed run (not a dry run) is recorded as a ``ScoringRun``.
    """
    latest = latest_as_of()
    if latest and as_of < latest:
        raise ScoringError(
            f"scores as of {latest} exist; cannot score an earlier date ({as_of})"
        )
    report = ScoringReport(as_of=as_of, dry_run=dry_run)
    started_at = timezone.now()
    total = Organization.objects.count()
    with tqdm(
        total=total, unit="org", disable=not progress, leave=False, desc="scoring"
    ) as bar:
        iterator = read_registry(chunk_size=chunk_size)
        while True:
            with _timed(report, "read"):
                chunk = next(iterator, None)
            if chunk is None:
                break
            with _timed(report, "facts"):
                frame = chunk.frame(as_of=as_of)
            with _timed(report, "rules"):
                evaluation = evaluate_frame(frame, lists=lists)
            report.count(evaluation)
            save_evaluation(evaluation, as_of=as_of, report=report)
            bar.update(len(chunk.organizations))
    if not dry_run:
        ScoringRun.objects.create(
            as_of=as_of,
            methodology_version=report.methodology_version,
            started_at=started_at,
            finished_at=timezone.now(),
            organizations=report.organizations,
            changed=report.changed,
            grades=dict(report.grades),
            reasons=dict(report.reasons),
        )
    return report


def score_organization(
    organization: Organization,
    *,
    as_of: dt.date | None = None,
    lists: ListMemberships | None = None,
) -> Score:
    """Score one organization again (after its filings or events changed).

    Locks the organization's row so that two rescorings cannot both add a current
    score. Returns the current score, new or confirmed.
    """
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        rows = list(
            Organization.objects.select_for_update()
            .filter(pk=organization.pk)
            .values_list(*ORG_COLUMNS)
        )
        if not rows:
            raise Organization.DoesNotExist(organization.pk)
        current = Score.objects.current().filter(organization=organization).first()
        if current and as_of < current.as_of:
            raise ScoringError(
                f"{organization} has a score as of {current.as_of}; "
                f"cannot score an earlier date ({as_of})"
            )
        evaluation = evaluate_frame(read_chunk(rows).frame(as_of=as_of), lists=lists)
        save_evaluation(
            evaluation,
            as_of=as_of,
            report=ScoringReport(as_of=as_of, dry_run=False),
            notify_now=True,
        )
        return Score.objects.current().get(organization=organization)


@dataclass
class NameScreenReport:
    names: int = 0
    registered: int = 0
    findings: int = 0
    added: int = 0
    removed: int = 0
    kept: int = 0
    seconds: float = 0.0


def _registered_names(chunk_size: int) -> Iterator[RegisteredNameFacts]:
    after = 0
    while True:
        rows = list(
            Organization.objects.filter(registry=CN_MCA, id__gt=after)
            .order_by("id")
            .values_list("id", "name", "region", "registration_level")[:chunk_size]
        )
        if not rows:
            return
        for row in rows:
            yield RegisteredNameFacts(*row)
        after = rows[-1][0]


def screen_unregistered_names(
    *, as_of: dt.date, dry_run: bool = False, chunk_size: int = 50_000
) -> NameScreenReport:
    """Find ``NAME_IMPERSONATION`` on every unregistered name seen by ``as_of``.

    Keeps identical findings, adds new ones and deletes those no longer found.
    """
    start = time.perf_counter()
    report = NameScreenReport()
    names = [
        UnregisteredNameFacts(*row)
        for row in UnregisteredName.objects.filter(
            Q(seen_on__lte=as_of) | Q(seen_on__isnull=True)
        )
        .order_by("id")
        .values_list("id", "name", "region")
    ]
    report.names = len(names)
    findings = []
    if names:
        screen = NameScreen(names)
        screen.add(_registered_names(chunk_size))
        report.registered = screen.registered
        findings = screen.findings()
    report.findings = len(findings)
    wanted = {(f.name_id, f.organization_id): f for f in findings}
    existing = {
        (name_id, org_id): (pk, evidence)
        for pk, name_id, org_id, evidence in NameFinding.objects.values_list(
            "id", "unregistered_name_id", "organization_id", "evidence"
        )
    }
    stale = [
        pk
        for key, (pk, evidence) in existing.items()
        if key not in wanted or wanted[key].evidence != evidence
    ]
    new = [
        finding
        for key, finding in wanted.items()
        if key not in existing or existing[key][1] != finding.evidence
    ]
    report.removed, report.added = len(stale), len(new)
    report.kept = len(existing) - len(stale)
    if not dry_run:
        with transaction.atomic():
            for batch in _in_batches(stale):
                NameFinding.objects.filter(id__in=batch).delete()
            NameFinding.objects.bulk_create(
                [
                    NameFinding(
                        unregistered_name_id=f.name_id,
                        organization_id=f.organization_id,
                        code=f.code,
                        similarity=f.similarity,
                        evidence=f.evidence,
                        methodology_version=m.METHODOLOGY_VERSION,
                        as_of=as_of,
                    )
                    for f in new
                ],
                batch_size=WRITE_BATCH,
            )
    report.seconds = time.perf_counter() - start
    return report

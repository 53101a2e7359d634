"""From facts to reasons, a score and a grade: pure, vectorised, deterministic.

``evaluate_frame`` runs every organization rule over a ``FactsFrame`` and turns the
hits into reasons with points (``methodology.DEDUCTIONS``: points per reason, capped
per organization and rule), then into a score (100 minus the points, at least 0) and a
grade (``methodology.GRADE_CUTOFFS``). ``evaluate`` does the same for a list of
``OrgFacts``.

An organization is **not rated** when there is no methodology for its registry yet,
when it has ended (revoked, cancelled, deregistered, removed), when the IRS has
revoked its exemption automatically, or when fewer than ``MIN_ASSESSED_YEARS`` of its
annual reports have fallen due (too little data). Its reasons are still listed.

**List memberships** override the score as MCA Order 60 says: on the serious list the
score is capped inside grade D, on the abnormal list at ``ABNORMAL_LIST_SCORE_CAP``.
The lists are kept elsewhere (a later step); callers pass memberships in.

Reasons are ordered by the rule table, then latest fiscal year (or event) first; when
points are capped, the reasons listed first carry them. The same facts, as-of date and
methodology version always give the same result, down to the fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import methodology as m
from .rules import ORGANIZATION_RULES
from .rules.base import DUE_DATE_RULES, ENDED_STATUSES, Reason
from .rules.facts import FactsFrame, OrgFacts, frame_from_facts

NOT_RATED = "not_rated"
GRADES = (*(grade for grade, _ in m.GRADE_CUTOFFS), "D")

# Why an organization is not rated.
NO_METHODOLOGY = "no_methodology"
ENDED = "ended"
AUTOMATIC_REVOCATION = "automatic_revocation"
TOO_LITTLE_DATA = "too_little_data"
NOT_RATED_REASONS = (NO_METHODOLOGY, ENDED, AUTOMATIC_REVOCATION, TOO_LITTLE_DATA)

ABNORMAL_LIST = "abnormal"
SERIOUS_LIST = "serious-dishonest"

# organization id -> the lists it is on (slugs above)
ListMemberships = Mapping[int, Collection[str]]


@dataclass(frozen=True)
class Result:
    """The outcome for one organization."""

    organization_id: int
    score: int | None
    grade: str
    not_rated_reason: str
    reasons: tuple[Reason, ...]
    methodology_version: str = m.METHODOLOGY_VERSION

    def fingerprint(self) -> str:
        """A digest of everything stored about the result (not of the as-of date)."""
        return fingerprint(
            self.methodology_version,
            self.score,
            self.grade,
            self.not_rated_reason,
            [[r.code, r.fiscal_year, r.points, r.evidence] for r in self.reasons],
        )


def fingerprint(
    version: str, score: int | None, grade: str, not_rated_reason: str, reasons: list
) -> str:
    """Digest of a result; ``reasons`` as [code, fiscal year, points, evidence] lists."""
    text = f"{version}|{score}|{grade}|{not_rated_reason}|"
    if reasons:
        text += json.dumps(
            reasons, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class Evaluation:
    """Results for a frame: arrays per organization and per reason (sorted by org)."""

    org_pk: np.ndarray
    score: np.ndarray  # -1 where not rated
    grade: np.ndarray
    not_rated_reason: np.ndarray
    reason_org: np.ndarray
    reason_code: list[str]
    reason_year: np.ndarray  # 0: no fiscal year
    reason_points: np.ndarray
    reason_evidence: list[dict]
    _reason_starts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.org_pk)

    def _starts(self) -> list[int]:
        if self._reason_starts is None:
            self._reason_starts = np.searchsorted(
                self.reason_org, np.arange(len(self) + 1)
            ).tolist()
        return self._reason_starts

    def result(self, row: int) -> Result:
        """The ``Result`` of the organization in row ``row`` of the frame."""
        starts, score = self._starts(), int(self.score[row])
        return Result(
            organization_id=int(self.org_pk[row]),
            score=None if score < 0 else score,
            grade=str(self.grade[row]),
            not_rated_reason=str(self.not_rated_reason[row]),
            reasons=tuple(
                Reason(
                    self.reason_code[i],
                    int(self.reason_points[i]),
                    int(self.reason_year[i]) or None,
                    self.reason_evidence[i],
                )
                for i in range(starts[row], starts[row + 1])
            ),
        )

    def results(self) -> Iterator[Result]:
        """One ``Result`` per organization, in frame order."""
        return (self.result(row) for row in range(len(self)))

    def fingerprints(self) -> list[str]:
        """``Result.fingerprint()`` of every organization, without building results."""
        starts = self._starts()
        codes, evidence = self.reason_code, self.reason_evidence
        years, points = self.reason_year.tolist(), self.reason_points.tolist()
        without_reasons: dict[tuple, str] = {}  # most organizations: a few values
        prints = []
        for row, key in enumerate(
            zip(
                self.score.tolist(),
                self.grade.tolist(),
                self.not_rated_reason.tolist(),
                strict=True,
            )
        ):
            first, last = starts[row], starts[row + 1]
            if first == last and key in without_reasons:
                prints.append(without_reasons[key])
                continue
            score, grade, why = key
            print_ = fingerprint(
                m.METHODOLOGY_VERSION,
                None if score < 0 else score,
                grade,
                why,
                [
                    [codes[i], years[i] or None, points[i], evidence[i]]
                    for i in range(first, last)
                ],
            )
            if first == last:
                without_reasons[key] = print_
            prints.append(print_)
        return prints


def evaluate_frame(
    frame: FactsFrame, *, lists: ListMemberships | None = None
) -> Evaluation:
    """Run every organization rule on ``frame`` and score the organizations."""
    n = len(frame)
    orgs, rule_index, years, order, stops, codes, evidence = [], [], [], [], [], [], []
    for index, rule in enumerate(ORGANIZATION_RULES):
        hits = rule.check(frame)
        applies = np.isin(frame.registry, rule.registries)
        if not applies[hits.org].all():
            hits = hits.select(applies[hits.org])
        if not len(hits):
            continue
        orgs.append(hits.org)
        rule_index.append(np.full(len(hits), index))
        years.append(hits.fiscal_year)
        order.append(hits.order)
        stops.append(hits.not_rated)
        codes.append(rule.code)
        evidence.append(hits.evidence_rows())
    if orgs:
        reason_org = np.concatenate(orgs)
        reason_rule = np.concatenate(rule_index)
        reason_year = np.concatenate(years).astype(np.int64)
        reason_order = np.concatenate(order).astype(np.int64)
        reason_stops = np.concatenate(stops)
        all_evidence = [e for part in evidence for e in part]
        all_codes = [c for c, part in zip(codes, evidence, strict=True) for _ in part]
    else:
        reason_org = reason_rule = reason_year = reason_order = np.zeros(0, np.int64)
        reason_stops = np.zeros(0, dtype=bool)
        all_evidence, all_codes = [], []

    sort = np.lexsort((-reason_order, -reason_year, reason_rule, reason_org))
    reason_org, reason_rule = reason_org[sort], reason_rule[sort]
    reason_year, reason_stops = reason_year[sort], reason_stops[sort]
    sort_list = sort.tolist()
    all_evidence = [all_evidence[i] for i in sort_list]
    all_codes = [all_codes[i] for i in sort_list]

    points = _points(reason_org, reason_rule)
    deducted = np.bincount(reason_org, weights=points, minlength=n).astype(np.int64)
    score = np.maximum(m.FULL_SCORE - deducted, 0)

    rated_registries = list(DUE_DATE_RULES)
    why = np.full(n, "", dtype="<U24")
    why[frame.assessed_years() < m.MIN_ASSESSED_YEARS.value] = TOO_LITTLE_DATA
    revoked_by_law = np.zeros(n, dtype=bool)
    revoked_by_law[reason_org[reason_stops]] = True
    why[revoked_by_law] = AUTOMATIC_REVOCATION
    why[np.isin(frame.status, ENDED_STATUSES)] = ENDED
    why[~np.isin(frame.registry, rated_registries)] = NO_METHODOLOGY
    rated = why == ""

    score = _apply_lists(frame.org_pk, score, lists or {})
    grade = grade_of(score)
    grade[~rated] = NOT_RATED
    score = np.where(rated, score, -1)
    return Evaluation(
        org_pk=frame.org_pk,
        score=score,
        grade=grade,
        not_rated_reason=why,
        reason_org=reason_org,
        reason_code=all_codes,
        reason_year=reason_year,
        reason_points=points,
        reason_evidence=all_evidence,
    )


def grade_of(score: np.ndarray) -> np.ndarray:
    """The grade of each score (``methodology.GRADE_CUTOFFS``)."""
    return np.select(
        [np.asarray(score) >= cutoff for _, cutoff in m.GRADE_CUTOFFS],
        [grade for grade, _ in m.GRADE_CUTOFFS],
        default="D",
    ).astype("<U9")


def _points(reason_org: np.ndarray, reason_rule: np.ndarray) -> np.ndarray:
    """Points per reason: the rule's deduction until its cap for the organization."""
    per = np.array([m.DEDUCTIONS[r.code].points for r in ORGANIZATION_RULES])
    caps = np.array(
        [
            m.DEDUCTIONS[r.code].cap if m.DEDUCTIONS[r.code].cap is not None else 10**9
            for r in ORGANIZATION_RULES
        ]
    )
    if not len(reason_org):
        return np.zeros(0, dtype=np.int64)
    new_group = np.r_[True, (np.diff(reason_org) != 0) | (np.diff(reason_rule) != 0)]
    group_start = np.maximum.accumulate(
        np.where(new_group, np.arange(len(new_group)), 0)
    )
    rank = np.arange(len(reason_org)) - group_start
    each, cap = per[reason_rule], caps[reason_rule]
    return np.clip(cap - rank * each, 0, each).astype(np.int64)


def _apply_lists(
    org_pk: np.ndarray, score: np.ndarray, lists: ListMemberships
) -> np.ndarray:
    """Cap the scores of organizations on the abnormal or the serious list."""
    if not lists:
        return score
    on = {
        name: np.isin(org_pk, [pk for pk, names in lists.items() if name in names])
        for name in (ABNORMAL_LIST, SERIOUS_LIST)
    }
    score = np.where(
        on[ABNORMAL_LIST],
        np.minimum(score, int(m.ABNORMAL_LIST_SCORE_CAP.value)),
        score,
    )
    return np.where(
        on[SERIOUS_LIST], np.minimum(score, int(m.SERIOUS_LIST_SCORE_CAP.value)), score
    )


def evaluate(
    organizations: Sequence[OrgFacts],
    *,
    as_of: dt.date,
    lists: ListMemberships | None = None,
) -> list[Result]:
    """Results for organizations given as facts, in the order given."""
    frame = frame_from_facts(organizations, as_of=as_of)
    return list(evaluate_frame(frame, lists=lists).results())

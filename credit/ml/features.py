"""Features of organizations at a cutoff date, computed in bulk from filing history.

They start from ``credit.rules.facts.build_frame``, which already decides what was
knowable at a date: filings submitted after it and events dated after it do not exist
yet, and figures are those of the latest version submitted by then. Two things are
added so that a feature at cutoff C never depends on anything after C:

* **Status.** The rules take status as recorded; here an organization that was
  revoked or deregistered after C is active at C (its status is only known once it
  changed), otherwise a model would learn from the future.
* **Reference year.** The latest fiscal year whose report had fallen due by C
  (``reference_year``). Everything about "the last N years" counts back from it.

``features_from_frame`` is pure NumPy over a frame; ``registry_chunks`` reads the
registry in chunks of organizations (``values_list``, keyset by id), so the whole
pipeline runs the same on a test's ten organizations and on a million.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from credit import engine
from credit.rules.base import (
    DUE_DATE_RULES,
    ENDED_STATUSES,
    FINE,
    MAIL_RETURNED,
    SUSPENSION,
    WARNING,
)
from credit.rules.facts import ORG_COLUMNS, FactsFrame
from orgs.models import Organization

LIST_ENTRY = "list_entry"
ORG_TYPES = (
    "social_group",
    "foundation",
    "social_service_agency",
    "public_charity",
    "private_foundation",
    "charity",
    "other",
)
LEVELS = ("national", "provincial", "municipal", "county")
# Income bands (CNY) of the anomaly detectors' peer groups.
SIZE_BANDS = (100_000.0, 1_000_000.0, 10_000_000.0)


@dataclass(frozen=True)
class Feature:
    name: str
    group: str  # features explained together (``zombie.explain``)
    categorical: bool = False


FEATURES = (
    Feature("years_registered", "age"),
    Feature("reports_due_3y", "reports"),
    Feature("filed_1y", "reports"),
    Feature("filed_2y", "reports"),
    Feature("filed_3y", "reports"),
    Feature("missed_1y", "reports"),
    Feature("missed_2y", "reports"),
    Feature("missed_3y", "reports"),
    Feature("missed_run", "reports"),
    Feature("years_since_last_filing", "reports"),
    Feature("late_3y", "lateness"),
    Feature("days_late_last", "lateness"),
    Feature("income_log", "size"),
    Feature("expenses_log", "size"),
    Feature("net_assets_log", "size"),
    Feature("income_change", "income_trend"),
    Feature("no_income", "income_trend"),
    Feature("programme_ratio", "ratios"),
    Feature("management_ratio", "ratios"),
    Feature("liabilities_ratio", "ratios"),
    Feature("mail_returned_since_filing", "contact"),
    Feature("penalties_3y", "penalties"),
    Feature("list_entries_3y", "penalties"),
    Feature("org_type", "profile", categorical=True),
    Feature("charity", "profile"),
    Feature("public_fundraising", "profile"),
    Feature("registration_level", "profile"),
    Feature("province", "profile", categorical=True),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
CATEGORICAL = [i for i, f in enumerate(FEATURES) if f.categorical]


@dataclass
class FeatureFrame:
    """Features of a batch of organizations at ``as_of``: N rows, one per org.

    ``values`` (N, F) holds ``FEATURES`` (NaN where unknown). ``eligible`` marks the
    organizations the signals are about: registered by ``as_of``, not ended by then,
    in a registry with annual reports. The other arrays keep the facts the
    explanations quote (years, amounts).
    """

    as_of: dt.date
    frame: FactsFrame
    org_pk: np.ndarray
    values: np.ndarray
    eligible: np.ndarray
    reference_year: np.ndarray  # 0: no report due yet
    latest_year: np.ndarray  # latest fiscal year filed, 0: none
    previous_year: np.ndarray
    latest_income: np.ndarray
    previous_income: np.ndarray
    latest_expenses: np.ndarray
    missing_run_years: list[list[int]]
    size_band: np.ndarray

    def __len__(self) -> int:
        return len(self.org_pk)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, FEATURE_INDEX[name]]


@dataclass
class RegistryChunk:
    """A chunk of organizations as read for the models: the engine's rows plus the
    columns the rules do not read."""

    rows: engine.Chunk
    region: list[str]

    def features(self, *, as_of: dt.date) -> FeatureFrame:
        return features_from_frame(self.rows.frame(as_of=as_of), region=self.region)


def registry_chunks(*, chunk_size: int = engine.CHUNK_SIZE) -> Iterator[RegistryChunk]:
    """Every organization with its filings and events, ``chunk_size`` at a time."""
    after = 0
    while True:
        rows = list(
            Organization.objects.filter(id__gt=after)
            .order_by("id")
            .values_list(*ORG_COLUMNS, "region")[:chunk_size]
        )
        if not rows:
            return
        region = [row[-1] for row in rows]
        organizations = [row[:-1] for row in rows]
        yield RegistryChunk(
            rows=engine.read_chunk(organizations, id_range=True), region=region
        )
        after = rows[-1][0]


def _last_true(mask: np.ndarray) -> np.ndarray:
    """Index of the last True per row, -1 where none."""
    width = mask.shape[1]
    found = mask.any(axis=1)
    return np.where(found, width - 1 - np.argmax(mask[:, ::-1], axis=1), -1)


def _at(matrix: np.ndarray, col: np.ndarray, fill=np.nan) -> np.ndarray:
    """matrix[row, col[row]] per row, ``fill`` where col is -1."""
    rows = np.arange(matrix.shape[0])
    values = matrix[rows, np.maximum(col, 0)]
    if values.dtype.kind == "f":
        return np.where(col >= 0, values, fill)
    return values


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _signed_log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log10(1 + np.abs(values))


def _years_before(day: dt.date, years: int) -> np.datetime64:
    try:
        return np.datetime64(day.replace(year=day.year - years), "D")
    except ValueError:  # 29 February
        return np.datetime64(day.replace(year=day.year - years, day=28), "D")


def features_from_frame(frame: FactsFrame, *, region: list[str]) -> FeatureFrame:
    """The features of every organization of ``frame`` at its as-of date."""
    n, width = frame.filed.shape
    cutoff = frame.as_of_day
    cols = np.arange(width)
    owed = frame.expected & frame.past_due
    filed = frame.filed

    last_due = _last_true(frame.past_due)
    reference_year = np.where(last_due >= 0, frame.years[np.maximum(last_due, 0)], 0)
    counts = {}
    for k in (1, 2, 3):
        recent = (cols[None, :] > (last_due - k)[:, None]) & (
            cols[None, :] <= last_due[:, None]
        )
        counts[f"due_{k}"] = (owed & recent).sum(axis=1)
        counts[f"filed_{k}"] = (owed & filed & recent).sum(axis=1)
        counts[f"missed_{k}"] = (owed & ~filed & recent).sum(axis=1)
        if k == 3:
            recent_3 = recent
    run_length, in_run = frame.missing_tail()
    missing_run_years = [
        frame.years[in_run[r]].tolist() if run_length[r] else [] for r in range(n)
    ]

    latest = _last_true(filed)
    previous = _last_true(filed & (cols[None, :] < latest[:, None]))
    latest_year = np.where(latest >= 0, frame.years[np.maximum(latest, 0)], 0)
    previous_year = np.where(previous >= 0, frame.years[np.maximum(previous, 0)], 0)
    with np.errstate(invalid="ignore"):
        late = filed & owed & recent_3 & (frame.submitted_on > frame.due_on)
    days_late = (
        (_at(frame.submitted_on, latest) - _at(frame.due_on, latest))
        .astype("timedelta64[D]")
        .astype(np.float64)
    )
    days_late = np.where(latest >= 0, days_late, np.nan)
    # a filing with no date: treat its lateness as unknown
    days_late = np.where(np.abs(days_late) > 1e6, np.nan, days_late)

    income = _at(frame.total_income, latest)
    income_before = _at(frame.total_income, previous)
    expenses = _at(frame.total_expenses, latest)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(
            income_before > 0, (income - income_before) / income_before, np.nan
        )
    change = np.clip(change, -1.0, 10.0)
    net_assets = _at(frame.net_assets, latest)

    # Events, all dated by the cutoff (build_frame dropped the later ones).
    since = _years_before(frame.as_of, 3)
    kind, row, date = frame.event_kind, frame.event_row, frame.event_date
    penalty = np.isin(kind, (WARNING, FINE, SUSPENSION)) & (date > since)
    listed = (kind == LIST_ENTRY) & (date > since)
    last_submitted = np.full(n, np.datetime64("NaT", "D"))
    dated = ~np.isnat(frame.filing_submitted_on)
    np.fmax.at(
        last_submitted, frame.filing_row[dated], frame.filing_submitted_on[dated]
    )
    returned = (kind == MAIL_RETURNED) & (
        np.isnat(last_submitted[row]) | (date > last_submitted[row])
    )

    registered_years = (cutoff - frame.registered_on).astype("timedelta64[D]").astype(
        np.float64
    ) / 365.25
    registered_years = np.where(np.isnat(frame.registered_on), np.nan, registered_years)
    type_code = _codes(frame.org_type, ORG_TYPES)
    level_code = _codes(frame.registration_level, LEVELS)
    province = np.array(
        [float(r[:2]) if r[:2].isdigit() else np.nan for r in region], dtype=np.float64
    )

    columns = {
        "years_registered": registered_years,
        "reports_due_3y": counts["due_3"],
        "filed_1y": counts["filed_1"],
        "filed_2y": counts["filed_2"],
        "filed_3y": counts["filed_3"],
        "missed_1y": counts["missed_1"],
        "missed_2y": counts["missed_2"],
        "missed_3y": counts["missed_3"],
        "missed_run": run_length,
        "years_since_last_filing": np.where(
            latest >= 0, reference_year - latest_year, np.nan
        ),
        "late_3y": late.sum(axis=1),
        "days_late_last": days_late,
        "income_log": np.log10(1 + np.maximum(income, 0)),
        "expenses_log": np.log10(1 + np.maximum(expenses, 0)),
        "net_assets_log": _signed_log(net_assets),
        "income_change": change,
        "no_income": np.where(latest >= 0, (income <= 0).astype(float), np.nan),
        "programme_ratio": _ratio(_at(frame.expenses_programs, latest), expenses),
        "management_ratio": _ratio(_at(frame.expenses_management, latest), expenses),
        "liabilities_ratio": _ratio(
            _at(frame.total_liabilities, latest), _at(frame.total_assets, latest)
        ),
        "mail_returned_since_filing": np.bincount(row[returned], minlength=n),
        "penalties_3y": np.bincount(row[penalty], minlength=n),
        "list_entries_3y": np.bincount(row[listed], minlength=n),
        "org_type": type_code,
        "charity": frame.charity,
        "public_fundraising": frame.public_fundraising,
        "registration_level": level_code,
        "province": province,
    }
    values = np.column_stack(
        [np.asarray(columns[name], dtype=np.float64) for name in FEATURE_NAMES]
    )

    ended = np.isin(frame.status, ENDED_STATUSES) & (
        np.isnat(frame.status_changed_on) | (frame.status_changed_on <= cutoff)
    )
    registered = np.isnat(frame.registered_on) | (frame.registered_on <= cutoff)
    eligible = np.isin(frame.registry, list(DUE_DATE_RULES)) & ~ended & registered
    size_band = np.searchsorted(SIZE_BANDS, np.nan_to_num(income, nan=0.0))
    return FeatureFrame(
        as_of=frame.as_of,
        frame=frame,
        org_pk=frame.org_pk,
        values=values,
        eligible=eligible,
        reference_year=reference_year,
        latest_year=latest_year,
        previous_year=previous_year,
        latest_income=income,
        previous_income=income_before,
        latest_expenses=expenses,
        missing_run_years=missing_run_years,
        size_band=size_band,
    )


def _codes(values: np.ndarray, choices: tuple[str, ...]) -> np.ndarray:
    """Position of each value in ``choices``, NaN for anything else."""
    lookup = np.array(choices)
    position = np.searchsorted(np.sort(lookup), values)
    order = np.argsort(lookup)
    position = np.minimum(position, len(lookup) - 1)
    found = np.sort(lookup)[position] == values
    return np.where(found, order[position], np.nan)

"""The plain data rules read: facts about organizations, and the frame they run on.

``OrgFacts`` (with its ``FilingFacts`` and ``EventFacts``) is the readable form: tests
write tables of them, and ``credit.scoring.evaluate`` takes a list of them. The engine
instead reads the database column by column. Both end in ``build_frame``, which turns
columns into a ``FactsFrame``: one row per organization, and one column per fiscal
year for the annual figures, so each rule is a few array operations over every
organization at once.

What ``build_frame`` decides, once for every rule:

* **As of.** Facts dated after ``as_of`` do not exist yet: a filing submitted later is
  not filed, an event dated later has not happened. Scoring a past date therefore gives
  what was knowable then. (Status is taken as recorded.)
* **Versions.** An amended filing is a new version of the same fiscal year. The figures
  are those of the latest version submitted by ``as_of``; the submission date is the
  first version's, so an amendment never makes a report late.
* **Due dates.** A filing's own ``due_on`` wins; otherwise the registry's due-date rule
  (``DUE_DATE_RULES``) sets it, also for years with no filing at all.
* **Expected years.** A report is expected for every fiscal year after the registration
  year whose due date has passed. Without a registration date, from the first year the
  organization filed for; with neither, nothing is expected.
  An organization that has ended (revoked, cancelled, deregistered, removed) owes no
  report falling due after its status changed.
* **Window.** Rules look at the ``WINDOW_YEARS`` fiscal years before the as-of year;
  three more years before them are loaded for prior-year comparisons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .. import methodology as m
from .base import ACTIVE, CN_MCA, DUE_DATE_RULES, ENDED_STATUSES, SOCIAL_GROUP

Amount = Decimal | float | int | None
NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True, slots=True)
class FilingFacts:
    """One version of one annual report, with the figures the rules read.

    Totals are given, not summed here: the engine adds the present income and expense
    fields (``None`` when every one is missing).
    """

    fiscal_year: int
    filing_id: int | None = None
    version: int = 1
    period_end: dt.date | None = None
    due_on: dt.date | None = None
    submitted_on: dt.date | None = None
    total_income: Amount = None
    expenses_programs: Amount = None
    expenses_management: Amount = None
    total_expenses: Amount = None
    total_assets: Amount = None
    total_liabilities: Amount = None
    net_assets: Amount = None
    audit_opinion: str = ""
    # Form 990 Part VI and XII answers (None: the form has no such question).
    voting_members: int | None = None
    independent_voting_members: int | None = None
    conflict_of_interest_policy: bool | None = None
    whistleblower_policy: bool | None = None
    document_retention_policy: bool | None = None
    financial_statements_audited: bool | None = None
    material_diversion: bool | None = None


@dataclass(frozen=True, slots=True)
class EventFacts:
    """A regulatory event: a penalty, a returned letter, a status decision."""

    kind: str
    date: dt.date
    event_id: int | None = None
    amount: Amount = None
    reference: str = ""


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """An organization as the rules see it."""

    id: int
    registry: str = CN_MCA
    org_type: str = SOCIAL_GROUP
    charity: bool = False
    public_fundraising: bool = False
    registration_level: str = ""
    registered_on: dt.date | None = None
    status: str = ACTIVE
    status_changed_on: dt.date | None = None
    filings: Sequence[FilingFacts] = ()
    events: Sequence[EventFacts] = ()


# Governance answers as filed (``Filing.governance``): counts of board members, and
# yes/no answers held in the frame as 1 / 0, or -1 where the form did not ask.
GOVERNANCE_COUNTS = ("voting_members", "independent_voting_members")
GOVERNANCE_ANSWERS = (
    "conflict_of_interest_policy",
    "whistleblower_policy",
    "document_retention_policy",
    "financial_statements_audited",
    "material_diversion",
)
NOT_ASKED = -1

# Column names of the three inputs of build_frame, in the engine's query order.
ORG_COLUMNS = (
    "id",
    "registry",
    "org_type",
    "charity",
    "public_fundraising",
    "registration_level",
    "registered_on",
    "status",
    "status_changed_on",
)
FILING_COLUMNS = (
    "organization_id",
    "id",
    "fiscal_year",
    "version",
    "period_end",
    "due_on",
    "submitted_on",
    "total_income",
    "expenses_programs",
    "expenses_management",
    "total_expenses",
    "total_assets",
    "total_liabilities",
    "net_assets",
    "audit_opinion",
    *GOVERNANCE_COUNTS,
    *GOVERNANCE_ANSWERS,
)
EVENT_COLUMNS = ("organization_id", "id", "date", "kind", "amount", "reference")
AMOUNT_COLUMNS = (
    "total_income",
    "expenses_programs",
    "expenses_management",
    "total_expenses",
    "total_assets",
    "total_liabilities",
    "net_assets",
)

Columns = Mapping[str, Sequence]


@dataclass
class FactsFrame:
    """A batch of organizations as arrays. N organizations, Y fiscal years.

    Per organization (N,): ``org_pk``, ``registry``, ``org_type``, ``charity``,
    ``public_fundraising``, ``registration_level``, ``registered_on``,
    ``registered_year`` (reports are expected for the years after it: the registration
    year, else the year before the first filing, else 9999), ``status``,
    ``status_changed_on``.

    Per organization and fiscal year (N, Y), for ``years``: ``filed``, ``filing_pk``,
    ``due_on``, ``submitted_on``, the amounts, ``audit_opinion``, ``governance``
    (by name: counts as floats, NaN where not filed; answers 1 / 0 / -1), and the derived
    ``expected``, ``past_due`` and ``missing``. ``window`` (Y,) marks the years rules
    judge; the earlier columns only feed prior-year comparisons.

    Every filing (F,), also outside the years: ``filing_row``, ``filing_id``,
    ``filing_year``, ``filing_submitted_on``. Every event (E,): ``event_row``,
    ``event_id``, ``event_date``, ``event_kind``, ``event_amount``,
    ``event_reference``.
    """

    as_of: dt.date
    years: np.ndarray
    window: np.ndarray
    org_pk: np.ndarray
    registry: np.ndarray
    org_type: np.ndarray
    charity: np.ndarray
    public_fundraising: np.ndarray
    registration_level: np.ndarray
    registered_on: np.ndarray
    registered_year: np.ndarray
    status: np.ndarray
    status_changed_on: np.ndarray
    filed: np.ndarray
    filing_pk: np.ndarray
    due_on: np.ndarray
    submitted_on: np.ndarray
    total_income: np.ndarray
    expenses_programs: np.ndarray
    expenses_management: np.ndarray
    total_expenses: np.ndarray
    total_assets: np.ndarray
    total_liabilities: np.ndarray
    net_assets: np.ndarray
    audit_opinion: np.ndarray
    governance: dict[str, np.ndarray]
    expected: np.ndarray
    past_due: np.ndarray
    missing: np.ndarray
    filing_row: np.ndarray
    filing_id: np.ndarray
    filing_year: np.ndarray
    filing_submitted_on: np.ndarray
    event_row: np.ndarray
    event_id: np.ndarray
    event_date: np.ndarray
    event_kind: np.ndarray
    event_amount: np.ndarray
    event_reference: np.ndarray

    def __len__(self) -> int:
        return len(self.org_pk)

    @property
    def as_of_day(self) -> np.datetime64:
        return np.datetime64(self.as_of, "D")

    @property
    def window_columns(self) -> np.ndarray:
        return np.nonzero(self.window)[0]

    def assessed_years(self) -> np.ndarray:
        """Past-due expected reports per organization in the window (filed or not)."""
        return (self.expected & self.past_due & self.window[None, :]).sum(axis=1)

    def missing_tail(self) -> tuple[np.ndarray, np.ndarray]:
        """The latest unbroken run of missing reports, per organization.

        Walks back from the latest year of the window: a missing report extends the
        run, a filed one (even one not yet due) ends it, a year with nothing expected
        is skipped. Returns the run's length (N,) and its years as a mask (N, Y).
        """
        n = len(self)
        length = np.zeros(n, dtype=np.int64)
        in_run = np.zeros(self.filed.shape, dtype=bool)
        open_run = np.ones(n, dtype=bool)
        for col in self.window_columns[::-1]:
            open_run &= ~self.filed[:, col]
            extends = open_run & self.missing[:, col]
            in_run[:, col] = extends
            length += extends
        return length, in_run


def frame_from_facts(
    organizations: Sequence[OrgFacts], *, as_of: dt.date
) -> FactsFrame:
    """A frame from hand-made facts (tests, callers outside the engine)."""
    orgs = {name: [getattr(o, name) for o in organizations] for name in ORG_COLUMNS}
    filings: dict[str, list] = {name: [] for name in FILING_COLUMNS}
    events: dict[str, list] = {name: [] for name in EVENT_COLUMNS}
    for org in organizations:
        for filing in org.filings:
            filings["organization_id"].append(org.id)
            filings["id"].append(filing.filing_id or 0)
            for name in FILING_COLUMNS[2:]:
                filings[name].append(getattr(filing, name))
        for event in org.events:
            events["organization_id"].append(org.id)
            events["id"].append(event.event_id or 0)
            events["date"].append(event.date)
            events["kind"].append(event.kind)
            events["amount"].append(event.amount)
            events["reference"].append(event.reference)
    return build_frame(as_of=as_of, orgs=orgs, filings=filings, events=events)


EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
NAT_INT = np.iinfo(np.int64).min  # how NumPy stores NaT


def _dates(values: Sequence) -> np.ndarray:
    """datetime64[D] from dates or None (15x faster than NumPy's own conversion)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    return np.array(
        [NAT_INT if v is None else v.toordinal() - EPOCH_ORDINAL for v in values],
        dtype=np.int64,
    ).view("datetime64[D]")


def _floats(values: Sequence) -> np.ndarray:
    return np.array(values, dtype=np.float64).reshape(-1)


def _ints(values: Sequence) -> np.ndarray:
    return np.array(values, dtype=np.int64).reshape(-1)


def _answers(values: Sequence) -> np.ndarray:
    """Yes/no answers as 1 / 0, and -1 where there is none."""
    return np.array(
        [NOT_ASKED if v is None else int(bool(v)) for v in values], dtype=np.int8
    ).reshape(-1)


def _text(values: Sequence) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=str).reshape(-1)


def _year_of(days: np.ndarray) -> np.ndarray:
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    return np.where(np.isnat(days), 0, years)


def build_frame(
    *, as_of: dt.date, orgs: Columns, filings: Columns, events: Columns
) -> FactsFrame:
    """Arrange column data (see ``ORG_COLUMNS`` and friends) for the rules."""
    as_of_day = np.datetime64(as_of, "D")
    last_year = as_of.year - 1
    first_window_year = as_of.year - int(m.WINDOW_YEARS.value)
    years = np.arange(first_window_year - m.PRIOR_YEARS_AVERAGED, last_year + 1)
    window = years >= first_window_year
    n, y = len(orgs["id"]), len(years)

    org_pk = np.array(orgs["id"], dtype=np.int64).reshape(-1)
    sorter = np.argsort(org_pk, kind="stable")
    registry = _text(orgs["registry"])

    def rows_of(pks: Sequence) -> np.ndarray:
        pks = np.array(pks, dtype=np.int64).reshape(-1)
        if not len(pks):
            return pks
        position = np.searchsorted(org_pk, pks, sorter=sorter)
        rows = sorter[np.minimum(position, n - 1)]
        if (org_pk[rows] != pks).any():
            raise ValueError(
                "a filing or event belongs to no organization of the frame"
            )
        return rows

    # Filings: typed columns; drop what was submitted after as_of; fold versions.
    typed = {
        "organization_id": rows_of,
        "id": _ints,
        "fiscal_year": _ints,
        "version": _ints,
        "period_end": _dates,
        "due_on": _dates,
        "submitted_on": _dates,
        "audit_opinion": _text,
        **dict.fromkeys(AMOUNT_COLUMNS, _floats),
        **dict.fromkeys(GOVERNANCE_COUNTS, _floats),
        **dict.fromkeys(GOVERNANCE_ANSWERS, _answers),
    }
    f = {
        name: typed[name](filings[name])
        for name in FILING_COLUMNS
        if name != "period_end"
    }
    # period_end only serves to derive a missing due date
    f["period_end"] = (
        _dates(filings["period_end"])
        if np.isnat(f["due_on"]).any()
        else np.full(len(f["due_on"]), NAT)
    )
    keep = np.isnat(f["submitted_on"]) | (f["submitted_on"] <= as_of_day)
    if not keep.all():
        f = {name: values[keep] for name, values in f.items()}
    order = np.lexsort((f["version"], f["fiscal_year"], f["organization_id"]))
    f = {name: values[order] for name, values in f.items()}
    f_row, f_year = f["organization_id"], f["fiscal_year"]
    if len(order):
        starts = np.r_[True, (np.diff(f_row) != 0) | (np.diff(f_year) != 0)]
        start_index = np.nonzero(starts)[0]
        last = np.r_[start_index[1:] - 1, len(order) - 1]
        first_submitted = np.fmin.reduceat(f["submitted_on"], start_index)
    else:
        last = np.zeros(0, dtype=np.int64)
        first_submitted = f["submitted_on"]
    f = {name: values[last] for name, values in f.items()}
    f["submitted_on"] = first_submitted
    f_row, f_year, f_submitted = f["organization_id"], f["fiscal_year"], first_submitted
    f_due, f_period_end = f["due_on"], f["period_end"]
    f_registry = registry[f_row]
    for code, due_rule in DUE_DATE_RULES.items():
        fill = np.isnat(f_due) & (f_registry == code)
        for i in np.nonzero(fill)[0].tolist():
            period_end = f_period_end[i]
            f_due[i] = due_rule(
                int(f_year[i]), None if np.isnat(period_end) else period_end.item()
            )

    # The (N, Y) matrices of the years the rules look at.
    due_on = np.full((n, y), NAT)
    for code, due_rule in DUE_DATE_RULES.items():
        rows = registry == code
        for col, year in enumerate(years.tolist()):
            due_on[rows, col] = np.datetime64(due_rule(year, None), "D")
    in_span = (f_year >= years[0]) & (f_year <= years[-1])
    cell_row, cell_col = f_row[in_span], (f_year - years[0])[in_span]
    filed = np.zeros((n, y), dtype=bool)
    filed[cell_row, cell_col] = True
    filing_pk = np.zeros((n, y), dtype=np.int64)
    filing_pk[cell_row, cell_col] = f["id"][in_span]
    due_on[cell_row, cell_col] = f_due[in_span]
    submitted_on = np.full((n, y), NAT)
    submitted_on[cell_row, cell_col] = f_submitted[in_span]
    amounts = {}
    for name in AMOUNT_COLUMNS:
        matrix = np.full((n, y), np.nan)
        matrix[cell_row, cell_col] = f[name][in_span]
        amounts[name] = matrix
    audit_opinion = np.full((n, y), "", dtype="<U16")
    audit_opinion[cell_row, cell_col] = f["audit_opinion"][in_span]
    governance = {}
    for name in GOVERNANCE_COUNTS:
        governance[name] = np.full((n, y), np.nan)
        governance[name][cell_row, cell_col] = f[name][in_span]
    for name in GOVERNANCE_ANSWERS:
        governance[name] = np.full((n, y), NOT_ASKED, dtype=np.int8)
        governance[name][cell_row, cell_col] = f[name][in_span]

    # Which reports are expected: every year after registration, past its due date.
    registered_on = _dates(orgs["registered_on"])
    registered_year = _year_of(registered_on)
    first_filed = np.full(n, 10_000, dtype=np.int64)
    np.minimum.at(first_filed, f_row, f_year)
    registered_year = np.where(registered_year > 0, registered_year, first_filed - 1)
    has_due_rule = np.isin(registry, list(DUE_DATE_RULES))
    expected = (years[None, :] > registered_year[:, None]) & has_due_rule[:, None]
    past_due = due_on < as_of_day
    # An organization that has ended owes no report falling due after its end.
    status = _text(orgs["status"])
    status_changed_on = _dates(orgs["status_changed_on"])
    ended = np.isin(status, ENDED_STATUSES) & ~np.isnat(status_changed_on)
    expected &= ~ended[:, None] | (due_on < status_changed_on[:, None])
    missing = expected & past_due & ~filed & window[None, :]

    # Events up to as_of.
    e_row = rows_of(events["organization_id"])
    e_date = _dates(events["date"])
    happened = e_date <= as_of_day
    return FactsFrame(
        as_of=as_of,
        years=years,
        window=window,
        org_pk=org_pk,
        registry=registry,
        org_type=_text(orgs["org_type"]),
        charity=np.array(orgs["charity"], dtype=bool).reshape(-1),
        public_fundraising=np.array(orgs["public_fundraising"], dtype=bool).reshape(-1),
        registration_level=_text(orgs["registration_level"]),
        registered_on=registered_on,
        registered_year=registered_year,
        status=status,
        status_changed_on=status_changed_on,
        filed=filed,
        filing_pk=filing_pk,
        due_on=due_on,
        submitted_on=submitted_on,
        audit_opinion=audit_opinion,
        governance=governance,
        expected=expected,
        past_due=past_due,
        missing=missing,
        filing_row=f_row,
        filing_id=f["id"],
        filing_year=f_year,
        filing_submitted_on=f_submitted,
        event_row=e_row[happened],
        event_id=np.array(events["id"], dtype=np.int64).reshape(-1)[happened],
        event_date=e_date[happened],
        event_kind=_text(events["kind"])[happened],
        event_amount=_floats(events["amount"])[happened],
        event_reference=_text(events["reference"])[happened],
        **amounts,
    )

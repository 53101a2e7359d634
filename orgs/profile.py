"""What the profile page works out from an organization already loaded: its finances
by year for the charts and their tables, the programme-spending ratio against the
legal minimum, and why a fiscal year has no filing.

Everything here runs on the organization and its prefetched filings: no query, so the
profile's query count stays fixed whatever the history. The law's figures come from
``credit`` (the due-date rule per registry, ``credit.spending``), never from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from credit import methodology as m
from credit import spending
from credit.rules.base import ENDED_STATUSES
from credit.rules.facts import FilingFacts, OrgFacts

from . import charts
from .models import EXPENSE_FIELDS, INCOME_FIELDS, Filing, Organization

# How many fiscal years the profile explains and charts, counting back from the last
# complete one: the credit rules' look-back.
PROFILE_YEARS = m.WINDOW_YEARS.value
CHART_YEARS = 10

INCOME_LABELS = {
    "donations": _("Donations"),
    "government_grants": _("Government grants"),
    "services": _("Services"),
    "investment": _("Investment"),
    "other": _("Other income"),
}
EXPENSE_LABELS = {
    "programs": _("Programmes"),
    "management": _("Management"),
    "fundraising": _("Fundraising"),
    "other": _("Other expenses"),
}
BASIS_LABELS = {
    spending.TOTAL_EXPENSES: _("the year's total expenses"),
    spending.PRIOR_YEAR_INCOME: _("the prior year's income"),
    spending.THREE_YEAR_AVERAGE_INCOME: _(
        "the average income of the three prior years"
    ),
    spending.PRIOR_YEAR_NET_ASSETS: _("the prior year-end net assets"),
}

# Why a fiscal year has no filing.
FILED = "filed"
NOT_YET_DUE = "not_yet_due"
OVERDUE = "overdue"
BEFORE_REGISTRATION = "before_registration"
AFTER_END = "after_end"
NO_DUE_DATE = "no_due_date"

DueRule = Callable[[int], "dt.date | None"]


@dataclass(frozen=True)
class FiscalYear:
    """One fiscal year on the profile: its filings (all published versions, latest
    first) or, when there are none, why (``state``) with the dates that explain it."""

    fiscal_year: int
    filings: tuple[Filing, ...]
    state: str
    due_on: dt.date | None = None
    days_overdue: int | None = None
    since: dt.date | None = None  # registration or end date behind "not required"

    @property
    def required(self) -> bool:
        return self.state not in (BEFORE_REGISTRATION, AFTER_END)


def fiscal_year_explain(
    *,
    fiscal_year: int,
    registered_on: dt.date | None,
    status: str,
    status_changed_on: dt.date | None,
    due_on: dt.date | None,
    today: dt.date,
) -> tuple[str, int | None]:
    """Why a fiscal year has no filing, and the days overdue when it is overdue.

    The same expectations as the credit rules (``credit.rules.facts``): a report is
    owed for each fiscal year after the registration year, and an organization that
    has ended (revoked, cancelled, deregistered, removed) owes none falling due on or
    after the day it ended. A report is overdue the day after its due date.
    """
    if registered_on is not None and fiscal_year <= registered_on.year:
        return BEFORE_REGISTRATION, None
    if due_on is None:
        return NO_DUE_DATE, None
    if status in ENDED_STATUSES and status_changed_on and due_on >= status_changed_on:
        return AFTER_END, None
    if today <= due_on:
        return NOT_YET_DUE, None
    return OVERDUE, (today - due_on).days


def fiscal_years(
    *,
    organization: Organization,
    filings: Sequence[Filing],
    due_rule: DueRule,
    today: dt.date,
) -> list[FiscalYear]:
    """The last ``PROFILE_YEARS`` complete fiscal years and every year with a filing,
    latest first, each with its filings or the reason it has none."""
    by_year: dict[int, list[Filing]] = {}
    for filing in filings:
        by_year.setdefault(filing.fiscal_year, []).append(filing)
    years = set(range(today.year - PROFILE_YEARS, today.year)) | set(by_year)
    rows = []
    for year in sorted(years, reverse=True):
        versions = sorted(by_year.get(year, ()), key=lambda f: -f.version)
        due_on = next((f.due_on for f in versions if f.due_on), None) or due_rule(year)
        if versions:
            rows.append(
                FiscalYear(
                    fiscal_year=year,
                    filings=tuple(versions),
                    state=FILED,
                    due_on=due_on,
                )
            )
            continue
        state, days = fiscal_year_explain(
            fiscal_year=year,
            registered_on=organization.registered_on,
            status=organization.status,
            status_changed_on=organization.status_changed_on,
            due_on=due_on,
            today=today,
        )
        since = {
            BEFORE_REGISTRATION: organization.registered_on,
            AFTER_END: organization.status_changed_on,
        }.get(state)
        rows.append(
            FiscalYear(
                fiscal_year=year,
                filings=(),
                state=state,
                due_on=due_on,
                days_overdue=days,
                since=since,
            )
        )
    return rows


def current_filings(filings: Sequence[Filing]) -> list[Filing]:
    """The latest published version of each fiscal year, oldest year first."""
    latest: dict[int, Filing] = {}
    for filing in filings:
        if filing.superseded:
            continue
        held = latest.get(filing.fiscal_year)
        if held is None or filing.version > held.version:
            latest[filing.fiscal_year] = filing
    return [latest[year] for year in sorted(latest)]


@dataclass(frozen=True)
class RatioYear:
    """One year of the programme-spending chart's table."""

    fiscal_year: int
    programs: float | None
    basis: str | None
    basis_label: str
    basis_amount: float | None
    ratio: float | None
    minimum_share: float | None
    minimum_amount: float | None
    meets: bool | None


@dataclass(frozen=True)
class Finances:
    """The three charts and the tables that say the same in words."""

    currency: str
    years: tuple[int, ...]
    income: tuple[charts.Series, ...]
    expenses: tuple[charts.Series, ...]
    income_chart: charts.StackedBarChart | None
    expenses_chart: charts.StackedBarChart | None
    ratio_years: tuple[RatioYear, ...]
    ratio_chart: charts.RatioChart | None
    has_minimum: bool
    minimum_source: str

    @property
    def income_rows(self):
        return _rows(self.years, self.income)

    @property
    def expense_rows(self):
        return _rows(self.years, self.expenses)


def _rows(years, series):
    """Table rows: (year, [value per series], total) with None where not filed."""
    rows = []
    for index, year in enumerate(years):
        values = [row.values[index] for row in series]
        present = [v for v in values if v is not None]
        rows.append((year, values, sum(present) if present else None))
    return rows


def _number(value) -> float | None:
    return None if value is None else float(value)


def _facts(organization: Organization, filings: Sequence[Filing]) -> OrgFacts:
    return OrgFacts(
        id=organization.pk,
        registry=organization.registry,
        org_type=organization.org_type,
        charity=organization.charity,
        public_fundraising=organization.public_fundraising,
        registered_on=organization.registered_on,
        status=organization.status,
        status_changed_on=organization.status_changed_on,
        filings=[
            FilingFacts(
                fiscal_year=f.fiscal_year,
                filing_id=f.pk,
                version=f.version,
                total_income=f.total_income,
                expenses_programs=f.expenses_programs,
                total_expenses=f.total_expenses,
                net_assets=f.net_assets,
            )
            for f in filings
        ],
    )


def organization_finances(
    *, organization: Organization, filings: Sequence[Filing], language: str
) -> Finances | None:
    """Income by source, expenses by function and programme spending against the
    legal minimum, per fiscal year, from the current published filings; None when
    there is no filing. Filings in another currency than the latest one's are left
    out (a chart adds amounts)."""
    current = current_filings(filings)
    if not current:
        return None
    currency = current[-1].currency
    current = [f for f in current if f.currency == currency][-CHART_YEARS:]
    by_year = {f.fiscal_year: f for f in current}
    years = tuple(range(current[0].fiscal_year, current[-1].fiscal_year + 1))

    def series(prefix, fields, labels):
        rows = []
        for field in fields:
            values = [
                _number(getattr(by_year[y], f"{prefix}_{field}"))
                if y in by_year
                else None
                for y in years
            ]
            # A source nobody filed is not a series: the legend stays short.
            if any(v for v in values):
                rows.append(
                    charts.Series(key=field, label=str(labels[field]), values=values)
                )
        return tuple(rows)

    income = series("income", INCOME_FIELDS, INCOME_LABELS)
    expenses = series("expenses", EXPENSE_FIELDS, EXPENSE_LABELS)

    facts = _facts(organization, current)
    ratio_years = []
    source = ""
    for year in years:
        filing = by_year.get(year)
        programs = _number(filing.expenses_programs) if filing else None
        minimum = spending.spending_minimum(facts, fiscal_year=year)
        if minimum is None:
            # No legal minimum: the share of total expenses, for information.
            total = _number(filing.total_expenses) if filing else None
            basis, base = spending.TOTAL_EXPENSES, total
        else:
            basis, base = minimum.basis, minimum.basis_amount
            source = minimum.source.get(language)
        ratio = programs / base if programs is not None and base else None
        meets = None
        if minimum is not None and minimum.amount is not None and programs is not None:
            meets = programs >= minimum.amount - m.AMOUNT_TOLERANCE
        ratio_years.append(
            RatioYear(
                fiscal_year=year,
                programs=programs,
                basis=basis,
                basis_label=str(BASIS_LABELS[basis]),
                basis_amount=base,
                ratio=ratio,
                minimum_share=minimum.share if minimum else None,
                minimum_amount=minimum.amount if minimum else None,
                meets=meets,
            )
        )
    return Finances(
        currency=currency,
        years=years,
        income=income,
        expenses=expenses,
        income_chart=charts.stacked_bar_chart(years=years, series=income),
        expenses_chart=charts.stacked_bar_chart(years=years, series=expenses),
        ratio_years=tuple(ratio_years),
        ratio_chart=charts.ratio_chart(
            years=years,
            ratios=[r.ratio for r in ratio_years],
            minimums=[r.minimum_share for r in ratio_years],
            meets=[r.meets for r in ratio_years],
        ),
        has_minimum=any(r.minimum_share is not None for r in ratio_years),
        minimum_source=source,
    )

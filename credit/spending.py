"""The legal minimum of programme spending for one organization and one fiscal year.

The credit rules (``SPENDING_BELOW_MINIMUM`` in ``rules/cn_mca.py``,
``PROGRAM_RATIO_LOW`` in ``rules/us_irs.py``) test every organization at once over
column frames; a profile page needs the same minimum for one organization, as a number
it can draw and explain. This module answers that from the organization's facts
(``OrgFacts``), with every share and tier read from ``methodology`` so the figures live
in one place. ``tests/credit/test_spending.py`` checks that it agrees with the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import methodology as m
from .rules.base import CN_MCA, FOUNDATION, US_IRS, Text
from .rules.cn_mca import CHARITY_TYPES, SPENDING_SOURCES
from .rules.facts import FilingFacts, OrgFacts

US_PROGRAM_RATIO_SOURCE = Text(
    "Charity Navigator 旧版评级：项目支出占总支出不足三分之一的得零分",
    "Charity Navigator legacy rating: under one third of total expenses scores zero",
)

# What a minimum is a share of.
TOTAL_EXPENSES = "total_expenses"
PRIOR_YEAR_INCOME = "prior_year_income"
THREE_YEAR_AVERAGE_INCOME = "three_year_average_income"
PRIOR_YEAR_NET_ASSETS = "prior_year_net_assets"


@dataclass(frozen=True)
class SpendingMinimum:
    """Programme spending must be at least ``share`` of ``basis``.

    ``basis_amount`` and ``amount`` (the minimum in money) are None when the figures
    the basis needs were not filed; the share still applies.
    """

    fiscal_year: int
    share: float
    basis: str
    basis_amount: float | None
    amount: float | None
    source: Text


def spending_minimum(
    organization: OrgFacts, *, fiscal_year: int
) -> SpendingMinimum | None:
    """The minimum programme spending the organization owes for ``fiscal_year``, or
    None where no minimum applies (not a charity or foundation in China, a registry
    without a spending rule).

    China, public fundraising: 70% of the lower of the prior year's income and the
    average of the three prior years' (Charity Law Art. 61). China, without: a share
    of prior year-end net assets by size tier, and in the smallest tier also 50% of the
    prior year's income; the larger of the two amounts binds, as in the rule. United
    States: one third of the year's total expenses.
    """
    if organization.registry == US_IRS:
        filing = _latest_versions(organization.filings).get(fiscal_year)
        total = _number(filing.total_expenses) if filing else math.nan
        share = m.PROGRAM_RATIO_MIN.value
        return _minimum(
            fiscal_year, share, TOTAL_EXPENSES, total, US_PROGRAM_RATIO_SOURCE
        )
    if organization.registry != CN_MCA or not _charity_scope(organization):
        return None
    filings = _latest_versions(organization.filings)

    def figure(year: int, name: str) -> float:
        filing = filings.get(year)
        return _number(getattr(filing, name)) if filing else math.nan

    prior_income = figure(fiscal_year - 1, "total_income")
    if organization.public_fundraising:
        incomes = [figure(fiscal_year - k, "total_income") for k in (1, 2, 3)]
        average = math.fsum(incomes) / 3  # NaN when a year is missing, as np.mean
        # np.fmin: the average wins only where it exists and is lower.
        if not math.isnan(average) and (
            math.isnan(prior_income) or average < prior_income
        ):
            base, basis = average, THREE_YEAR_AVERAGE_INCOME
        else:
            base, basis = prior_income, PRIOR_YEAR_INCOME
        share = m.PUBLIC_FUNDRAISING_SPENDING_MIN.value
        return _minimum(fiscal_year, share, basis, base, SPENDING_SOURCES)
    prior_net_assets = figure(fiscal_year - 1, "net_assets")
    tiers = (
        m.NON_PUBLIC_FOUNDATION_TIERS
        if organization.org_type == FOUNDATION
        else m.NON_PUBLIC_TIERS
    )
    tier = _tier(tiers, prior_net_assets)
    if tier is None:  # net assets not filed: the rule cannot place the organization
        return _minimum(
            fiscal_year,
            tiers[-1].spending_min,
            PRIOR_YEAR_NET_ASSETS,
            math.nan,
            SPENDING_SOURCES,
        )
    by_assets = _minimum(
        fiscal_year,
        tier.spending_min,
        PRIOR_YEAR_NET_ASSETS,
        prior_net_assets,
        SPENDING_SOURCES,
    )
    if tier.income_spending_min is None:
        return by_assets
    by_income = _minimum(
        fiscal_year,
        tier.income_spending_min,
        PRIOR_YEAR_INCOME,
        prior_income,
        SPENDING_SOURCES,
    )
    if by_income.amount is not None and (
        by_assets.amount is None or by_income.amount > by_assets.amount
    ):
        return by_income
    return by_assets


def _charity_scope(organization: OrgFacts) -> bool:
    """The 2016 rules cover charities; the Regulations on Foundations every
    foundation (``_charity_scope`` in rules/cn_mca.py)."""
    return organization.org_type in CHARITY_TYPES and (
        organization.charity or organization.org_type == FOUNDATION
    )


def _tier(tiers, net_assets: float):
    if math.isnan(net_assets):
        return None
    return next((t for t in tiers if net_assets >= t.net_assets_from), None)


def _minimum(
    fiscal_year: int, share: float, basis: str, base: float, source: Text
) -> SpendingMinimum:
    known = not math.isnan(base)
    return SpendingMinimum(
        fiscal_year=fiscal_year,
        share=share,
        basis=basis,
        basis_amount=base if known else None,
        amount=share * base if known else None,
        source=source,
    )


def _latest_versions(filings) -> dict[int, FilingFacts]:
    latest: dict[int, FilingFacts] = {}
    for filing in filings:
        held = latest.get(filing.fiscal_year)
        if held is None or filing.version > held.version:
            latest[filing.fiscal_year] = filing
    return latest


def _number(value) -> float:
    return math.nan if value is None else float(value)

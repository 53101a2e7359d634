"""credit.spending: the legal minimum of programme spending for one organization,
from its facts. Pure tests; the last one checks the function against the rules that
score every organization, so the profile and the grade never disagree."""

import random
from decimal import Decimal

import pytest

from credit import methodology as m
from credit.spending import (
    PRIOR_YEAR_INCOME,
    PRIOR_YEAR_NET_ASSETS,
    THREE_YEAR_AVERAGE_INCOME,
    TOTAL_EXPENSES,
    spending_minimum,
)
from tests.credit.test_rules import (
    CHARITY_GROUP,
    FOUNDATION_PUBLIC,
    US_CHARITY,
    organization,
    reasons,
    with_filing,
)


@pytest.mark.parametrize(
    ("org", "share", "basis", "amount"),
    [
        # public fundraising: 70% of the prior year's income (1,000,000 in 2023)
        (FOUNDATION_PUBLIC, 0.70, PRIOR_YEAR_INCOME, 700_000),
        # ... or of the three prior years' average when that is lower
        (
            with_filing(
                with_filing(FOUNDATION_PUBLIC, 2021, total_income=400_000),
                2022,
                total_income=400_000,
            ),
            0.70,
            THREE_YEAR_AVERAGE_INCOME,
            0.70 * 600_000,
        ),
        # without public fundraising: 8% of prior net assets in the CNY 1-5m tier
        (
            with_filing(CHARITY_GROUP, 2023, net_assets=2_000_000),
            0.08,
            PRIOR_YEAR_NET_ASSETS,
            160_000,
        ),
        # 6% from CNY 10m
        (
            with_filing(CHARITY_GROUP, 2023, net_assets=10_000_000),
            0.06,
            PRIOR_YEAR_NET_ASSETS,
            600_000,
        ),
        # under CNY 1m, 50% of prior income binds when it is the larger amount
        (
            with_filing(CHARITY_GROUP, 2023, net_assets=900_000),
            0.50,
            PRIOR_YEAR_INCOME,
            500_000,
        ),
        # United States: a third of the same year's total expenses (950,000)
        (US_CHARITY, m.PROGRAM_RATIO_MIN.value, TOTAL_EXPENSES, 950_000 / 3),
    ],
    ids=["70%", "3y-average", "8%", "6%", "50%-income", "us-third"],
)
def test_minimum_for_2024(org, share, basis, amount):
    minimum = spending_minimum(org, fiscal_year=2024)
    assert minimum.share == pytest.approx(share)
    assert minimum.basis == basis
    assert minimum.amount == pytest.approx(amount)
    assert minimum.source.en and minimum.source.zh


def test_no_minimum_for_an_organization_the_rule_does_not_cover():
    assert spending_minimum(organization(), fiscal_year=2024) is None  # social group
    assert spending_minimum(organization(registry="GB-CHC"), fiscal_year=2024) is None


def test_missing_prior_year_keeps_the_share_but_has_no_amount():
    org = with_filing(FOUNDATION_PUBLIC, 2023, remove=True)
    minimum = spending_minimum(org, fiscal_year=2024)
    assert minimum.share == pytest.approx(0.70)
    assert minimum.amount is None and minimum.basis_amount is None


def test_latest_version_of_the_prior_year_counts():
    org = with_filing(CHARITY_GROUP, 2023, net_assets=2_000_000)
    amended = [*org.filings]
    first = next(f for f in amended if f.fiscal_year == 2023)
    from dataclasses import replace

    amended.append(replace(first, version=2, net_assets=Decimal("20000000")))
    minimum = spending_minimum(replace(org, filings=amended), fiscal_year=2024)
    assert minimum.share == pytest.approx(0.06)
    assert minimum.amount == pytest.approx(1_200_000)


@pytest.mark.parametrize("public", [True, False])
def test_agrees_with_the_spending_rule_on_random_organizations(public):
    """The rule fires for 2024 exactly when spending is under the minimum found here."""
    rng = random.Random(6)  # noqa: S311 - test data
    base = FOUNDATION_PUBLIC if public else CHARITY_GROUP
    for _ in range(60):
        org = base
        for year in (2021, 2022, 2023):
            org = with_filing(
                org,
                year,
                total_income=rng.choice([200_000, 800_000, 1_000_000, 3_000_000]),
                net_assets=rng.choice([300_000, 900_000, 2_000_000, 12_000_000]),
            )
        minimum = spending_minimum(org, fiscal_year=2024)
        spend = round(minimum.amount * rng.choice([0.5, 0.99, 1.0, 1.01, 2.0]))
        org = with_filing(org, 2024, expenses_programs=spend)
        fired = any(
            r.fiscal_year == 2024 for r in reasons(org, "SPENDING_BELOW_MINIMUM")
        )
        assert fired == (spend < minimum.amount - m.AMOUNT_TOLERANCE), org

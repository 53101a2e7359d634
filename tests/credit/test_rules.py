"""Every credit rule, from tables of facts: it fires where it should and nowhere else.

Pure tests: facts in, reasons out, no database. ``AS_OF`` is 15 June 2025, so the
window is fiscal years 2020-2024 and the 2024 reports fell due on 31 May 2025.
"""

import datetime as dt
import itertools
import random
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from credit import methodology as m
from credit.rules import RULE_ORDER, RULES, EventFacts, FilingFacts, OrgFacts, base
from credit.rules.cn_mca import annual_report_due
from credit.rules.names import (
    RegisteredNameFacts,
    UnregisteredNameFacts,
    name_core,
    screen_names,
)
from credit.rules.us_irs import return_due, return_statutory_due
from credit.scoring import (
    ABNORMAL_LIST,
    AUTOMATIC_REVOCATION,
    ENDED,
    NO_METHODOLOGY,
    NOT_RATED,
    SERIOUS_LIST,
    TOO_LITTLE_DATA,
    evaluate,
    grade_of,
)

AS_OF = dt.date(2025, 6, 15)
D = dt.date


def filing(year: int, **changes) -> FilingFacts:
    """A clean report: on time, balanced, audited, spending well within every rule."""
    values = {
        "fiscal_year": year,
        "filing_id": year,
        "submitted_on": D(year + 1, 4, 20),
        "total_income": Decimal("1000000.00"),
        "expenses_programs": Decimal("800000.00"),
        "expenses_management": Decimal("80000.00"),
        "total_expenses": Decimal("950000.00"),
        "total_assets": Decimal("1500000.00"),
        "total_liabilities": Decimal("200000.00"),
        "net_assets": Decimal("1300000.00"),
        "audit_opinion": "unqualified",
    }
    values.update(changes)
    return FilingFacts(**values)


def years(first: int = 2016, last: int = 2024, **changes) -> list[FilingFacts]:
    return [filing(y, **changes) for y in range(first, last + 1)]


def organization(**changes) -> OrgFacts:
    values = {
        "id": 1,
        "registered_on": D(2015, 3, 1),
        "filings": years(),
    }
    values.update(changes)
    return OrgFacts(**values)


def with_filing(org: OrgFacts, year: int, **changes) -> OrgFacts:
    """``org`` with its report for ``year`` changed (or removed with ``None``)."""
    filings = [f for f in org.filings if f.fiscal_year != year]
    if changes.get("remove"):
        return replace(org, filings=filings)
    return replace(org, filings=[*filings, filing(year, **changes)])


def result(org: OrgFacts, as_of: dt.date = AS_OF, lists=None):
    return evaluate([org], as_of=as_of, lists=lists)[0]


def reasons(org: OrgFacts, code: str, as_of: dt.date = AS_OF):
    return [r for r in result(org, as_of).reasons if r.code == code]


FOUNDATION_PUBLIC = organization(
    org_type="foundation", charity=True, public_fundraising=True
)
CHARITY_GROUP = organization(charity=True)
US_CHARITY = organization(
    registry="US-IRS",
    org_type="public_charity",
    filings=years(submitted_on=None, due_on=None),
)
CLEAN = {
    "social group": organization(),
    "social service agency": organization(org_type="social_service_agency"),
    "public-fundraising foundation": FOUNDATION_PUBLIC,
    "charity without public fundraising": CHARITY_GROUP,
    "national foundation": organization(
        org_type="foundation", registration_level="national"
    ),
    "US public charity": US_CHARITY,
}


# --- the rule table ------------------------------------------------------------------


def test_the_rule_table_has_exactly_the_codes_other_issues_rely_on():
    assert list(RULES) == list(RULE_ORDER)
    assert set(RULES) == {
        "FILING_LATE", "FILING_MISSING", "ZOMBIE_NO_FILING_2Y", "INACTIVE",
        "UNREACHABLE", "PENALTY_MINOR", "PENALTY_MAJOR", "SPENDING_BELOW_MINIMUM",
        "MANAGEMENT_COST_OVER_CAP", "ACCOUNTS_INCONSISTENT", "AUDIT_MISSING",
        "OPERATING_AFTER_REVOCATION", "NAME_IMPERSONATION", "IRS_REVOCATION_RISK",
        "PROGRAM_RATIO_LOW", "BOARD_WEAK", "POLICY_MISSING", "ASSET_DIVERSION",
    }  # fmt: skip


@pytest.mark.parametrize("code", RULE_ORDER)
def test_every_rule_is_documented_in_both_languages_with_its_source(code):
    rule = RULES[code]
    assert rule.title.zh and rule.title.en and rule.advice.zh and rule.advice.en
    assert rule.evidence and rule.doc
    assert set(rule.sources) == set(rule.registries)
    for source in rule.sources.values():
        assert source.zh and source.en
    assert code in m.DEDUCTIONS


def test_rules_use_the_registry_values_of_the_orgs_models():
    from orgs.models import EventKind, OrgType, Registry, Status

    assert {base.CN_MCA, base.US_IRS} <= set(Registry.values)
    assert {base.SOCIAL_GROUP, base.FOUNDATION, base.SOCIAL_SERVICE_AGENCY} <= set(
        OrgType.values
    )
    assert {base.ACTIVE, *base.ENDED_STATUSES} <= set(Status.values)
    assert {
        base.WARNING, base.FINE, base.SUSPENSION, base.BAN, base.MAIL_RETURNED
    } <= set(EventKind.values)  # fmt: skip


def test_titles_pick_the_request_language_with_chinese_by_default():
    title = RULES["FILING_LATE"].title
    assert title.get("en") == "Annual report filed late"
    assert title.get("en-us") == title.get("en")
    assert title.get("zh-hans") == title.get(None) == "年度报告逾期报送"


# --- clean organizations -------------------------------------------------------------


@pytest.mark.parametrize("org", CLEAN.values(), ids=CLEAN.keys())
def test_a_clean_organization_has_no_reasons_and_full_marks(org):
    outcome = result(org)
    assert outcome.reasons == ()
    assert (outcome.score, outcome.grade) == (100, "A")


# --- due dates -----------------------------------------------------------------------


def test_due_dates_per_registry():
    assert annual_report_due(2024) == D(2025, 5, 31)
    assert return_statutory_due(2024) == D(2025, 5, 15)
    assert return_statutory_due(2024, D(2024, 6, 30)) == D(2024, 11, 15)
    assert return_statutory_due(2024, D(2024, 9, 30)) == D(2025, 2, 15)
    # On time until the end of the automatic six-month extension (Form 8868).
    assert return_due(2024) == D(2025, 11, 15)
    assert return_due(2024, D(2024, 6, 30)) == D(2025, 5, 15)
    assert return_due(2024, D(2024, 9, 30)) == D(2025, 8, 15)


# --- FILING_LATE ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "late"),
    [
        ({"submitted_on": D(2025, 5, 31)}, 0),  # on the due date: on time
        ({"submitted_on": D(2025, 6, 1)}, 1),
        ({"submitted_on": D(2025, 4, 1), "due_on": D(2025, 3, 31)}, 1),  # own due_on
        ({"submitted_on": D(2025, 6, 1), "due_on": D(2025, 6, 30)}, 0),  # extension
        ({"submitted_on": None}, 0),  # no date: cannot tell
    ],
)
def test_filing_late_around_the_31_may_deadline(changes, late):
    org = with_filing(organization(), 2024, **changes)
    found = reasons(org, "FILING_LATE")
    assert len(found) == late
    if late:
        assert found[0].fiscal_year == 2024
        assert found[0].evidence["days_late"] == 1
        assert found[0].evidence["filing_id"] == 2024


def test_a_us_return_without_due_date_is_due_from_its_period_end():
    june_year = [
        filing(y, submitted_on=D(y + 1, 11, 1), period_end=D(y + 1, 6, 30))
        for y in range(2016, 2023)
    ]
    # Calendar year 2023: due 15 May 2024, on time until 15 November with the
    # automatic extension.
    late = filing(2023, submitted_on=D(2024, 11, 16))
    org = replace(US_CHARITY, filings=[*june_year, late])
    found = reasons(org, "FILING_LATE")
    assert [(r.fiscal_year, r.evidence["due_on"]) for r in found] == [
        (2023, "2024-11-15")
    ]
    # The year ending June 2023: due 15 November 2023, extended to 15 May 2024.
    org = replace(
        org,
        filings=[*june_year[:-1], replace(june_year[-1], submitted_on=D(2024, 5, 16))],
    )
    assert [r.evidence["due_on"] for r in reasons(org, "FILING_LATE")] == ["2024-05-15"]


def test_an_amendment_filed_late_does_not_make_the_report_late():
    org = organization()
    amended = filing(2024, filing_id=99, version=2, submitted_on=D(2025, 6, 10))
    org = replace(org, filings=[*org.filings, amended])
    assert reasons(org, "FILING_LATE") == []


def test_late_reports_outside_the_window_do_not_count():
    org = with_filing(organization(), 2019, submitted_on=D(2021, 1, 1))
    assert reasons(org, "FILING_LATE") == []


def test_filing_late_points_are_capped():
    org = organization(filings=years(submitted_on=None))
    org = replace(
        org,
        filings=[
            replace(f, submitted_on=D(f.fiscal_year + 1, 6, 2)) for f in org.filings
        ],
    )
    found = reasons(org, "FILING_LATE")
    assert [r.fiscal_year for r in found] == [2024, 2023, 2022, 2021, 2020]
    assert [r.points for r in found] == [10, 10, 0, 0, 0]
    assert result(org).score == 80


# --- FILING_MISSING ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "as_of", "missing"),
    [
        (organization(filings=[]), AS_OF, [2024, 2023, 2022, 2021, 2020]),  # window
        (organization(registered_on=D(2022, 3, 1), filings=[]), AS_OF, [2024, 2023]),
        (with_filing(organization(), 2022, remove=True), AS_OF, [2022]),
        (with_filing(organization(), 2024, remove=True), D(2025, 5, 31), []),  # due day
        (with_filing(organization(), 2024, remove=True), D(2025, 6, 1), [2024]),
        # submitted after the as-of date: not filed yet then
        (with_filing(organization(), 2024, submitted_on=D(2025, 7, 1)), AS_OF, [2024]),
        # revoked: nothing falls due after the revocation
        (
            organization(
                status="revoked", status_changed_on=D(2023, 1, 10), filings=[]
            ),
            AS_OF,
            [2021, 2020],
        ),
    ],
    ids=[
        "window",
        "after-registration",
        "one-gap",
        "due-today",
        "day-after",
        "filed-later",
        "revoked",
    ],  # fmt: skip
)
def test_filing_missing_one_reason_per_past_due_year(org, as_of, missing):
    found = reasons(org, "FILING_MISSING", as_of)
    assert [r.fiscal_year for r in found] == missing
    if missing:
        assert found[0].evidence == {"due_on": f"{missing[0] + 1}-05-31"}


def test_two_and_three_missing_years_give_two_and_three_reasons():
    two = organization(filings=years(last=2022))
    three = organization(filings=years(last=2021))
    assert len(reasons(two, "FILING_MISSING")) == 2
    assert len(reasons(three, "FILING_MISSING")) == 3


# --- ZOMBIE_NO_FILING_2Y -------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "zombie_years"),
    [
        (organization(filings=years(last=2023)), None),  # one year missing
        (organization(filings=years(last=2022)), [2023, 2024]),
        (organization(filings=years(last=2021)), [2022, 2023, 2024]),
        # two missing, then a report: revived
        (
            organization(filings=[*years(last=2020), filing(2023), filing(2024)]),
            None,
        ),
        # filed the 2025 report early: the run is broken
        (
            organization(
                filings=[*years(last=2022), filing(2024, submitted_on=D(2025, 1, 5))]
            ),
            None,
        ),
    ],
    ids=["one", "two", "three", "revived", "recent-report"],
)
def test_zombie_needs_the_latest_two_reports_missing(org, zombie_years):
    found = reasons(org, "ZOMBIE_NO_FILING_2Y")
    if zombie_years is None:
        assert found == []
    else:
        assert len(found) == 1
        assert found[0].evidence["missing_years"] == zombie_years
        assert found[0].fiscal_year == 2024


# --- INACTIVE ------------------------------------------------------------------------

IDLE = {"total_income": 0, "expenses_programs": 0, "expenses_management": 5000,
        "total_expenses": 5000}  # fmt: skip


@pytest.mark.parametrize(
    ("org", "expected"),
    [
        (with_filing(organization(), 2023, **IDLE), None),  # one idle year
        (
            with_filing(with_filing(organization(), 2023, **IDLE), 2024, **IDLE),
            ("two_years", [2023, 2024]),
        ),
        (
            organization(registered_on=D(2021, 5, 1), filings=[filing(2022, **IDLE)]),
            ("first_year_after_registration", [2022]),
        ),
        (  # active in the registration year: not inactive from the start
            organization(
                registered_on=D(2021, 5, 1),
                filings=[filing(2021), filing(2022, **IDLE), filing(2023)],
            ),
            None,
        ),
        (  # figures missing prove nothing
            with_filing(
                with_filing(
                    organization(), 2023, total_income=None, expenses_programs=None
                ),
                2024,
                total_income=None,
                expenses_programs=None,
            ),
            None,
        ),
    ],
    ids=["one-year", "two-years", "first-year", "active-at-start", "no-figures"],
)
def test_inactive(org, expected):
    found = reasons(org, "INACTIVE")
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1
        assert (
            found[0].evidence["criterion"],
            found[0].evidence["fiscal_years"],
        ) == expected


# --- UNREACHABLE ---------------------------------------------------------------------


def returned(day: dt.date, event_id: int) -> EventFacts:
    return EventFacts("mail_returned", day, event_id)


@pytest.mark.parametrize(
    ("events", "fires"),
    [
        ([returned(D(2025, 6, 1), 1)], False),
        ([returned(D(2025, 5, 1), 1), returned(D(2025, 6, 1), 2)], True),
        # before the last report: it has been reachable since
        ([returned(D(2024, 10, 1), 1), returned(D(2024, 11, 1), 2)], False),
        # returned after the as-of date: not yet
        ([returned(D(2025, 5, 1), 1), returned(D(2025, 7, 1), 2)], False),
    ],
    ids=["once", "twice", "then-filed", "future"],
)
def test_unreachable_after_two_returned_letters(events, fires):
    org = organization(events=events)
    found = reasons(org, "UNREACHABLE")
    assert len(found) == int(fires)
    if fires:
        assert found[0].evidence["event_ids"] == [1, 2]
        assert found[0].evidence["last_submitted_on"] == "2025-04-20"


# --- PENALTY_MINOR / PENALTY_MAJOR ---------------------------------------------------


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (EventFacts("warning", D(2024, 6, 1), 1), "PENALTY_MINOR"),
        (EventFacts("fine", D(2024, 6, 1), 1, Decimal("49999.99")), "PENALTY_MINOR"),
        (EventFacts("fine", D(2024, 6, 1), 1, Decimal("49999")), "PENALTY_MINOR"),
        (EventFacts("fine", D(2024, 6, 1), 1, Decimal("50000")), "PENALTY_MAJOR"),
        (EventFacts("fine", D(2024, 6, 1), 1, None), "PENALTY_MINOR"),
        (EventFacts("suspension", D(2024, 6, 1), 1), "PENALTY_MAJOR"),
        (EventFacts("warning", D(2022, 6, 15), 1), None),  # three years old
        (EventFacts("warning", D(2022, 6, 16), 1), "PENALTY_MINOR"),
        (EventFacts("warning", D(2025, 7, 1), 1), None),  # after the as-of date
        (EventFacts("name_change", D(2024, 6, 1), 1), None),
    ],
)
def test_penalties_split_at_cny_50000(event, code):
    found = [
        r.code
        for r in result(organization(events=[event])).reasons
        if r.code.startswith("PENALTY")
    ]
    assert found == ([code] if code else [])


def test_each_penalty_is_a_reason_with_its_decision():
    events = [
        EventFacts("warning", D(2024, 1, 5), 1, reference="深民罚〔2024〕1号"),
        EventFacts("fine", D(2024, 9, 5), 2, Decimal("1000"), "深民罚〔2024〕9号"),
    ]
    found = reasons(organization(events=events), "PENALTY_MINOR")
    assert [r.evidence["event_id"] for r in found] == [2, 1]  # latest first
    assert found[0].evidence == {
        "event_id": 2,
        "kind": "fine",
        "date": "2024-09-05",
        "amount": "1000.00",
        "reference": "深民罚〔2024〕9号",
    }


# --- SPENDING_BELOW_MINIMUM ----------------------------------------------------------


def spending_case(org: OrgFacts, spend, **prior) -> OrgFacts:
    """``org`` spending ``spend`` in 2024 after a 2023 report with ``prior`` figures."""
    org = with_filing(org, 2023, **prior)
    return with_filing(org, 2024, expenses_programs=spend)


@pytest.mark.parametrize(
    ("org", "fires", "basis"),
    [
        # public fundraising: 70% of prior-year income (1,000,000)
        (spending_case(FOUNDATION_PUBLIC, 700_000), False, None),
        (
            spending_case(FOUNDATION_PUBLIC, Decimal("699999.99")),
            True,
            "prior_year_income",
        ),
        # ... or of the three-year average when that is lower
        (
            spending_case(
                with_filing(
                    with_filing(FOUNDATION_PUBLIC, 2021, total_income=400_000),
                    2022,
                    total_income=400_000,
                ),
                420_000,
            ),
            False,
            None,
        ),
        (
            spending_case(
                with_filing(
                    with_filing(FOUNDATION_PUBLIC, 2021, total_income=400_000),
                    2022,
                    total_income=400_000,
                ),
                419_000,
            ),
            True,
            "three_year_average_income",
        ),
        # without public fundraising: 8% of prior net assets in the CNY 1-5m tier
        (spending_case(CHARITY_GROUP, 160_000, net_assets=2_000_000), False, None),
        (
            spending_case(CHARITY_GROUP, 159_999, net_assets=2_000_000),
            True,
            "prior_year_net_assets",
        ),
        # 6% from CNY 10m
        (
            spending_case(
                CHARITY_GROUP, 600_000, net_assets=10_000_000, total_assets=10_200_000
            ),
            False,
            None,
        ),
        (
            spending_case(
                CHARITY_GROUP, 599_000, net_assets=10_000_000, total_assets=10_200_000
            ),
            True,
            "prior_year_net_assets",
        ),
        # under CNY 1m: also 50% of prior-year income
        (
            spending_case(
                CHARITY_GROUP, 500_000, net_assets=900_000, total_assets=1_100_000
            ),
            False,
            None,
        ),
        (
            spending_case(
                CHARITY_GROUP, 499_000, net_assets=900_000, total_assets=1_100_000
            ),
            True,
            "prior_year_income",
        ),
        # not a charity: the rule does not apply
        (spending_case(organization(), 1000), False, None),
        # no prior-year report: nothing to compare with
        (
            with_filing(
                with_filing(FOUNDATION_PUBLIC, 2023, remove=True),
                2024,
                expenses_programs=1000,
            ),
            False,
            None,
        ),
    ],
    ids=[
        "70%-exact",
        "below-70%",
        "3y-average-ok",
        "below-3y-average",
        "8%-exact",
        "below-8%",
        "6%-exact",
        "below-6%",
        "50%-income-exact",
        "below-50%-income",
        "not-a-charity",
        "no-prior-year",
    ],  # fmt: skip
)
def test_spending_below_minimum(org, fires, basis):
    found = [r for r in reasons(org, "SPENDING_BELOW_MINIMUM") if r.fiscal_year == 2024]
    assert len(found) == int(fires)
    if fires:
        assert found[0].evidence["basis"] == basis


# --- MANAGEMENT_COST_OVER_CAP --------------------------------------------------------


def management_case(org: OrgFacts, management, total, years_over=(2024,)) -> OrgFacts:
    for year in years_over:
        org = with_filing(
            org, year, expenses_management=management, total_expenses=total
        )
    return org


@pytest.mark.parametrize(
    ("org", "fires"),
    [
        # public-fundraising foundation: 10%; under CNY 200,000 no cap applies
        (
            management_case(
                FOUNDATION_PUBLIC, Decimal("199999.99"), 400_000, (2022, 2023, 2024)
            ),
            False,
        ),
        (
            management_case(FOUNDATION_PUBLIC, 200_000, 1_000_000, (2022, 2023, 2024)),
            True,
        ),
        (
            management_case(FOUNDATION_PUBLIC, 200_000, 2_000_000, (2022, 2023, 2024)),
            False,
        ),
        # over the cap this year, within it over three years
        (
            management_case(
                management_case(FOUNDATION_PUBLIC, 20_000, 950_000, (2022, 2023)),
                200_000,
                1_000_000,
            ),
            False,
        ),
        # public-fundraising social group: 13%
        (
            management_case(
                replace(CHARITY_GROUP, public_fundraising=True),
                260_000,
                2_000_000,
                (2022, 2023, 2024),
            ),
            False,
        ),
        (
            management_case(
                replace(CHARITY_GROUP, public_fundraising=True),
                261_000,
                2_000_000,
                (2022, 2023, 2024),
            ),
            True,
        ),
        # not a charity
        (
            management_case(organization(), 900_000, 1_000_000, (2022, 2023, 2024)),
            False,
        ),
    ],
    ids=[
        "floor",
        "over-10%",
        "10%-exact",
        "3y-average",
        "13%-exact",
        "over-13%",
        "not-a-charity",
    ],  # fmt: skip
)
def test_management_cost_over_cap(org, fires):
    found = [
        r for r in reasons(org, "MANAGEMENT_COST_OVER_CAP") if r.fiscal_year == 2024
    ]
    assert len(found) == int(fires)
    if fires:
        assert found[0].evidence["cap"] in (0.1, 0.13)


def test_management_cap_is_tiered_by_prior_net_assets_without_public_fundraising():
    # CNY 1-5m tier: 15%
    org = with_filing(CHARITY_GROUP, 2023, net_assets=2_000_000, total_assets=2_200_000)
    within = management_case(org, 300_000, 2_000_000, (2022, 2024))
    over = management_case(org, 310_000, 2_000_000, (2022, 2024))
    over = with_filing(over, 2023, net_assets=2_000_000, total_assets=2_200_000,
                       expenses_management=310_000, total_expenses=2_000_000)  # fmt: skip
    assert reasons(within, "MANAGEMENT_COST_OVER_CAP") == []
    found = [
        r for r in reasons(over, "MANAGEMENT_COST_OVER_CAP") if r.fiscal_year == 2024
    ]
    assert found[0].evidence["cap"] == 0.15


# --- ACCOUNTS_INCONSISTENT -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fires"),
    [
        ({"net_assets": Decimal("1300000.50")}, False),  # rounding
        ({"net_assets": Decimal("1301500")}, False),  # 0.1% of assets
        ({"net_assets": Decimal("1305000")}, True),
        ({"net_assets": None}, False),  # not all three present
        (
            {"net_assets": -100, "total_liabilities": 1_500_100},
            False,
        ),  # negative is fine
    ],
)
def test_accounts_inconsistent(changes, fires):
    org = with_filing(organization(), 2024, **changes)
    found = reasons(org, "ACCOUNTS_INCONSISTENT")
    assert len(found) == int(fires)
    if fires:
        assert found[0].evidence["difference"] == "-5000.00"


# --- AUDIT_MISSING -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "opinion", "fires"),
    [
        (organization(org_type="foundation"), "none", True),
        (organization(org_type="foundation"), "", True),
        (organization(org_type="foundation"), "qualified", False),
        (FOUNDATION_PUBLIC, "disclaimer", False),
        (replace(CHARITY_GROUP, public_fundraising=True), "none", True),
        (CHARITY_GROUP, "none", False),  # no public fundraising
        (organization(), "none", False),
    ],
)
def test_audit_missing(org, opinion, fires):
    org = with_filing(org, 2024, audit_opinion=opinion)
    assert len(reasons(org, "AUDIT_MISSING")) == int(fires)


# --- OPERATING_AFTER_REVOCATION ------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "filings", "events"),
    [
        (
            organization(status="revoked", status_changed_on=D(2024, 4, 1)),
            [2023, 2024],
            [],
        ),
        (
            organization(
                status="deregistered",
                status_changed_on=D(2024, 5, 1),
                filings=years(last=2022),
            ),
            [],
            [],
        ),
        (
            organization(
                status="cancelled",
                status_changed_on=D(2023, 9, 1),
                filings=years(last=2022),
                events=[EventFacts("fine", D(2024, 3, 1), 7, 20000)],
            ),
            [],
            [7],
        ),
        (organization(status="active", status_changed_on=D(2024, 4, 1)), None, None),
    ],
    ids=["revoked-then-filed", "deregistered-quietly", "fined-after", "active"],
)
def test_operating_after_revocation(org, filings, events):
    found = reasons(org, "OPERATING_AFTER_REVOCATION")
    if filings is None or (not filings and not events):
        assert found == []
        return
    (reason,) = found
    assert [f["fiscal_year"] for f in reason.evidence["filings"]] == filings
    assert [e["event_id"] for e in reason.evidence["events"]] == events
    assert reason.points == 0
    assert result(org).grade == NOT_RATED


# --- NAME_IMPERSONATION --------------------------------------------------------------

REGISTERED = [
    RegisteredNameFacts(1, "深圳市阳光助学促进会"),
    RegisteredNameFacts(2, "中国扶贫基金会"),
    RegisteredNameFacts(3, "广州市白云区心桥心理健康发展中心"),
    RegisteredNameFacts(4, "北京市海淀区星光儿童阅读研究会"),
]


@pytest.mark.parametrize(
    ("name", "matches", "words"),
    [
        ("深圳市阳光助学发展中心", [1], []),  # same name, another form
        ("深圳市国际阳光助学促进会", [1], ["国际"]),
        ("中华扶贫基金会", [2], ["中华"]),
        ("广州市白云区心桥心理健康总会", [3], []),
        ("International Poverty Relief Society", [], ["international"]),
        ("杭州市西湖区绿色环保协会", [], []),
        ("北京市海淀区星光儿童阅读", [4], []),
    ],
)
def test_unregistered_name_close_to_a_registered_one_or_with_national_word(
    name, matches, words
):
    findings = screen_names([UnregisteredNameFacts(10, name)], REGISTERED)
    assert [f.organization_id for f in findings if f.organization_id] == matches
    national = [f for f in findings if f.evidence["kind"] == "national_word"]
    assert [w for f in national for w in f.evidence["words"]] == words
    assert all(f.name_id == 10 and f.code == "NAME_IMPERSONATION" for f in findings)


def test_unregistered_name_with_national_word_is_flagged():
    (finding,) = screen_names([UnregisteredNameFacts(1, "全国居家养老联盟")], [])
    assert finding.organization_id is None
    assert finding.evidence == {
        "kind": "national_word",
        "name": "全国居家养老联盟",
        "words": ["全国"],
    }


def test_name_core_drops_national_words_and_the_organization_form():
    assert name_core("深圳市 阳光助学促进会") == "深圳市阳光助学"
    assert name_core("深圳市国际阳光助学促进会") == "深圳市阳光助学"
    assert name_core("中国扶贫基金会") == name_core("中华扶贫基金会") == "扶贫"
    assert name_core("China Sunshine Foundation") == "sunshine"
    assert name_core("International Rescue") == "rescue"
    assert name_core("协会") == "协会"


def test_names_are_compared_within_their_province_and_with_national_organizations():
    registered = [
        RegisteredNameFacts(1, "深圳市阳光助学促进会", region="440300"),
        RegisteredNameFacts(2, "杭州市阳光助学促进会", region="330100"),
        RegisteredNameFacts(
            3, "阳光助学基金会", region="100000", registration_level="national"
        ),
    ]

    def matches(region):
        name = UnregisteredNameFacts(1, "深圳市阳光助学发展中心", region=region)
        return {f.organization_id for f in screen_names([name], registered)} - {None}

    assert matches("440100") == {1}  # Guangdong: not the Hangzhou one
    assert matches("330100") == set()
    assert matches("") == {1}  # seen nowhere in particular: everyone
    national = UnregisteredNameFacts(2, "中国阳光助学总会", region="330100")
    assert {f.organization_id for f in screen_names([national], registered)} == {
        3,
        None,
    }


def test_name_screen_keeps_the_closest_matches_per_name():
    registered = [RegisteredNameFacts(i, f"深圳市阳光助学{i}会") for i in range(20)]
    findings = screen_names(
        [UnregisteredNameFacts(1, "深圳市阳光助学总会")], registered
    )
    assert len(findings) == m.NAME_MATCHES_PER_NAME


def test_name_screen_finds_what_a_full_comparison_finds():
    rng = random.Random(3)
    words = ["阳光", "助学", "星光", "心桥", "深圳市", "广州市", "儿童", "阅读", "养老"]
    registered = [
        RegisteredNameFacts(i, "".join(rng.sample(words, 4)) + "促进会")
        for i in range(300)
    ]
    queries = [
        UnregisteredNameFacts(i, "".join(rng.sample(words, 4)) + "中心")
        for i in range(60)
    ]
    from credit.rules.names import name_similarity

    found = {
        (f.name_id, f.organization_id)
        for f in screen_names(queries, registered)
        if f.organization_id
    }
    everything = {
        (q.id, r.organization_id)
        for q, r in itertools.product(queries, registered)
        if name_similarity(name_core(q.name), name_core(r.name))
        >= m.NAME_SIMILARITY_MIN.value
    }
    assert found <= everything
    per_query = {q for q, _ in everything}
    assert {q for q, _ in found} == per_query


# --- IRS_REVOCATION_RISK / PROGRAM_RATIO_LOW -----------------------------------------


@pytest.mark.parametrize(
    ("last_filed", "fires", "not_rated"),
    # As of June 2025 the 2024 return is not due yet (November, with the extension).
    [(2022, False, False), (2021, True, False), (2020, True, True)],
    ids=["one-missing", "two-missing", "three-missing"],
)
def test_irs_revocation_risk_two_versus_three_missing_years(
    last_filed, fires, not_rated
):
    org = replace(US_CHARITY, filings=years(last=last_filed, submitted_on=None))
    outcome = result(org)
    found = [r for r in outcome.reasons if r.code == "IRS_REVOCATION_RISK"]
    assert len(found) == int(fires)
    if fires:
        assert found[0].evidence["automatic_revocation"] is not_rated
    assert (outcome.grade == NOT_RATED) is not_rated
    if not_rated:
        assert outcome.not_rated_reason == AUTOMATIC_REVOCATION


def test_china_rules_do_not_run_on_us_organizations():
    org = replace(US_CHARITY, filings=years(last=2021, submitted_on=None))
    codes = {r.code for r in result(org).reasons}
    assert codes == {"FILING_MISSING", "IRS_REVOCATION_RISK"}


@pytest.mark.parametrize(
    ("programs", "fires"),
    [(Decimal("300000"), False), (Decimal("299999"), True), (None, False)],
)
def test_program_ratio_low_at_one_third(programs, fires):
    org = replace(
        US_CHARITY,
        filings=[
            *years(last=2023, submitted_on=None),
            filing(2024, submitted_on=None, expenses_programs=programs,
                   total_expenses=900_000),
        ],
    )  # fmt: skip
    assert len(reasons(org, "PROGRAM_RATIO_LOW")) == int(fires)


# --- scores, grades, overrides, determinism ------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, "A"),
        (85, "A"),
        (84, "B"),
        (70, "B"),
        (69, "C"),
        (50, "C"),
        (49, "D"),
        (0, "D"),
    ],
)
def test_grade_cutoffs(score, grade):
    assert grade_of(np.array([score]))[0] == grade


def test_score_is_100_minus_points_and_never_negative():
    late = with_filing(organization(), 2024, submitted_on=D(2025, 6, 2))
    assert result(late).score == 90
    ruined = organization(
        filings=[],
        events=[EventFacts("suspension", D(2024, 1, 1), i) for i in range(5)],
    )
    assert result(ruined).score == 0
    assert result(ruined).grade == "D"


@pytest.mark.parametrize(
    ("org", "why"),
    [
        (organization(status="revoked", status_changed_on=D(2024, 1, 1)), ENDED),
        (organization(status="deregistered"), ENDED),
        (organization(registered_on=D(2024, 2, 1), filings=[]), TOO_LITTLE_DATA),
        (organization(registered_on=None, filings=[]), TOO_LITTLE_DATA),
        (organization(registry="GB-CCNI", org_type="charity"), NO_METHODOLOGY),
    ],
)
def test_not_rated(org, why):
    outcome = result(org)
    assert (outcome.score, outcome.grade, outcome.not_rated_reason) == (
        None,
        NOT_RATED,
        why,
    )


def test_list_overrides_cap_the_score():
    org = organization()
    assert result(org, lists={1: {ABNORMAL_LIST}}).score == 59
    assert result(org, lists={1: {ABNORMAL_LIST}}).grade == "C"
    serious = result(org, lists={1: {SERIOUS_LIST, ABNORMAL_LIST}})
    assert (serious.score, serious.grade) == (49, "D")
    assert result(org, lists={2: {SERIOUS_LIST}}).grade == "A"  # someone else
    revoked = organization(status="revoked")
    assert result(revoked, lists={1: {SERIOUS_LIST}}).grade == NOT_RATED


def test_same_facts_give_the_same_result_whatever_the_order():
    rng = random.Random(7)
    messy = organization(
        id=5,
        filings=[*years(last=2021), filing(2022, submitted_on=D(2023, 8, 1))],
        events=[
            EventFacts("warning", D(2024, 1, 1), 1),
            EventFacts("fine", D(2024, 2, 1), 2, 80_000),
            returned(D(2025, 1, 1), 3),
            returned(D(2025, 2, 1), 4),
        ],
    )
    others = [organization(id=i) for i in (1, 2, 3)]
    first = evaluate([messy, *others], as_of=AS_OF)[0]
    shuffled = replace(
        messy,
        filings=rng.sample(list(messy.filings), len(messy.filings)),
        events=rng.sample(list(messy.events), len(messy.events)),
    )
    again = evaluate([*others, shuffled], as_of=AS_OF)[-1]
    assert again == first
    assert again.fingerprint() == first.fingerprint()
    assert {r.code for r in first.reasons} >= {
        "FILING_LATE", "FILING_MISSING", "ZOMBIE_NO_FILING_2Y", "UNREACHABLE",
        "PENALTY_MINOR", "PENALTY_MAJOR",
    }  # fmt: skip


def test_fingerprint_changes_with_the_methodology_version():
    outcome = result(organization())
    assert replace(outcome, methodology_version="other").fingerprint() != (
        outcome.fingerprint()
    )


def test_bounded_edit_distance_agrees_with_the_full_one():
    from credit.rules.names import edit_distance

    rng = random.Random(11)
    for _ in range(500):
        a = "".join(rng.choices("阳光助学会市", k=rng.randint(0, 9)))
        b = "".join(rng.choices("阳光助学会市", k=rng.randint(0, 9)))
        full = edit_distance(a, b)
        assert full == edit_distance(b, a)
        for limit in range(4):
            assert edit_distance(a, b, limit) == min(full, limit + 1)
    assert edit_distance("kitten", "sitting") == 3


# --- US governance: BOARD_WEAK / POLICY_MISSING / ASSET_DIVERSION / AUDIT_MISSING ----

SOUND_BOARD = {
    "voting_members": 9,
    "independent_voting_members": 7,
    "conflict_of_interest_policy": True,
    "whistleblower_policy": True,
    "document_retention_policy": True,
    "financial_statements_audited": True,
    "material_diversion": False,
}


def us_returns(latest: dict | None = None, earlier: dict | None = None) -> OrgFacts:
    """A US charity filing every year; its last return in the window answers
    ``latest`` and the earlier ones ``earlier`` (both over a sound board)."""
    filings = [
        filing(y, submitted_on=None, due_on=None, **{**SOUND_BOARD, **(earlier or {})})
        for y in range(2016, 2023)
    ]
    filings.append(
        filing(
            2023, submitted_on=None, due_on=None, **{**SOUND_BOARD, **(latest or {})}
        )
    )
    return replace(US_CHARITY, filings=filings)


def test_a_sound_us_board_with_every_policy_has_no_governance_reason():
    codes = {r.code for r in result(us_returns()).reasons}
    assert not codes & {
        "BOARD_WEAK",
        "POLICY_MISSING",
        "ASSET_DIVERSION",
        "AUDIT_MISSING",
    }


@pytest.mark.parametrize(
    ("voting", "independent", "fires"),
    [
        (3, 2, False),  # three members, two thirds independent
        (2, 2, True),  # too few members
        (4, 2, True),  # half is not a majority
        (5, 3, False),
        (5, None, True),  # independence not answered: not shown to be independent
    ],
)
def test_board_weak_checks_size_and_independent_majority(voting, independent, fires):
    org = us_returns(
        latest={"voting_members": voting, "independent_voting_members": independent}
    )
    found = reasons(org, "BOARD_WEAK")
    assert len(found) == int(fires)
    if fires:
        assert found[0].fiscal_year == 2023
        assert found[0].evidence["voting_members"] == voting
        assert found[0].evidence["independent_voting_members"] == independent


def test_governance_counts_only_the_latest_answer():
    # A weak board in earlier years that is sound now: no reason.
    org = us_returns(earlier={"voting_members": 1, "independent_voting_members": 0})
    assert reasons(org, "BOARD_WEAK") == []
    # Forms without Part VI (990-EZ, 990-PF) after a 990: the 990's answer counts.
    org = us_returns(earlier={"voting_members": 2})
    ez = replace(
        org.filings[-1],
        voting_members=None,
        independent_voting_members=None,
        conflict_of_interest_policy=None,
    )
    org = replace(org, filings=[*org.filings[:-1], ez])
    assert [r.fiscal_year for r in reasons(org, "BOARD_WEAK")] == [2022]


def test_policy_missing_gives_one_reason_per_policy_answered_no():
    org = us_returns(
        latest={"whistleblower_policy": False, "document_retention_policy": False},
        earlier={"conflict_of_interest_policy": False},
    )
    found = reasons(org, "POLICY_MISSING")
    assert sorted(r.evidence["policy"] for r in found) == [
        "document_retention_policy",
        "whistleblower_policy",
    ]
    assert {r.fiscal_year for r in found} == {2023}
    assert sum(r.points for r in found) == 6


def test_policy_points_are_capped():
    none = dict.fromkeys(
        (
            "conflict_of_interest_policy",
            "whistleblower_policy",
            "document_retention_policy",
        ),
        False,
    )
    found = reasons(us_returns(latest=none), "POLICY_MISSING")
    assert len(found) == 3
    assert sum(r.points for r in found) == m.DEDUCTIONS["POLICY_MISSING"].cap


def test_asset_diversion_fires_per_return_that_reports_it():
    org = us_returns(latest={"material_diversion": True})
    found = reasons(org, "ASSET_DIVERSION")
    assert [(r.fiscal_year, r.points) for r in found] == [(2023, 7)]


@pytest.mark.parametrize(
    ("income", "audited", "fires"),
    [
        (Decimal("1000001"), False, True),
        (Decimal("1000000"), False, False),  # at the threshold: not expected
        (Decimal("5000000"), True, False),
        (Decimal("5000000"), None, False),  # 990-EZ / 990-PF: not asked
    ],
)
def test_us_audit_is_expected_above_one_million_revenue(income, audited, fires):
    org = us_returns(
        latest={"total_income": income, "financial_statements_audited": audited}
    )
    found = reasons(org, "AUDIT_MISSING")
    assert len(found) == int(fires)
    if fires:
        assert found[0].evidence["financial_statements_audited"] is False
        assert found[0].evidence["total_income"] == "1000001.00"

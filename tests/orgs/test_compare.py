"""The compare page: organizations side by side (orgs.compare and /compare/)."""

import datetime as dt
from decimal import Decimal

import pytest

from credit.lists import LIST_RULES, PublicList
from credit.models import ListEntry, Reason, Score
from orgs.compare import (
    InvalidComparison,
    UnknownOrganizations,
    comparison_ids,
    organization_comparison,
    spending_ratio,
)
from tests.factories import FilingFactory, OrganizationFactory

D = Decimal


@pytest.mark.parametrize(
    ("part", "total", "expected"),
    [
        (D("700000"), D("800000"), D("87.5")),
        (D("80000"), D("800000"), D("10.0")),
        (D("1"), D("3"), D("33.3")),
        (D("2"), D("3"), D("66.7")),
        (D("0"), D("500"), D("0.0")),
        (D("500"), D("500"), D("100.0")),
        (D("600"), D("500"), D("120.0")),  # as filed: parts over the total show
        (D("100"), D("0"), None),  # no expenses: no share
        (None, D("800000"), None),
        (D("100"), None, None),
    ],
)
def test_spending_ratio_is_a_share_of_total_expenses(part, total, expected):
    assert spending_ratio(part, total) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["a"], ["a"]),
        (["a,b, c"], ["a", "b", "c"]),
        (["a", "b"], ["a", "b"]),  # the search page's checkboxes
        (["a,b", "a", " ,b,"], ["a", "b"]),  # repeats and blanks dropped
        (["a,b,c,d"], ["a", "b", "c", "d"]),
    ],
)
def test_comparison_ids_accept_commas_and_repeated_parameters(values, expected):
    assert comparison_ids(values) == expected


def test_more_than_four_ids_are_refused_naming_the_extra_ones():
    with pytest.raises(InvalidComparison) as raised:
        comparison_ids(["a,b,c,d,e,f"])
    assert "e, f" in str(raised.value)
    assert "6" in str(raised.value)
    assert raised.value.keep == ["a", "b", "c", "d"]


def test_an_overlong_id_is_refused():
    with pytest.raises(InvalidComparison, match="at most 100 characters"):
        comparison_ids(["a," + "x" * 500])


@pytest.fixture
def three():
    """Three organizations: one scored with a reason and on the abnormal list, with
    filings 2021-2024 (2022 amended); one with a 2024 filing only; one with none."""
    listed = OrganizationFactory(name="甲基金会", name_en="Alpha Foundation")
    for year in (2021, 2022, 2023, 2024):
        FilingFactory(organization=listed, fiscal_year=year)
    FilingFactory(
        organization=listed,
        fiscal_year=2022,
        version=2,
        expenses_programs=D("400000.00"),
        expenses_management=D("100000.00"),
    )
    listed.filings.filter(fiscal_year=2022, version=1).update(superseded=True)
    score = Score.objects.create(
        organization=listed,
        methodology_version="test",
        as_of=dt.date(2025, 6, 1),
        score=72,
        grade="C",
        fingerprint="x",
    )
    Reason.objects.create(
        score=score,
        position=1,
        code="MANAGEMENT_COST_OVER_CAP",
        points=10,
        fiscal_year=2022,
    )
    rule = LIST_RULES[PublicList.ABNORMAL]
    ListEntry.objects.create(
        list=PublicList.ABNORMAL,
        organization=listed,
        entered_on=dt.date(2025, 1, 10),
        reason="未按规定报送年度工作报告",
        legal_basis=str(rule.legal_basis),
        exit_conditions=str(rule.exit_conditions),
    )
    recent = OrganizationFactory(name="乙协会")
    FilingFactory(
        organization=recent,
        fiscal_year=2024,
        income_donations=D("100.00"),
        income_government_grants=None,
        expenses_programs=D("30.00"),
        expenses_management=None,
        net_assets=None,
    )
    empty = OrganizationFactory(name="丙促进会")
    return listed, recent, empty


@pytest.mark.django_db
def test_comparison_lines_up_the_three_latest_years_of_every_organization(three):
    listed, recent, empty = three

    comparison = organization_comparison(
        org_ids=[recent.org_id, listed.org_id, empty.org_id], language="en"
    )

    assert [c.organization for c in comparison.organizations] == [recent, listed, empty]
    assert comparison.fiscal_years == [2024, 2023, 2022]
    by_year = {year["fiscal_year"]: year["rows"] for year in comparison.finance_rows()}
    rows_2022 = {row["measure"]: row["cells"] for row in by_year[2022]}
    # recent filed 2024 only, empty nothing: no cell; listed's amendment counts.
    assert rows_2022["programme_spending"] == [
        None,
        {"value": D("400000.00"), "currency": "CNY"},
        None,
    ]
    assert rows_2022["expenses"][1]["value"] == D("500000.00")
    assert rows_2022["programme_ratio"][1]["value"] == D("80.0")
    assert rows_2022["management_ratio"][1]["value"] == D("20.0")
    rows_2024 = {row["measure"]: row["cells"] for row in by_year[2024]}
    assert rows_2024["income"][0]["value"] == D("100.00")
    assert rows_2024["income"][1]["value"] == D("900000.00")
    assert rows_2024["programme_ratio"][0]["value"] == D("100.0")
    assert rows_2024["management_cost"][0]["value"] is None
    assert rows_2024["management_ratio"][0]["value"] is None
    assert rows_2024["net_assets"][0]["value"] is None
    assert rows_2024["net_assets"][1]["value"] == D("1300000.00")


@pytest.mark.django_db
def test_comparison_has_grade_reasons_in_the_language_and_lists(three):
    listed, recent, _empty = three

    english = organization_comparison(org_ids=[listed.org_id], language="en")
    chinese = organization_comparison(org_ids=[listed.org_id], language="zh-hans")

    credit = english.organizations[0].credit
    assert (credit["grade"], credit["score"]) == ("C", 72)
    assert [(r["title"], r["fiscal_year"]) for r in credit["reasons"]] == [
        ("Management costs above the cap", 2022)
    ]
    assert [r["title"] for r in chinese.organizations[0].credit["reasons"]] == [
        "管理费用超过规定比例"
    ]
    assert [(e["list"], e["entered_on"]) for e in credit["lists"]] == [
        ("abnormal", dt.date(2025, 1, 10))
    ]
    assert "Abnormal-activity list" in str(credit["lists"][0]["label"])
    unscored = organization_comparison(org_ids=[recent.org_id], language="en")
    assert unscored.organizations[0].credit["grade"] is None
    assert unscored.organizations[0].credit["lists"] == []


@pytest.mark.django_db
def test_unknown_ids_are_named_and_the_others_kept(three):
    listed, _recent, _empty = three
    with pytest.raises(UnknownOrganizations) as raised:
        organization_comparison(
            org_ids=["CN-USCC-NOPE", listed.org_id, "US-EIN-000"], language="en"
        )
    assert "CN-USCC-NOPE, US-EIN-000" in str(raised.value)
    assert raised.value.keep == [listed.org_id]


@pytest.mark.django_db
def test_comparison_costs_six_queries_however_much_history(
    django_assert_max_num_queries,
):
    organizations = OrganizationFactory.create_batch(4)
    for organization in organizations:
        for year in range(2015, 2025):
            FilingFactory(organization=organization, fiscal_year=year)
        score = Score.objects.create(
            organization=organization,
            methodology_version="test",
            as_of=dt.date(2025, 6, 1),
            score=80,
            grade="B",
            fingerprint="x",
        )
        for position, code in enumerate(
            ["MANAGEMENT_COST_OVER_CAP", "PROGRAM_RATIO_LOW"], start=1
        ):
            Reason.objects.create(score=score, position=position, code=code, points=5)

    with django_assert_max_num_queries(6):
        comparison = organization_comparison(
            org_ids=[o.org_id for o in organizations], language="en"
        )
        rows = comparison.finance_rows()
    assert len(rows) == 3
    assert all(len(c.credit["reasons"]) == 2 for c in comparison.organizations)


# The page


@pytest.mark.django_db
def test_compare_page_shows_organizations_side_by_side(client, three):
    listed, recent, _empty = three

    response = client.get(
        "/compare/",
        {"ids": f"{listed.org_id},{recent.org_id}"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<caption" in html
    assert html.count('<th scope="col">') >= 2
    assert "甲基金会" in html and "乙协会" in html
    assert "Management costs above the cap, 2022 (−10)" in html
    assert 'href="/lists/abnormal/"' in html
    assert "Fiscal year 2024" in html and "Fiscal year 2022" in html
    assert "89.7 %" in html  # listed, 2024: 700,000 of 780,000 expenses
    assert "no filing" in html  # recent in 2023
    # Each column can be removed, leaving the other organization.
    assert f"?ids={recent.org_id}" in html


@pytest.mark.django_db
def test_compare_page_accepts_the_search_pages_checkboxes(client, three):
    listed, recent, _empty = three
    response = client.get("/compare/", {"ids": [listed.org_id, recent.org_id]})
    assert response.status_code == 200
    assert "甲基金会" in response.content.decode()


@pytest.mark.django_db
def test_compare_page_without_ids_explains_how_to_choose(client):
    response = client.get("/compare/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Add to comparison" in response.content.decode()


@pytest.mark.django_db
def test_compare_page_names_an_unknown_id(client, three):
    listed, _recent, _empty = three

    response = client.get(
        "/compare/",
        {"ids": f"{listed.org_id},CN-USCC-<b>NOPE</b>"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 404
    assert "No organization has the id CN-USCC-&lt;b&gt;NOPE&lt;/b&gt;." in html
    assert f'href="/compare/?ids={listed.org_id}"' in html


@pytest.mark.django_db
def test_compare_page_refuses_more_than_four(client):
    organizations = OrganizationFactory.create_batch(5)
    ids = [o.org_id for o in organizations]

    response = client.get(
        "/compare/", {"ids": ",".join(ids)}, HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "At most 4 organizations can be compared at once; 5 were chosen" in html
    assert ids[4] in html
    assert "Compare the others" in html

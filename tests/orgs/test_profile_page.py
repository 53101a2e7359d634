"""The public profile: status at a glance, charts with their tables, grade history,
and a query count that does not grow with the organization's history."""

import datetime as dt
from decimal import Decimal

import pytest

from credit.models import Score
from orgs.models import Status
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.django_db

D = dt.date
# The organization, its filings, events, former names, officers (5); the current score
# with its reasons, the latest scoring run and list entries (4); grade history (1);
# grants (1); notices naming it (1, cms.templatetags.notices). Sessions and the
# language switch add none for an anonymous reader.
PROFILE_QUERIES = 12


def score(org, as_of, grade, points, current=False):
    return Score.objects.create(
        organization=org,
        methodology_version="2026.1",
        as_of=as_of,
        score=points,
        grade=grade,
        fingerprint=f"{org.pk}-{as_of}",
        is_current=current,
    )


def test_query_count_is_fixed_whatever_the_history(
    client, django_assert_max_num_queries
):
    small = OrganizationFactory()
    big = OrganizationFactory(charity=True, public_fundraising=True)
    for year in range(2005, 2025):
        FilingFactory(organization=big, fiscal_year=year)
        RegulatoryEventFactory(organization=big)
        big.officers.create(name=f"officer {year}", role="理事")
        big.former_names.create(name=f"旧名{year}")
        score(big, D(year + 1, 6, 1), "B", 75, current=year == 2024)
    FilingFactory(organization=big, fiscal_year=2024, version=2)

    for org in (small, big):
        with django_assert_max_num_queries(PROFILE_QUERIES):
            response = client.get(org.get_absolute_url())
        assert response.status_code == 200
    assert b'id="chart-income"' in response.content


def test_status_at_a_glance_shows_status_dates_and_grade(client):
    org = OrganizationFactory(
        status=Status.REVOKED,
        status_changed_on=D(2025, 2, 1),
        registered_on=D(2015, 3, 1),
    )
    score(org, D(2025, 6, 1), "D", 30, current=True)
    html = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    glance = html.decode().split('class="at-a-glance"')[1].split("</section>")[0]
    assert "Revoked" in glance and "since Feb. 1, 2025" in glance
    assert "March 1, 2015" in glance
    assert "Not on any public list." in glance
    assert "Grade D" in glance and "30 / 100" in glance


def test_grade_history_lists_past_scores_latest_first(client):
    org = OrganizationFactory()
    score(org, D(2023, 6, 1), "A", 92)
    score(org, D(2024, 6, 1), "C", 55)
    score(org, D(2025, 6, 1), "B", 78, current=True)
    html = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    table = html.decode().split('class="grade-history"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert len(rows) == 3
    assert "June 1, 2025" in rows[0] and "(current)" in rows[0] and ">B<" in rows[0]
    assert "June 1, 2024" in rows[1] and ">C<" in rows[1] and ">55<" in rows[1]
    assert "June 1, 2023" in rows[2] and ">A<" in rows[2] and "2026.1" in rows[2]


def test_charts_are_inline_svg_with_tables_of_the_same_figures(client):
    org = OrganizationFactory(charity=True, public_fundraising=True)
    FilingFactory(organization=org, fiscal_year=2022)
    FilingFactory(organization=org, fiscal_year=2023)
    # 2024: programme spending 600,000 against 70% of 2023's income (900,000).
    FilingFactory(
        organization=org, fiscal_year=2024, expenses_programs=Decimal("600000")
    )
    html = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    for chart in ("chart-income", "chart-expenses", "chart-ratio"):
        figure = html.split(f'id="{chart}"')[1].split("</figure>")[0]
        assert "<svg" in figure and 'role="img"' in figure
        assert f'aria-labelledby="{chart}-caption"' in figure
    assert "<script" not in html.split("<main")[1]
    income = html.split('aria-label="Income by source (CNY)"')[1].split("</table>")[0]
    assert "Donations" in income and "800,000" in income and "900,000" in income
    ratio = html.split('id="chart-ratio"')[1]
    # Words, not colour alone: the chart and the table say which year is below.
    assert "below" in ratio.split("</figure>")[0]
    table = ratio.split("<table")[1].split("</table>")[0]
    year_2024 = table.split('<th scope="row">2024</th>')[1].split("</tr>")[0]
    assert "66.7%" in year_2024 and "70.0%" in year_2024 and "630,000" in year_2024
    assert "below the minimum" in year_2024
    year_2023 = table.split('<th scope="row">2023</th>')[1].split("</tr>")[0]
    assert "meets the minimum" in year_2023
    assert "Charity Law" in ratio  # the minimum's legal source


def test_without_a_legal_minimum_the_ratio_is_of_total_expenses(client):
    org = OrganizationFactory()  # a social group that is not a charity
    FilingFactory(organization=org, fiscal_year=2024)
    html = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    assert "Programme spending as a share of total expenses" in html
    assert "No legal minimum of programme spending applies" in html
    assert "89.7%" in html  # 700,000 / 780,000


def test_profile_without_filings_has_no_charts(client):
    org = OrganizationFactory()
    html = client.get(org.get_absolute_url()).content.decode()
    assert "chart-income" not in html
    assert "No filing." in html or "未" in html


def test_list_entries_in_force_and_ended_both_show_with_their_dates(client):
    from credit.models import ListEntry

    org = OrganizationFactory()
    common = {"legal_basis": "MCA Order 60", "exit_conditions": "file the report"}
    ListEntry.objects.create(
        organization=org, list="abnormal", entered_on=dt.date(2021, 7, 1),
        exited_on=dt.date(2022, 1, 15), reason="annual report 2020 missing",
        exit_reason="report filed and verified", **common,
    )  # fmt: skip
    ListEntry.objects.create(
        organization=org, list="abnormal", entered_on=dt.date(2024, 7, 1),
        reason="annual report 2023 missing", **common,
    )  # fmt: skip

    html = client.get(
        org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    glance = html.split('class="at-a-glance"')[1].split("</section>")[0]
    assert "annual report 2023 missing" in glance
    assert "1 earlier list entry, now ended" in glance
    assert "from July 1, 2021 to Jan. 15, 2022" in glance
    assert "report filed and verified" in glance
    # The API's credit contract lists only what is in force.
    lists = client.get(f"/api/v1/orgs/{org.org_id}/credit").json()["lists"]
    assert [entry["reason"] for entry in lists] == ["annual report 2023 missing"]


def test_names_follow_the_reader_language_where_both_exist(client):
    org = OrganizationFactory(
        name="深圳市阳光助学会", name_en="Shenzhen Sunshine Study Aid"
    )
    english = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<h1>Shenzhen Sunshine Study Aid</h1>" in english.content.decode()
    assert '<p class="name-en">深圳市阳光助学会</p>' in english.content.decode()
    assert "<h1>深圳市阳光助学会</h1>" in chinese.content.decode()
    assert (
        '<p class="name-en">Shenzhen Sunshine Study Aid</p>' in chinese.content.decode()
    )
    only = OrganizationFactory(name="Sunrise Food Bank", name_en="")
    html = client.get(only.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<h1>Sunrise Food Bank</h1>" in html.content.decode()
    assert 'class="name-en"' not in html.content.decode()

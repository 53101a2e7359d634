"""The organization profile with its charts in a real browser: the SVG charts are
drawn without JavaScript, each has its table, and axe-core finds no violation."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from credit.models import Score
from orgs.models import OrgType
from tests.browser import assert_no_axe_violations, screenshot
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def foundation():
    """A public-fundraising foundation with four years of reports (one under the
    spending minimum), a missing year, an event and a grade history."""
    org = OrganizationFactory(
        name="深圳市阳光图表基金会",
        name_en="Shenzhen Sunshine Charts Foundation",
        org_type=OrgType.FOUNDATION,
        charity=True,
        public_fundraising=True,
        registered_on=dt.date(2018, 5, 1),
    )
    for year in (2020, 2021, 2022, 2024):
        FilingFactory(
            organization=org,
            fiscal_year=year,
            income_services=Decimal("50000"),
            expenses_fundraising=Decimal("20000"),
            expenses_programs=Decimal("560000" if year == 2022 else "700000"),
        )
    RegulatoryEventFactory(organization=org)
    for year, grade, points in ((2023, "A", 90), (2024, "B", 74), (2025, "C", 62)):
        Score.objects.create(
            organization=org,
            methodology_version="2026.1",
            as_of=dt.date(year, 6, 1),
            score=points,
            grade=grade,
            fingerprint=str(year),
            is_current=year == 2025,
        )
    return org


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_profile_charts_render_without_javascript_and_pass_axe(page, foundation):
    page.goto(foundation.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(foundation.name_en)
    for caption in (
        "Income by source",
        "Expenses by function",
        "Programme spending against the legal minimum",
    ):
        chart = page.get_by_role("img", name=caption)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 100
    expect(page.get_by_role("table", name="Income by source (CNY)")).to_be_visible()
    ratio_table = page.get_by_role(
        "table", name="Programme spending against the legal minimum"
    )
    expect(ratio_table.get_by_role("row", name="2022")).to_contain_text(
        "below the minimum"
    )
    expect(page.locator("tr.no-filing").filter(has_text="2023")).to_contain_text(
        "Overdue by"
    )
    expect(page.locator("table.grade-history tbody tr")).to_have_count(3)
    # Bars are drawn: patterns resolve and segments have a height.
    heights = page.locator("#chart-income rect.chart-segment").evaluate_all(
        "rects => rects.map(r => r.getBBox().height)"
    )
    assert len(heights) >= 8 and all(h > 0 for h in heights)
    screenshot(page, "profile-charts-no-js")


def test_profile_with_charts_passes_axe(page, foundation):
    page.goto(foundation.get_absolute_url())
    expect(page.get_by_role("img", name="Income by source")).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "profile-charts")

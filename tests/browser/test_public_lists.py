"""A public list in a real browser: read it, narrow it by region, download it as CSV,
and go from an entry to the organization's profile; axe-clean throughout."""

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from credit.models import ListEntry
from tests.browser import assert_no_axe_violations, screenshot
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def abnormal_list():
    shenzhen = OrganizationFactory(
        name="深圳市阳光名录测试会", name_en="Shenzhen Sunshine List Association",
        region="440300",
    )  # fmt: skip
    guangzhou = OrganizationFactory(name="广州市名录测试会", region="440100")
    for organization, day in ((shenzhen, 3), (guangzhou, 10)):
        ListEntry.objects.create(
            organization=organization,
            list="abnormal",
            entered_on=dt.date(2025, 6, day),
            reason="annual report 2023 missing",
            legal_basis="MCA Order 60 Art. 10",
            exit_conditions="file the report",
        )
    return shenzhen, guangzhou


def test_reader_filters_a_list_downloads_it_and_opens_an_entry(
    page, abnormal_list, tmp_path
):
    shenzhen, guangzhou = abnormal_list
    page.goto("/lists/abnormal/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    screenshot(page, "list-abnormal")
    assert_no_axe_violations(page)

    page.get_by_label("Region code").fill("440300")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(shenzhen.name_en)
    assert_no_axe_violations(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "list.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) == 2  # the header and the one entry of the filtered list
    assert shenzhen.org_id in text and guangzhou.org_id not in text

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(shenzhen.name_en)
    expect(page.locator(".at-a-glance")).to_contain_text("annual report 2023 missing")

"""The editors' pages in a real browser: the methodology page, the notices section
and a notice naming an organization, each axe-clean, with the way from the notice to
the profile and back."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cms.models import NewsIndexPage, NewsPage, NoticeOrganization
from credit import methodology as m
from tests.browser import assert_no_axe_violations, screenshot
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def notice():
    call_command("cms_pages", stdout=io.StringIO())
    organization = OrganizationFactory(
        name="深圳市阳光公告测试会", name_en="Shenzhen Sunshine Notice Association"
    )
    page = NewsPage(
        title="Abnormal-activity list: June entries",
        slug="june-entries",
        date=dt.date(2025, 6, 30),
        summary="1 entry",
        body="<p>One organization entered the abnormal-activity list.</p>",
    )
    page.organization_links = [
        NoticeOrganization(organization=organization, note="annual report missing")
    ]
    NewsIndexPage.objects.get().add_child(instance=page)
    return page, organization


def test_reader_goes_from_the_methodology_to_a_notice_and_the_profile_it_names(
    page, notice
):
    news, organization = notice
    page.goto("/methodology/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How grades are made")
    expect(
        page.get_by_text(f"Methodology version {m.METHODOLOGY_VERSION}")
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="FILING_LATE Annual report filed late")
    ).to_be_visible()
    screenshot(page, "methodology")
    assert_no_axe_violations(page)

    page.get_by_role("contentinfo").get_by_role("link", name="Notices").click()
    expect(page).to_have_url(re.compile(r"/notices/$"))
    screenshot(page, "notices")
    assert_no_axe_violations(page)

    page.get_by_role("link", name=news.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(news.title)
    named = page.get_by_role("table")
    expect(named.get_by_role("cell", name="annual report missing")).to_be_visible()
    screenshot(page, "notice")
    assert_no_axe_violations(page)

    named.get_by_role("link", name=organization.name_en).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organization.name_en)
    expect(page.get_by_role("link", name=news.title)).to_be_visible()

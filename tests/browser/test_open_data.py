"""Open data in a real browser: the /data/ page (axe-clean, a file downloads) and
the badge with its embed snippet on a profile."""

import gzip

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from credit.services import organization_rescore
from tests.browser import assert_no_axe_violations, screenshot
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def published(settings, tmp_path):
    organization = OrganizationFactory(
        name="深圳市阳光慈善基金会", name_en="Shenzhen Sunshine Charity Foundation"
    )
    FilingFactory(organization=organization, fiscal_year=2024)
    organization_rescore(organization=organization)
    settings.OPEN_DATA_DIR = tmp_path / "open-data"
    call_command("export_open_data", verbosity=0)
    return organization


def test_visitor_reads_the_data_page_and_downloads_a_file(page, published, tmp_path):
    page.goto("/data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_role("link", name="CC BY 4.0")).to_be_visible()
    expect(page.get_by_role("heading", name="Data dictionary")).to_be_visible()
    screenshot(page, "open-data")
    assert_no_axe_violations(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="organizations.csv.gz").click()
    saved = tmp_path / "downloaded.csv.gz"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "organizations.csv.gz"
    assert published.org_id in gzip.decompress(saved.read_bytes()).decode("utf-8")


def test_profile_shows_the_badge_and_the_snippet_to_embed_it(page, published):
    page.goto(f"/orgs/{published.org_id}/")
    badge = page.get_by_role("img", name="status and grade on the Sunshine register")
    expect(badge).to_be_visible()
    assert page.evaluate(
        "img => img.complete && img.naturalWidth > 0", badge.element_handle()
    )
    snippet = page.get_by_label("HTML to embed the badge")
    expect(snippet).to_have_value(
        f'<a href="{page.url}"><img src="{page.url}badge.svg" '
        f'alt="{published.name}: status and grade on the Sunshine register"></a>'
    )
    screenshot(page, "profile-badge")
    assert_no_axe_violations(page)

    page.goto(f"/orgs/{published.org_id}/badge.svg")
    expect(page.locator("svg title")).to_contain_text(published.name)

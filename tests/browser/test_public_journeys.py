"""The public portal in a real browser: the journeys a donor takes, with axe-core on
every page type and a screenshot of each in test-artifacts/screenshots/."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from cms.models import HomePage, NewsIndexPage, NewsPage, StandardPage
from credit.services import organization_rescore
from orgs.models import OrgType
from search.services import search_index_rebuild
from tests.browser import assert_no_axe_violations, screenshot
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.browser


def tab_to(page, predicate: str, limit: int = 40) -> None:
    """Press Tab until the focused element satisfies ``predicate`` (JavaScript over
    ``el``), and check that it shows a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            outline = page.evaluate(
                "getComputedStyle(document.activeElement).outlineStyle"
            )
            assert outline != "none", "the focused element shows no focus ring"
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


@pytest.fixture
def registry():
    """Two organizations named 阳光慈善, of different types, among others; the
    foundation has filings (one late), an event and a grade."""
    association = OrganizationFactory(
        name="深圳市阳光慈善会", name_en="Shenzhen Sunshine Charity Association"
    )
    foundation = OrganizationFactory(
        name="深圳市阳光慈善基金会",
        name_en="Shenzhen Sunshine Charity Foundation",
        org_type=OrgType.FOUNDATION,
        charity=True,
        purpose="资助困难家庭儿童就学。",
        legal_representative="王明",
    )
    OrganizationFactory(name="广州市红十字会", region="440100")
    OrganizationFactory(name="南京市环境保护协会", region="320100")
    FilingFactory(organization=foundation, fiscal_year=2023)
    FilingFactory(
        organization=foundation, fiscal_year=2024, submitted_on=dt.date(2025, 7, 2)
    )
    RegulatoryEventFactory(organization=foundation)
    organization_rescore(organization=foundation)
    organization_rescore(organization=association)
    return {"association": association, "foundation": foundation}


@pytest.fixture
def database_search(settings, registry):
    """The registry, searchable through the embedded (database) backend."""
    settings.ELASTICSEARCH_URL = ""
    search_index_rebuild(chunk_size=100)
    return registry


def test_donor_searches_from_home_filters_by_type_and_opens_a_profile(
    page, registry, search_backend
):
    search_backend.rebuild(chunk_size=100, progress=None)
    search_backend.refresh()
    foundation = registry["foundation"]

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check an organization before you give"
    )
    screenshot(page, f"home-{search_backend.name}")
    assert_no_axe_violations(page)

    # A combobox: the suggestions script enhances the plain text box.
    page.get_by_role("combobox", name="Name or unified social credit code").fill(
        "阳光慈善"
    )
    page.get_by_role("button", name="Search").first.click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    hits = page.locator("article.hit h2 a")
    expect(hits).to_have_count(2)
    screenshot(page, f"search-results-{search_backend.name}")
    assert_no_axe_violations(page)

    page.locator(".facets").get_by_role("link", name=re.compile("^Foundation")).click()
    expect(hits).to_have_count(1)
    expect(page.get_by_role("link", name="Remove filter Foundation")).to_be_visible()
    screenshot(page, f"search-filtered-{search_backend.name}")
    assert_no_axe_violations(page)

    hits.first.click()
    expect(page).to_have_url(re.compile(rf"/orgs/{re.escape(foundation.org_id)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(foundation.name_en)
    expect(page.get_by_role("heading", name="Credit grade")).to_be_visible()
    expect(page.locator(".grade")).to_have_count(1)
    filings = page.get_by_role("table", name="Annual filings")
    # header + two filings (the years without one say why in rows of their own)
    expect(filings.locator("tr:not(.no-filing)")).to_have_count(3)
    screenshot(page, f"organization-profile-{search_backend.name}")
    assert_no_axe_violations(page)


def test_search_without_matches_explains_what_to_try(page, database_search):
    page.goto("/search/?q=不存在的名字xyz")
    expect(page.get_by_text("No organization matches.")).to_be_visible()
    screenshot(page, "search-no-results")
    assert_no_axe_violations(page)


def test_visitor_pages_through_the_register(page):
    OrganizationFactory.create_batch(30)

    page.goto("/orgs/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(25)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    screenshot(page, "organization-list")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Next →").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(rows).to_have_count(5)
    expect(page.get_by_role("link", name="Next →")).to_have_count(0)

    page.get_by_role("link", name="← Previous").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(rows).to_have_count(25)


def test_register_filters_narrow_the_list(page, registry):
    page.goto("/orgs/")
    page.get_by_label("Type").select_option(OrgType.FOUNDATION)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(
        page.get_by_role("link", name=registry["foundation"].name_en)
    ).to_be_visible()
    assert_no_axe_violations(page)


def test_language_switcher_shows_the_portal_in_chinese_and_back(page):
    """The switcher is a pair of buttons, so choosing is an explicit act (it was a
    select that submitted on change: the first arrow key switched language, against
    WCAG 3.2.2, and without JavaScript it did nothing)."""
    page.goto("/orgs/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    language = page.get_by_role("form", name="Language")
    expect(language.get_by_role("button", name="English")).to_have_attribute(
        "aria-current", "true"
    )

    language.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("社会组织")
    screenshot(page, "organization-list-zh-hans")
    assert_no_axe_violations(page)

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("捐赠之前，先查一查")
    # Each language keeps its own name, so a reader finds theirs in any language.
    expect(page.get_by_role("form", name="语言").get_by_role("button")).to_have_text(
        ["简体中文", "English"]
    )
    screenshot(page, "home-zh-hans")
    assert_no_axe_violations(page)

    tab_to(page, "el.tagName === 'BUTTON' && el.value === 'en'")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check an organization before you give"
    )


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_search_filters_and_language_work_without_javascript(page, database_search):
    page.goto("/")
    page.get_by_role("textbox", name="Name or unified social credit code").fill(
        "阳光慈善"
    )
    page.get_by_role("button", name="Search").first.click()
    expect(page.locator("article.hit")).to_have_count(2)
    page.locator(".facets").get_by_role("link", name=re.compile("^Foundation")).click()
    expect(page.locator("article.hit")).to_have_count(1)

    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("article.hit")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("搜索社会组织")


def test_notices_and_cms_pages_are_accessible(page):
    home = HomePage.objects.get()
    section = home.add_child(instance=NewsIndexPage(title="Notices", slug="notices"))
    section.add_child(
        instance=NewsPage(
            title="2025 abnormal list published",
            slug="abn-2025",
            date=dt.date(2025, 6, 1),
            summary="The list of organizations with abnormal activity for 2025.",
            body="<p>Forty-two organizations were placed on the list.</p>",
        )
    )
    home.add_child(
        instance=StandardPage(
            title="Methodology",
            slug="methodology",
            body="<p>How grades are computed.</p>",
        )
    )

    for path, name in [
        ("/notices/", "news-index"),
        ("/notices/abn-2025/", "news-page"),
        ("/methodology/", "standard-page"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        screenshot(page, name)
        assert_no_axe_violations(page)


def test_page_not_found_is_accessible(page):
    response = page.goto("/orgs/CN-USCC-NOSUCHORGANIZATION/")
    assert response.status == 404
    screenshot(page, "not-found")
    assert_no_axe_violations(page)


def test_keyboard_alone_reaches_a_profile_through_search_and_filters(
    page, database_search
):
    """Search box, a facet and a result link, each reached with Tab and used with
    the keyboard; each focused element shows where the focus is."""
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    tab_to(page, "el.id === 'home-q'")
    page.keyboard.type("阳光慈善")
    page.keyboard.press("Enter")
    expect(page.locator("article.hit")).to_have_count(2)

    tab_to(
        page, "el.closest('.facets') && el.textContent.trim().startsWith('Foundation')"
    )
    page.keyboard.press("Enter")
    expect(page.locator("article.hit")).to_have_count(1)

    tab_to(page, "el.closest('article.hit') && el.tagName === 'A'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        re.compile(rf"/orgs/{re.escape(database_search['foundation'].org_id)}/$")
    )
    # An English reader sees the English name first (the registered one below it).
    expect(page.get_by_role("heading", level=1)).to_have_text(
        database_search["foundation"].name_en
    )

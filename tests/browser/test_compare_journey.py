"""In a real browser: search → tick two results → compare them, and the home page's
search box suggestions used with the keyboard alone. axe-core on the compare and
home pages; screenshots in test-artifacts/screenshots/."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from credit.lists import LIST_RULES, PublicList
from credit.models import ListEntry
from credit.services import organization_rescore
from orgs.models import OrgType
from search.services import search_index_rebuild
from tests.browser import assert_no_axe_violations, screenshot
from tests.browser.test_public_journeys import tab_to
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.browser

SEARCH_BOX = "Name or unified social credit code"


@pytest.fixture
def registry(settings):
    """Two 阳光慈善 organizations with filings, grades, and one on the abnormal
    list, searchable through the database backend."""
    association = OrganizationFactory(
        name="深圳市阳光慈善会", name_en="Shenzhen Sunshine Charity Association"
    )
    foundation = OrganizationFactory(
        name="深圳市阳光慈善基金会",
        name_en="Shenzhen Sunshine Charity Foundation",
        org_type=OrgType.FOUNDATION,
        charity=True,
    )
    OrganizationFactory(name="广州市红十字会", region="440100")
    for year in (2022, 2023, 2024):
        FilingFactory(organization=foundation, fiscal_year=year)
    FilingFactory(organization=association, fiscal_year=2024)
    rule = LIST_RULES[PublicList.ABNORMAL]
    ListEntry.objects.create(
        list=PublicList.ABNORMAL,
        organization=association,
        entered_on=dt.date(2025, 3, 1),
        reason="未按规定报送年度工作报告",
        legal_basis=str(rule.legal_basis),
        exit_conditions=str(rule.exit_conditions),
    )
    organization_rescore(organization=foundation)
    organization_rescore(organization=association)
    settings.ELASTICSEARCH_URL = ""
    search_index_rebuild(chunk_size=100)
    return {"association": association, "foundation": foundation}


def test_donor_searches_ticks_two_results_and_compares_them(page, registry):
    association, foundation = registry["association"], registry["foundation"]

    page.goto("/")
    expect(
        page.get_by_role("link", name="on the abnormal-activity list")
    ).to_be_visible()
    screenshot(page, "home-with-lists")
    assert_no_axe_violations(page)

    page.get_by_role("combobox", name=SEARCH_BOX).fill("阳光慈善")
    page.get_by_role("button", name="Search").first.click()
    expect(page.locator("article.hit")).to_have_count(2)
    expect(
        page.get_by_role("link", name="Download these results (CSV)")
    ).to_be_visible()

    page.get_by_role("checkbox", name=f"Add to comparison {association.name}").check()
    page.get_by_role("checkbox", name=f"Add to comparison {foundation.name}").check()
    page.get_by_role("button", name="Compare selected").click()

    expect(page).to_have_url(re.compile(r"/compare/\?ids="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare organizations")
    credit = page.get_by_role("table", name="Status and credit")
    expect(credit.get_by_role("columnheader")).to_have_count(3)
    expect(
        credit.get_by_role("link", name=association.name_en, exact=True)
    ).to_be_visible()
    expect(
        credit.get_by_role("link", name=foundation.name_en, exact=True)
    ).to_be_visible()
    expect(
        credit.get_by_role("link", name=re.compile("Abnormal-activity"))
    ).to_be_visible()
    finances = page.get_by_role("table", name="Finances of the last three fiscal years")
    expect(finances.get_by_text("Fiscal year 2024")).to_be_visible()
    expect(finances.get_by_text("no filing").first).to_be_visible()
    screenshot(page, "compare")
    assert_no_axe_violations(page)

    page.get_by_role(
        "link", name=f"Remove {association.name} from the comparison"
    ).click()
    expect(
        page.get_by_role("table", name="Status and credit").get_by_role("columnheader")
    ).to_have_count(2)


def test_compare_page_names_a_wrong_id(page, registry):
    page.goto(f"/compare/?ids={registry['foundation'].org_id},CN-USCC-NOSUCH")
    expect(page.get_by_role("alert")).to_have_text(
        "No organization has the id CN-USCC-NOSUCH."
    )
    screenshot(page, "compare-unknown-id")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Compare the others").click()
    expect(page.get_by_role("table", name="Status and credit")).to_be_visible()


def test_keyboard_alone_picks_a_suggestion_from_the_home_search_box(page, registry):
    page.goto("/")
    tab_to(page, "el.id === 'home-q'")
    box = page.get_by_role("combobox", name=SEARCH_BOX)
    expect(box).to_have_attribute("aria-expanded", "false")

    page.keyboard.type("深圳市阳光")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "home-q-suggestions")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(page.get_by_role("status")).to_have_text(re.compile("^2 suggestions"))
    assert_no_axe_violations(page)  # with the list open

    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("ArrowDown")
    expect(listbox).to_be_visible()
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "home-q-suggestions-0")
    screenshot(page, "home-suggestions")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    chosen = first.evaluate("el => el.firstChild.textContent")

    page.keyboard.press("Enter")
    organization = next(o for o in registry.values() if o.name == chosen)
    expect(page).to_have_url(re.compile(rf"/orgs/{re.escape(organization.org_id)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(organization.name_en)


def test_search_page_box_suggests_too(page, registry):
    page.goto("/search/?q=红十字")
    box = page.get_by_role("combobox", name="Name, code or a fragment")
    box.fill("广州")
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_text(
        ["广州市红十字会"]
    )

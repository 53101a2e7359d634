"""Report a concern in a real browser: a member of the public finds the form from an
organization's profile, makes a mistake, corrects it, sends the report and follows
it by its reference; a regulator signs in, finds it in the concern queue, takes it
up and closes it with an outcome the reporter then reads. axe-core on the form
(with and without errors), the status page, the queue and the regulator's page;
a screenshot of each in test-artifacts/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from credit.models import Concern, ConcernStatus
from tests.browser import assert_no_axe_violations, screenshot
from tests.browser.test_filing_lifecycle import sign_in_to_portal
from tests.orgs.filing_setup import make_cast

pytestmark = pytest.mark.browser


@pytest.fixture
def new_tab(browser, live_server):
    """A tab in a browser context of its own (another person: own cookies)."""
    contexts = []

    def open_tab():
        context = browser.new_context(
            base_url=live_server.url, locale="en-US",
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        context.set_default_timeout(10_000)
        context.route(
            lambda url: not url.startswith(live_server.url),
            lambda route: route.abort("blockedbyclient"),
        )
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def test_a_report_reaches_the_regulator_and_its_outcome_the_reporter(
    page, new_tab, monkeypatch
):
    # The form refuses answers sent back within a few seconds (bots); a browser
    # driven by a test types faster than any person.
    monkeypatch.setattr("credit.forms.MIN_SECONDS", 0)
    cast = make_cast()
    org = cast.org_a

    page.goto(org.get_absolute_url())
    page.get_by_role("link", name="Report a concern about this organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a concern")
    expect(page.get_by_label("Name of the organization")).to_have_value(org.name)
    screenshot(page, "concern-form")
    assert_no_axe_violations(page)

    page.get_by_label("Where did you see it?").select_option("street")
    page.get_by_label("Where exactly (optional)").fill("Outside Nanshan station")
    page.get_by_label("Your email address (optional)").fill("not an address")
    page.get_by_role("button", name="Send the report").click()

    # Errors next to their fields, in words, the answers kept.
    expect(page.get_by_role("alert")).to_contain_text("What happened?")
    expect(page.locator("#id_what_happened_error")).to_contain_text(
        "This field is required."
    )
    expect(page.locator("#id_contact_email_error")).to_contain_text(
        "Enter a valid email address."
    )
    expect(page.get_by_label("Where exactly (optional)")).to_have_value(
        "Outside Nanshan station"
    )
    screenshot(page, "concern-form-errors")
    assert_no_axe_violations(page)

    page.get_by_label("What happened?").fill(
        "Two people in vests with the organization's name collected cash."
    )
    page.get_by_label("Your email address (optional)").fill("reporter@example.net")
    page.get_by_role("button", name="Send the report").click()

    expect(page).to_have_url(re.compile(r"/report/C-[A-Z0-9]{10}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
    expect(page.locator("dl.facts")).to_contain_text("Received")
    expect(page.locator("main")).not_to_contain_text("reporter@example.net")
    screenshot(page, "concern-status-received")
    assert_no_axe_violations(page)
    assert Concern.objects.get(reference=reference).organization == org

    # The regulator of the organization's jurisdiction.
    regulator = new_tab()
    sign_in_to_portal(regulator, cast.regulator_a)
    regulator.goto("/regulator/concerns/")
    expect(regulator.get_by_role("heading", level=1)).to_have_text(
        "Concerns from the public"
    )
    row = regulator.locator("tbody tr", has_text=reference)
    expect(row).to_contain_text(org.name)
    expect(row).to_contain_text("Received")
    screenshot(regulator, "concern-queue")
    assert_no_axe_violations(regulator)

    row.get_by_role("link", name=reference).click()
    expect(regulator.locator("dl.facts")).to_contain_text("reporter@example.net")
    screenshot(regulator, "concern-detail")
    assert_no_axe_violations(regulator)
    regulator.get_by_role("button", name="Start review").click()
    expect(regulator.get_by_role("status")).to_contain_text("now reviewing")
    regulator.get_by_label("Outcome (published").fill(
        "The collection was stopped and the organization warned."
    )
    regulator.get_by_label("Internal note").fill("Seen by inspector Li.")
    regulator.get_by_role("button", name="Close the concern").click()
    expect(regulator.get_by_role("status")).to_contain_text("The concern is closed.")
    assert Concern.objects.get(reference=reference).status == ConcernStatus.CLOSED

    # A regulator elsewhere does not see it.
    elsewhere = new_tab()
    sign_in_to_portal(elsewhere, cast.regulator_elsewhere)
    elsewhere.goto("/regulator/concerns/?status=all")
    expect(elsewhere.locator("main")).not_to_contain_text(reference)

    page.reload()
    expect(page.locator("dl.facts")).to_contain_text("Closed")
    expect(page.locator(".concern-outcome")).to_have_text(
        "The collection was stopped and the organization warned."
    )
    expect(page.locator("main")).not_to_contain_text("inspector Li")
    screenshot(page, "concern-status-closed")
    assert_no_axe_violations(page)

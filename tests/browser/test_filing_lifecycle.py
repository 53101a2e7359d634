"""A filing's whole life in a real browser: a preparer drafts it through the web
form's steps, an approver submits it, a regulator returns it with reasons in the
Wagtail admin, the approver reads them, fixes and resubmits, the regulator accepts
it, and a signed-out visitor sees its figures on the organization's profile.

Each person has their own browser context (own cookies). The regulator acts through
the admin dashboard's "Awaiting your review" panel, the workflow actions and the
reasons dialog Wagtail draws; nothing is done by calling services. axe-core checks
the portal's own pages, not the Wagtail admin's.
"""

import re

import pytest
from playwright.sync_api import expect

from orgs.models import Filing, ReviewState
from orgs.submissions.upload import EXAMPLE_ROW
from orgs.submissions.validation import SUBMITTED_KEYS
from tests.browser import assert_no_axe_violations, screenshot
from tests.orgs.filing_setup import PASSWORD, make_cast

pytestmark = pytest.mark.browser

REASONS = "Enter the auditor's opinion on the 2024 accounts."


@pytest.fixture
def new_tab(browser, live_server):
    """Open a tab in a context of its own (another person, or a signed-out
    visitor) on the live server; contexts are closed after the test."""
    contexts = []

    def open_tab():
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-US",
            viewport={"width": 1280, "height": 900},
        )
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


def sign_in_to_portal(page, user, *, check_a11y=False):
    page.goto("/account/login/?next=/account/")
    if check_a11y:
        screenshot(page, "account-login")
        assert_no_axe_violations(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/account/$"))


def sign_in_to_admin(page, user):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def awaiting_review(page):
    return page.get_by_role("region", name="Awaiting your review")


def review_panel_action(page, filing, action: str):
    """Click ``action`` in the dropdown of the filing's row in the admin
    dashboard's "Awaiting your review" panel."""
    page.goto("/admin/")
    row = awaiting_review(page).locator("tbody tr", has_text=str(filing))
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name=action).click()


def fill_step(page, values: dict[str, str], go_to: str):
    for label, value in values.items():
        field = page.get_by_label(label, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name=f"Save and go to: {go_to}").click()


def test_filing_goes_from_draft_through_return_to_public(page, new_tab):
    cast = make_cast()
    org = cast.org_a

    # The preparer drafts the report, step by step.
    sign_in_to_portal(page, cast.preparer_a, check_a11y=True)
    screenshot(page, "account-dashboard")
    assert_no_axe_violations(page)
    section = page.locator("section.card", has_text=org.name)
    section.get_by_role("link", name="Start a new filing").click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Organization facts")
    screenshot(page, "filing-form-facts")
    assert_no_axe_violations(page)
    fill_step(page, {"Fiscal year": "2024", "Currency": "CNY"}, "Income")

    expect(page.locator('[aria-current="step"]')).to_have_text("Income")
    expect(page.get_by_role("navigation", name="Steps")).to_contain_text("Attachments")
    screenshot(page, "filing-form-income")
    assert_no_axe_violations(page)
    fill_step(
        page,
        {"Donations": "800000", "Government grants": "100000",
         "Total income": "900000"},
        "Expenses",
    )  # fmt: skip
    fill_step(
        page,
        {"Programmes / charitable activities": "700000", "Management": "80000",
         "Total expenses": "780000"},
        "Balance sheet",
    )  # fmt: skip
    fill_step(
        page,
        {"Total assets": "1500000", "Total liabilities": "200000",
         "Net assets": "1300000"},
        "People",
    )  # fmt: skip
    fill_step(page, {"Employees": "12", "Volunteers": "40"}, "Attachments")

    # The form's last step is the filing's page with the attachment upload.
    expect(page).to_have_url(re.compile(r"/account/filings/\d+/#attachment$"))
    expect(page.get_by_role("heading", name="Attachments")).to_be_visible()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_text("An approver of the organization submits")).to_be_visible()
    screenshot(page, "filing-detail-draft")
    assert_no_axe_violations(page)
    filing = Filing.objects.get(organization=org, fiscal_year=2024)
    assert (filing.review_state, str(filing.net_assets)) == (
        ReviewState.DRAFT,
        "1300000.00",
    )
    assert (filing.employees, filing.volunteers) == (12, 40)

    # The approver submits it.
    approver = new_tab()
    sign_in_to_portal(approver, cast.approver_a)
    approver.get_by_role("link", name="2024").click()
    approver.get_by_role("button", name="Submit to the regulator").click()
    expect(approver.get_by_text("Submitted to the regulator.")).to_be_visible()
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.SUBMITTED

    # The regulator starts the review and returns it with reasons.
    regulator = new_tab()
    sign_in_to_admin(regulator, cast.regulator_a)
    expect(awaiting_review(regulator)).to_contain_text(str(filing))
    screenshot(regulator, "admin-dashboard-awaiting-review")
    review_panel_action(regulator, filing, "Start review")
    expect(regulator).to_have_url(re.compile(r"/admin/$"))
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.UNDER_REVIEW

    regulator.goto(f"/admin/snippets/orgs/filing/edit/{filing.pk}/")
    expect(
        regulator.get_by_role("heading", name=str(filing), exact=True)
    ).to_be_visible()
    screenshot(regulator, "admin-filing-review")

    review_panel_action(regulator, filing, "Return with reasons")
    dialog = regulator.get_by_role("dialog")
    reasons = dialog.get_by_label("Reasons for returning")
    expect(reasons).to_be_visible()
    reasons.fill(REASONS)
    screenshot(regulator, "admin-return-with-reasons")
    dialog.get_by_role("button", name="Return with reasons").click()
    expect(regulator).to_have_url(re.compile(r"/admin/$"))
    expect(awaiting_review(regulator)).to_have_count(0)
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.RETURNED

    # The approver reads the reasons on the account pages, fixes and resubmits.
    approver.goto("/account/")
    expect(approver.locator("section.card", has_text=org.name)).to_contain_text(
        "Returned"
    )
    approver.get_by_role("link", name="2024").click()
    comments = approver.locator("section", has_text="The regulator's comments")
    expect(comments).to_contain_text(REASONS)
    screenshot(approver, "filing-detail-returned")
    assert_no_axe_violations(approver)
    approver.get_by_role("link", name="Edit").click()
    approver.get_by_role("navigation", name="Steps").get_by_role(
        "link", name="Balance sheet"
    ).click()
    expect(approver.locator('[aria-current="step"]')).to_have_text("Balance sheet")
    approver.get_by_label("Audit opinion").select_option("unqualified")
    screenshot(approver, "filing-form-balance-fix")
    assert_no_axe_violations(approver)
    approver.get_by_role("button", name="Save and go to: Attachments").click()
    approver.get_by_role("button", name="Submit to the regulator").click()
    expect(approver.get_by_text("Submitted to the regulator.")).to_be_visible()
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.SUBMITTED
    assert filing.audit_opinion == "unqualified"

    # The regulator accepts it.
    review_panel_action(regulator, filing, "Start review")
    expect(regulator).to_have_url(re.compile(r"/admin/$"))
    review_panel_action(regulator, filing, "Accept and publish")
    expect(regulator).to_have_url(re.compile(r"/admin/$"))
    filing.refresh_from_db()
    assert (filing.review_state, filing.live) == (ReviewState.ACCEPTED, True)

    # A signed-out visitor sees the figures on the organization's profile.
    visitor = new_tab()
    visitor.goto(f"/orgs/{org.org_id}/")
    filings = (
        visitor.get_by_role("table", name="Annual filings")
        .locator("tbody tr:not(.no-filing)")
        .filter(has_text="2024")
    )
    expect(filings).to_contain_text("900,000")
    expect(filings).to_contain_text("1,300,000")
    screenshot(visitor, "organization-profile-accepted-filing")
    assert_no_axe_violations(visitor)


def template_csv(rows: list[dict[str, str]]) -> dict:
    header = list(SUBMITTED_KEYS)
    lines = [",".join(header)] + [
        ",".join(row.get(k, "") for k in header) for row in rows
    ]
    return {
        "name": "filings.csv",
        "mimeType": "text/csv",
        "buffer": ("\r\n".join(lines) + "\r\n").encode("utf-8"),
    }


def test_preparer_uploads_a_template_fixes_the_reported_cell_and_gets_drafts(page):
    cast = make_cast()
    org = cast.org_a
    good = {k: str(v) for k, v in EXAMPLE_ROW.items()}
    sign_in_to_portal(page, cast.preparer_a)
    section = page.locator("section.card", has_text=org.name)

    section.get_by_label("Filled template (CSV or XLSX)").set_input_files(
        template_csv([{**good, "income_total": "1"}])
    )
    section.get_by_role("button", name="Upload").click()
    report = page.get_by_role("region", name=re.compile("nothing was saved"))
    expect(report).to_contain_text("1 problem")
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.locator("tbody tr")).to_contain_text("income_total")
    screenshot(page, "account-upload-report")
    assert_no_axe_violations(page)
    assert not Filing.objects.exists()

    page.get_by_label("Filled template (CSV or XLSX)").set_input_files(
        template_csv([good])
    )
    page.get_by_role("button", name="Upload again").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_text("1 draft filing saved for")).to_be_visible()
    expect(section.get_by_role("link", name="2024")).to_be_visible()
    assert Filing.objects.get(organization=org).review_state == ReviewState.DRAFT

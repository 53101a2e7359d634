"""Following an organization in a real browser: a visitor presses "Follow" on a
profile, is sent to sign in, creates an account instead, confirms, and finds the
organization on /account/following/; axe-core on the sign-up and following pages,
a screenshot of each into test-artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from orgs.models import Follow
from portal.models import User
from tests.browser import assert_no_axe_violations, screenshot
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.browser
PASSWORD = "sunlit-orchard-41-kettle"  # noqa: S105 (a test account)


def test_visitor_signs_up_follows_from_the_profile_and_sees_it_on_following(page):
    organization = OrganizationFactory(
        name="深圳市阳光助学会", name_en="Shenzhen Sunshine Education Aid Association"
    )
    page.goto(organization.get_absolute_url())
    page.get_by_role("button", name=f"Follow {organization.name}").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?next=/account/following/"
                             f"{organization.org_id}/follow/")  # fmt: skip
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("link", name="Create one to follow organizations").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_no_axe_violations(page)
    screenshot(page, "signup")
    # a bad password first: the page says which field and why, still accessible
    page.get_by_label("Email address").fill("Donor@Example.org")
    page.get_by_label("Password", exact=True).fill("password123")
    page.get_by_label("Password again").fill("password123")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert").first).to_contain_text("too common")
    assert_no_axe_violations(page)
    screenshot(page, "signup-errors")
    assert not User.objects.exists()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # back where sign-in would have sent them: a confirmation, then the profile
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Follow {organization.name}"
    )
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organization.name_en)
    expect(page.get_by_role("status").first).to_contain_text(
        f"You follow {organization.name}"
    )
    expect(
        page.get_by_role("button", name=f"Stop following {organization.name}")
    ).to_be_visible()
    assert Follow.objects.get().user.email == "donor@example.org"

    page.get_by_role("link", name="Everything you follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Organizations you follow"
    )
    expect(page.get_by_role("link", name=organization.name)).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "following")

    page.get_by_role("button", name=f"Stop following {organization.name}").click()
    expect(page.get_by_text("You follow no organization yet.")).to_be_visible()
    assert not Follow.objects.exists()
    assert_no_axe_violations(page)

"""Notices name organizations; a draft notice announces new list entries."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from cms.models import HomePage, NewsIndexPage, NewsPage, NoticeOrganization
from cms.services import NoticeError, notice_draft_for_list_entries
from credit.models import ListEntry
from orgs.models import NameSource, UnregisteredName
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def section():
    home = HomePage.objects.get()
    return home.add_child(instance=NewsIndexPage(title="Notices", slug="notices"))


JUNE_3 = D(2025, 6, 3)


def entry(listing="abnormal", on=JUNE_3, organization=None, **fields):
    return ListEntry.objects.create(
        list=listing,
        organization=organization,
        entered_on=on,
        reason=fields.pop("reason", "annual report 2023 missing"),
        legal_basis="MCA Order 60",
        exit_conditions="file the report",
        **fields,
    )


def test_a_published_notice_links_the_organizations_it_names(client, section):
    named = OrganizationFactory(name="阳光助学促进会")
    notice = NewsPage(title="Abnormal list, June", slug="june", date=D(2025, 6, 30))
    notice.organization_links = [
        NoticeOrganization(organization=named, note="enters the abnormal list")
    ]
    section.add_child(instance=notice)

    html = client.get("/notices/june/").content.decode()

    assert f'href="/orgs/{named.org_id}/"' in html
    assert "阳光助学促进会" in html
    assert "enters the abnormal list" in html


def test_a_draft_notice_names_each_new_entry_and_is_not_published(client, section):
    first, second = OrganizationFactory.create_batch(2)
    entry(organization=first, on=D(2025, 6, 3), reason="no report for 2023")
    entry(organization=second, on=D(2025, 6, 20))
    entry(organization=OrganizationFactory(), on=D(2025, 7, 1))  # after the period
    entry(listing="serious-dishonest", organization=OrganizationFactory())

    notice = notice_draft_for_list_entries(
        listing="abnormal", since=D(2025, 6, 1), until=D(2025, 6, 30), section=section
    )

    assert not notice.live
    assert notice.get_latest_revision() is not None
    links = list(notice.organization_links.order_by("sort_order"))
    assert [link.organization for link in links] == [first, second]
    assert links[0].note == "no report for 2023"
    assert "MCA Order 60" in notice.body
    assert client.get(f"/notices/{notice.slug}/").status_code == 404  # a draft


def test_unregistered_names_on_the_illegal_list_are_named_in_the_body(section):
    name = UnregisteredName.objects.create(
        name="中华<慈善>总会联谊会", source=NameSource.values[0]
    )
    entry(listing="illegal", unregistered_name=name)

    notice = notice_draft_for_list_entries(
        listing="illegal", since=D(2025, 6, 1), until=D(2025, 6, 30), section=section
    )

    assert notice.organization_links.count() == 0
    assert "中华&lt;慈善&gt;总会联谊会" in notice.body  # escaped, not markup


@pytest.mark.parametrize(
    ("listing", "since", "until", "message"),
    [
        ("nonsense", D(2025, 6, 1), D(2025, 6, 30), "Unknown list nonsense"),
        ("abnormal", D(2025, 7, 1), D(2025, 6, 30), "start date is after"),
        ("abnormal", D(2024, 1, 1), D(2024, 12, 31), "No organization entered"),
    ],
)
def test_a_notice_that_cannot_be_drafted_says_why_and_writes_nothing(
    section, listing, since, until, message
):
    entry(organization=OrganizationFactory())
    pages = NewsPage.objects.count()
    with pytest.raises(NoticeError, match=message):
        notice_draft_for_list_entries(
            listing=listing, since=since, until=until, section=section
        )
    assert NewsPage.objects.count() == pages


def test_without_a_notices_section_the_command_says_so():
    entry(organization=OrganizationFactory())
    with pytest.raises(CommandError, match="no notices section"):
        call_command("draft_list_notice", "--list", "abnormal", "--since", "2025-06-01")


def test_the_command_drafts_and_its_dry_run_saves_nothing(section):
    entry(organization=OrganizationFactory())
    out = io.StringIO()
    call_command(
        "draft_list_notice", "--list", "abnormal", "--since", "2025-06-01",
        "--until", "2025-06-30", "--dry-run", stdout=out,
    )  # fmt: skip
    assert "naming 1 organizations; nothing saved" in out.getvalue()
    assert NewsPage.objects.count() == 0

    call_command(
        "draft_list_notice", "--list", "abnormal", "--since", "2025-06-01",
        "--until", "2025-06-30", stdout=out,
    )  # fmt: skip
    notice = NewsPage.objects.get()
    assert f"/admin/pages/{notice.pk}/edit/" in out.getvalue()
    assert not notice.live


def test_a_bad_date_is_named():
    with pytest.raises(CommandError, match="'June' is not a date"):
        call_command("draft_list_notice", "--list", "abnormal", "--since", "June")


def test_the_profile_lists_published_notices_naming_the_organization(client, section):
    named = OrganizationFactory()
    for slug, live in (("published", True), ("draft", False)):
        notice = NewsPage(
            title=f"Notice {slug}", slug=slug, date=D(2025, 6, 30), live=live
        )
        notice.organization_links = [NoticeOrganization(organization=named)]
        section.add_child(instance=notice)
    section.add_child(
        instance=NewsPage(title="Unrelated", slug="other", date=D(2025, 7, 1))
    )

    html = client.get(f"/orgs/{named.org_id}/").content.decode()

    assert "Notice published" in html
    assert 'href="/notices/published/"' in html
    assert "Notice draft" not in html
    assert "Unrelated" not in html

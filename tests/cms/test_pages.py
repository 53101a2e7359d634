"""Wagtail pages: the home page with headline figures, notices, the admin."""

import datetime as dt

import pytest

from cms.models import HomePage, NewsIndexPage, NewsPage
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_home_page_shows_headline_figures_and_search(client):
    OrganizationFactory.create_batch(3)
    OrganizationFactory(charity=True)
    FilingFactory(submitted_on=dt.date.today())

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in html
    assert 'action="/search/"' in html
    assert "<strong>5</strong>" in html  # 4 + the filing's organization
    assert "<strong>1</strong>" in html


def test_notices_appear_on_home_and_in_their_section(client):
    home = HomePage.objects.get()
    section = home.add_child(instance=NewsIndexPage(title="Notices", slug="notices"))
    section.add_child(
        instance=NewsPage(
            title="2025 abnormal list published",
            slug="abn-2025",
            date=dt.date(2025, 6, 1),
        )
    )

    assert "2025 abnormal list published" in client.get("/").content.decode()
    assert "2025 abnormal list published" in client.get("/notices/").content.decode()
    assert client.get("/notices/abn-2025/").status_code == 200


def test_wagtail_admin_works_for_staff(client, django_user_model):
    staff = django_user_model.objects.create_superuser(
        "staff", "s@example.org", "x-Pass-123"
    )
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    org = OrganizationFactory()
    assert client.get("/admin/snippets/orgs/organization/").status_code == 200
    assert (
        client.get(f"/admin/snippets/orgs/organization/edit/{org.pk}/").status_code
        == 200
    )


def test_admin_requires_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _list_entry(organization, listing, *, entered_on, exited_on=None):
    from credit.lists import LIST_RULES
    from credit.models import ListEntry

    rule = LIST_RULES[listing]
    return ListEntry.objects.create(
        list=listing,
        organization=organization,
        entered_on=entered_on,
        exited_on=exited_on,
        reason="test",
        legal_basis=str(rule.legal_basis),
        exit_conditions=str(rule.exit_conditions),
    )


def test_list_headline_figures_count_organizations_listed_today():
    from credit.lists import PublicList
    from credit.selectors import list_headline_figures

    today = dt.date(2026, 3, 1)
    earlier = dt.date(2025, 1, 1)
    twice, once, serious, left = OrganizationFactory.create_batch(4)
    _list_entry(twice, PublicList.ABNORMAL, entered_on=earlier, exited_on=today)
    _list_entry(twice, PublicList.ABNORMAL, entered_on=today)  # entered again
    _list_entry(once, PublicList.ABNORMAL, entered_on=earlier)
    _list_entry(serious, PublicList.SERIOUS, entered_on=earlier)
    _list_entry(serious, PublicList.ABNORMAL, entered_on=earlier)
    _list_entry(left, PublicList.SERIOUS, entered_on=earlier, exited_on=today)
    _list_entry(left, PublicList.ILLEGAL, entered_on=earlier)
    _list_entry(once, PublicList.SERIOUS, entered_on=dt.date(2026, 3, 2))  # future

    assert list_headline_figures(today=today) == {
        "abnormal": 3,
        "serious_dishonest": 1,
    }


def test_list_headline_figures_are_cached(django_assert_num_queries):
    from credit.lists import PublicList
    from credit.selectors import list_headline_figures

    today = dt.date(2026, 3, 1)
    with django_assert_num_queries(1):
        assert list_headline_figures(today=today)["abnormal"] == 0
    _list_entry(OrganizationFactory(), PublicList.ABNORMAL, entered_on=today)
    with django_assert_num_queries(0):
        assert list_headline_figures(today=today)["abnormal"] == 0


def test_home_page_shows_list_figures_and_links_to_every_list(client):
    from credit.lists import PublicList

    for organization in OrganizationFactory.create_batch(2):
        _list_entry(organization, PublicList.ABNORMAL, entered_on=dt.date(2025, 1, 1))
    _list_entry(
        OrganizationFactory(), PublicList.SERIOUS, entered_on=dt.date(2025, 1, 1)
    )

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (
        '<strong>2</strong><a href="/lists/abnormal/">on the abnormal-activity list</a>'
        in html
    )
    assert (
        '<strong>1</strong><a href="/lists/serious-dishonest/">'
        "on the serious illegal and dishonest list</a>" in html
    )
    for listing in PublicList.values:
        assert f'href="/lists/{listing}/"' in html


def test_home_search_box_is_enhanced_only_by_a_script_of_the_portal(client):
    html = client.get("/").content.decode()
    # The plain form works alone; the script served by the portal (no CDN) finds the
    # box by its suggest URL.
    assert 'data-suggest-url="/api/v1/search/suggest"' in html
    assert 'data-profile-url="/orgs/ORG_ID/"' in html
    assert '<script src="/static/portal/autocomplete.js" defer></script>' in html
    assert 'role="combobox"' not in html  # set by the script, not promised without it

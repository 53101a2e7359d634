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

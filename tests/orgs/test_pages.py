"""The public registry pages: list with filters and pagination, profile, 404s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Status
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.django_db


def profile_queries(client, org) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_profile_shows_registration_facts_and_filings(client):
    org = OrganizationFactory(
        name="深圳市阳光助学促进会", name_en="Shenzhen Sunshine Education"
    )
    FilingFactory(organization=org, fiscal_year=2023)
    FilingFactory(organization=org, fiscal_year=2024, submitted_on="2025-07-01")
    org.former_names.create(name="深圳市助学会")
    RegulatoryEventFactory(organization=org, kind="fine", amount=60000)

    response = client.get(f"/orgs/{org.org_id}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "深圳市阳光助学促进会" in html
    assert "Shenzhen Sunshine Education" in html
    assert org.identifier in html
    assert "深圳市助学会" in html
    assert "2023" in html and "2024" in html
    assert "60,000" in html or "60000" in html


def test_profile_query_count_does_not_grow_with_filings(client):
    small = OrganizationFactory()
    FilingFactory(organization=small, fiscal_year=2024)
    big = OrganizationFactory()
    for year in range(2005, 2025):
        FilingFactory(organization=big, fiscal_year=year)
        RegulatoryEventFactory(organization=big)
        big.officers.create(name=f"officer {year}", role="理事")
        big.former_names.create(name=f"旧名{year}")

    small_count, _ = profile_queries(client, small)
    big_count, html = profile_queries(client, big)

    assert big_count == small_count
    assert big_count <= 10  # 8 + the grade history + notices (test_profile_page.py)
    assert html.count("<tr") >= 21


def test_unknown_org_id_is_a_404_page_not_a_500(client):
    response = client.get("/orgs/CN-USCC-NOPE/")
    assert response.status_code == 404
    assert (
        "Not found" in response.content.decode()
        or "未找到" in response.content.decode()
    )


def test_list_filters_by_type_region_and_status(client):
    OrganizationFactory(name="广州甲基金会", org_type="foundation", region="440100")
    OrganizationFactory(name="深圳乙协会", org_type="social_group", region="440300")
    OrganizationFactory(
        name="北京丙协会",
        org_type="social_group",
        region="110000",
        status=Status.REVOKED,
    )

    def names(**params):
        html = client.get("/orgs/", params).content.decode()
        return {n for n in ("广州甲基金会", "深圳乙协会", "北京丙协会") if n in html}

    assert names() == {"广州甲基金会", "深圳乙协会", "北京丙协会"}
    assert names(org_type="foundation") == {"广州甲基金会"}
    assert names(region="440000") == {"广州甲基金会", "深圳乙协会"}
    assert names(region="440300") == {"深圳乙协会"}
    assert names(status="revoked") == {"北京丙协会"}
    assert names(q="乙协") == {"深圳乙协会"}


def test_list_paginates(client):
    OrganizationFactory.create_batch(30)
    first = client.get("/orgs/").content.decode()
    second = client.get("/orgs/", {"page": 2}).content.decode()
    assert "30 organizations" in first or "30" in first
    assert first.count("<tr><td>") == 25
    assert second.count("<tr><td>") == 5


def test_list_survives_nonsense_page_numbers(client):
    OrganizationFactory.create_batch(3)
    assert client.get("/orgs/", {"page": "abc"}).status_code == 200
    assert client.get("/orgs/", {"page": "99999"}).status_code == 200


def test_list_finds_an_organization_by_a_former_name(client):
    org = OrganizationFactory(name="深圳市新名字协会")
    org.former_names.create(name="深圳市旧名字协会")
    OrganizationFactory(name="深圳市无关协会")

    html = client.get("/orgs/", {"q": "旧名字"}).content.decode()

    assert "深圳市新名字协会" in html
    assert "深圳市无关协会" not in html


def test_list_finds_an_organization_by_the_start_of_its_code(client):
    org = OrganizationFactory()
    OrganizationFactory()
    html = client.get("/orgs/", {"q": org.identifier[:12]}).content.decode()
    assert org.name in html


def test_national_region_filter_does_not_match_beijing(client):
    OrganizationFactory(
        name="全国甲协会", region="100000", registration_level="national"
    )
    OrganizationFactory(name="北京乙协会", region="110000")
    html = client.get("/orgs/", {"region": "100000"}).content.decode()
    assert "全国甲协会" in html
    assert "北京乙协会" not in html


def test_profile_shows_the_grade_with_each_reason_source_and_advice(client):
    import datetime as dt

    from credit.services import organization_rescore

    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2023)
    FilingFactory(organization=org, fiscal_year=2024, submitted_on=dt.date(2025, 7, 1))
    organization_rescore(organization=org, as_of=dt.date(2025, 12, 1))
    other = OrganizationFactory()
    for year in range(2015, 2025):
        FilingFactory(
            organization=other, fiscal_year=year, submitted_on=dt.date(year + 1, 8, 1)
        )
    organization_rescore(organization=other, as_of=dt.date(2025, 12, 1))

    count, html = profile_queries(client, org)
    other_count, _ = profile_queries(client, other)

    assert "Credit grade" in html
    assert "FILING_LATE" not in html  # codes stay internal; the page shows the title
    assert "Annual report filed late" in html
    assert "How to fix it" in html
    assert count == other_count
    assert count <= 12  # 10 + the grade history + notices


def test_regions_are_shown_by_name_in_the_chosen_language(client):
    org = OrganizationFactory(region="440305")
    chinese = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "广东省 深圳市 南山区" in chinese.content.decode()
    assert "Shenzhen, Guangdong" in english.content.decode()

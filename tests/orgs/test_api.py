"""REST API v1: organization list and detail, the OpenAPI schema, JSON 404s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.django_db


def test_detail_returns_the_organization_and_its_filings(api_client):
    org = OrganizationFactory(name="深圳市阳光助学促进会")
    FilingFactory(organization=org, fiscal_year=2023)
    FilingFactory(organization=org, fiscal_year=2024)
    RegulatoryEventFactory(organization=org, kind="warning")

    response = api_client.get(f"/api/v1/orgs/{org.org_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["org_id"] == org.org_id
    assert body["name"] == "深圳市阳光助学促进会"
    assert [f["fiscal_year"] for f in body["filings"]] == [2024, 2023]
    assert body["filings"][0]["income_donations"] == "800000.00"
    assert body["events"][0]["kind"] == "warning"


def test_detail_query_count_is_constant(api_client):
    org = OrganizationFactory()
    for year in range(2000, 2020):
        FilingFactory(organization=org, fiscal_year=year)
    with CaptureQueriesContext(connection) as ctx:
        assert api_client.get(f"/api/v1/orgs/{org.org_id}").status_code == 200
    assert len(ctx.captured_queries) <= 6


def test_unknown_org_is_a_json_404(api_client):
    response = api_client.get("/api/v1/orgs/CN-USCC-000000000000000000")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": "Not found.",
        "problems": [],
    }


def test_list_is_paginated_and_filtered(api_client):
    OrganizationFactory.create_batch(3, org_type="foundation")
    OrganizationFactory.create_batch(2, org_type="social_group")

    body = api_client.get("/api/v1/orgs", {"org_type": "foundation"}).json()

    assert body["count"] == 3
    assert {r["org_type"] for r in body["results"]} == {"foundation"}
    assert body["results"][0]["url"].endswith(f"/orgs/{body['results'][0]['org_id']}/")
    assert "next" in body and "previous" in body


def test_schema_describes_the_registry_endpoints(client):
    response = client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/orgs" in schema["paths"]
    assert "/api/v1/orgs/{org_id}" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/orgs"]["get"]["parameters"]}
    assert {"registry", "org_type", "region", "status", "q", "page"} <= params

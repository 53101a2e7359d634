"""GET /api/v1/orgs/<org_id>/credit: the contract other issues and outside checks use."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit import engine
from credit.methodology import METHODOLOGY_VERSION
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 15)
CONTRACT_KEYS = {
    "org_id", "score", "grade", "methodology_version", "as_of", "reasons", "lists",
}  # fmt: skip
REASON_KEYS = {"code", "title", "points", "source", "evidence", "advice"}


@pytest.fixture
def late_org():
    org = OrganizationFactory()
    for year in range(2016, 2025):
        FilingFactory(organization=org, fiscal_year=year)
    org.filings.filter(fiscal_year=2024).update(submitted_on=dt.date(2025, 6, 1))
    RegulatoryEventFactory(organization=org, kind="warning", date=dt.date(2025, 2, 1))
    engine.score_orgs(as_of=AS_OF)
    return org


def test_credit_follows_the_contract(api_client, late_org, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the portal's default (test settings use en)
    response = api_client.get(f"/api/v1/orgs/{late_org.org_id}/credit")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert body["org_id"] == late_org.org_id
    assert (body["score"], body["grade"]) == (80, "B")
    assert body["methodology_version"] == METHODOLOGY_VERSION
    assert body["as_of"] == "2025-06-15"
    assert body["lists"] == []
    assert [r["code"] for r in body["reasons"]] == ["FILING_LATE", "PENALTY_MINOR"]
    late = body["reasons"][0]
    assert set(late) == REASON_KEYS
    assert late["points"] == 10
    assert late["evidence"]["days_late"] == 1
    assert late["title"] == "年度报告逾期报送"  # Chinese by default
    assert "第二十八条" in late["source"]
    assert late["advice"].startswith("在截止日期前")


def test_credit_texts_follow_the_request_language(api_client, late_org):
    body = api_client.get(
        f"/api/v1/orgs/{late_org.org_id}/credit", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    late = body["reasons"][0]
    assert late["title"] == "Annual report filed late"
    assert "Regulations on Social Groups Art. 28" in late["source"]
    assert late["advice"].startswith("File the annual report")


def test_unknown_org_is_a_json_404(api_client):
    response = api_client.get("/api/v1/orgs/CN-USCC-000000000000000000/credit")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_as_of_is_the_latest_run_that_confirmed_the_score(api_client, late_org):
    engine.score_orgs(as_of=dt.date(2025, 7, 1))
    body = api_client.get(f"/api/v1/orgs/{late_org.org_id}/credit").json()
    assert body["as_of"] == "2025-07-01"


def test_an_organization_not_scored_yet_has_null_results(api_client):
    org = OrganizationFactory()
    body = api_client.get(f"/api/v1/orgs/{org.org_id}/credit").json()
    assert body == {
        "org_id": org.org_id,
        "score": None,
        "grade": None,
        "methodology_version": METHODOLOGY_VERSION,
        "as_of": None,
        "reasons": [],
        "lists": [],
    }


def test_a_not_rated_organization_has_no_score(api_client):
    org = OrganizationFactory(status="deregistered")
    engine.score_orgs(as_of=AS_OF)
    body = api_client.get(f"/api/v1/orgs/{org.org_id}/credit").json()
    assert (body["score"], body["grade"]) == (None, "not_rated")


def test_credit_query_count_does_not_grow_with_reasons(api_client):
    org = OrganizationFactory()
    for day in range(1, 20):
        RegulatoryEventFactory(
            organization=org, kind="warning", date=dt.date(2025, 1, day)
        )
    engine.score_orgs(as_of=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(f"/api/v1/orgs/{org.org_id}/credit").json()
    assert len(body["reasons"]) > 19
    assert len(queries) <= 5  # org, score, reasons, latest run, list entries


def test_schema_describes_the_credit_endpoint(client):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/orgs/{org_id}/credit"]["get"]
    assert {"200", "404"} <= set(operation["responses"])
    component = schema["components"]["schemas"]["Credit"]
    assert set(component["properties"]) == CONTRACT_KEYS

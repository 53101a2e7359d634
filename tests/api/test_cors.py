"""CORS: public reads of /api/v1/ may be fetched by any web page (no credentials);
the filing and regulator endpoints, and the account pages, may not."""

from __future__ import annotations

import pytest

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "https://reporter.example"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orgs",
        "/api/v1/orgs/{org_id}",
        "/api/v1/orgs/{org_id}/filings",
        "/api/v1/orgs/{org_id}/credit",
        "/api/v1/lists/abnormal",
        "/api/v1/search/suggest",
        "/api/v1/schema",
        "/api/v1/orgs/CN-USCC-NOPE",  # errors too, so a page can read them
    ],
)
def test_public_reads_allow_any_origin(client, path):
    org = OrganizationFactory()
    for method in (client.get, client.head):
        response = method(path.format(org_id=org.org_id), **ORIGIN)
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
        assert "Retry-After" in response["Access-Control-Expose-Headers"]


def test_a_preflight_is_answered(client):
    response = client.options(
        "/api/v1/orgs",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key",
        **ORIGIN,
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    assert "X-API-Key" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize(
    "path", ["/api/v1/regulator/flags", "/api/v1/filings/1", "/account/api-keys/"]
)
def test_private_endpoints_do_not_allow_other_origins(client, path):
    assert "Access-Control-Allow-Origin" not in client.get(path, **ORIGIN)
    preflight = client.options(path, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", **ORIGIN)
    assert "Access-Control-Allow-Origin" not in preflight


def test_writes_get_no_cors_headers(client):
    filing = client.post("/api/v1/filings", {}, **ORIGIN)
    assert "Access-Control-Allow-Origin" not in filing
    preflight = client.options(
        "/api/v1/filings", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **ORIGIN
    )
    assert "Access-Control-Allow-Origin" not in preflight
    refused = client.post("/api/v1/orgs", {}, **ORIGIN)
    assert refused.status_code == 405
    assert "Access-Control-Allow-Origin" not in refused

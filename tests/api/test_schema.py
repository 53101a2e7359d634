"""The OpenAPI schema documents every endpoint, both ways in (API key, filing
token) and the errors; the docs pages load nothing from another site."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_public_endpoint(schema):
    assert {
        "/api/v1/orgs",
        "/api/v1/orgs/{org_id}",
        "/api/v1/orgs/{org_id}/filings",
        "/api/v1/orgs/{org_id}/grants",
        "/api/v1/orgs/{org_id}/credit",
        "/api/v1/lists/{listing}",
        "/api/v1/search",
        "/api/v1/search/suggest",
        "/api/v1/filings",
        "/api/v1/filings/{id}",
    } <= set(schema["paths"])
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]


def test_schema_documents_the_api_key_and_the_filing_token(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["apiKey"]["description"],
    }
    assert schemes["filingToken"]["scheme"] == "bearer"
    orgs = schema["paths"]["/api/v1/orgs"]["get"]
    assert {"apiKey": []} in orgs["security"] and {} in orgs["security"]
    filing = schema["paths"]["/api/v1/filings"]["post"]
    assert filing["security"] == [{"filingToken": []}]


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == [
        "status",
        "code",
        "detail",
        "problems",
    ]
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            assert "Retry-After" in responses["429"]["headers"]
            for code, response in responses.items():
                if code[0] in "45":
                    assert response["content"]["application/json"]["schema"] == (
                        error
                    ), (method, path, code)
            if "{" in path:
                assert "404" in responses, (method, path)


def test_every_operation_has_a_summary_or_description(schema):
    undocumented = [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not (operation.get("summary") or operation.get("description"))
    ]
    assert undocumented == []
    assert "Errors" in schema["info"]["description"]


def test_list_parameters_are_documented_with_their_limits(schema):
    orgs = {p["name"]: p for p in schema["paths"]["/api/v1/orgs"]["get"]["parameters"]}
    assert {"registry", "org_type", "region", "status", "q", "page", "page_size"} <= (
        set(orgs)
    )
    assert orgs["page"]["schema"]["minimum"] == 1
    assert orgs["page_size"]["schema"]["maximum"] == 200
    listing = schema["paths"]["/api/v1/lists/{listing}"]["get"]["parameters"]
    assert set({p["name"]: p for p in listing}["listing"]["schema"]["enum"]) == {
        "abnormal",
        "serious-dishonest",
        "illegal",
    }


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/docs/try"])
def test_docs_pages_load_assets_from_this_site_only(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert not [url for url in urls if "//" in url], urls
    assert any("/static/drf_spectacular_sidecar/" in url for url in urls)

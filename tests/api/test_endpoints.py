"""Every public endpoint of REST API v1 answers what it documents, and each of its
error cases answers in the one error shape (portal/api.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.models import ListEntry
from credit.services import organization_rescore
from orgs.models import Grant
from tests.factories import FilingFactory, OrganizationFactory
from tests.orgs.filing_setup import make_cast

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str, fields: tuple[str, ...] = ()):
    """The response is the one error shape, with this status and code, naming these
    fields among its problems."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "detail", "problems"}, body
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["detail"]
    named = {problem["field"] for problem in body["problems"]}
    assert set(fields) <= named, body
    return body


# --- organizations -----------------------------------------------------------------


def test_org_list_filters_by_type_status_region_and_name(api_client):
    wanted = OrganizationFactory(
        name="深圳市阳光助学会", org_type="foundation", region="440305"
    )
    OrganizationFactory(name="深圳市阳光读书会", org_type="social_group")
    OrganizationFactory(name="北京市阳光助学会", org_type="foundation", region="110105")

    body = api_client.get(
        "/api/v1/orgs",
        {"org_type": "foundation", "status": "active", "region": "44", "q": "阳光"},
    ).json()

    assert [row["org_id"] for row in body["results"]] == [wanted.org_id]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"org_type": "bakery"}, ("org_type",)),
        ({"status": "sleeping"}, ("status",)),
        ({"region": "Shenzhen"}, ("region",)),
        ({"q": "x" * 201}, ("q",)),
        ({"status": "x", "org_type": "y"}, ("status", "org_type")),
    ],
)
def test_org_list_refuses_a_bad_filter_naming_it(api_client, params, fields):
    assert_error(api_client.get("/api/v1/orgs", params), 400, "invalid", fields)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "١"])
def test_a_page_that_is_not_a_whole_number_is_a_400(api_client, page):
    assert_error(
        api_client.get("/api/v1/orgs", {"page": page}), 400, "invalid", ("page",)
    )


def test_a_page_size_that_is_not_a_whole_number_is_a_400(api_client):
    response = api_client.get("/api/v1/orgs", {"page_size": "many"})
    assert_error(response, 400, "invalid", ("page_size",))


def test_a_page_beyond_the_last_is_a_404(api_client):
    OrganizationFactory()
    assert_error(api_client.get("/api/v1/orgs", {"page": 2}), 404, "not_found")


def test_page_size_chooses_the_page_length_up_to_the_maximum(api_client):
    OrganizationFactory.create_batch(3)
    body = api_client.get("/api/v1/orgs", {"page_size": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert "page_size=2" in body["next"]
    # Above the maximum the maximum is used (DRF's behaviour), not an error.
    body = api_client.get("/api/v1/orgs", {"page_size": 100000}).json()
    assert len(body["results"]) == 3


def test_unknown_org_is_a_404_in_the_error_shape(api_client):
    for suffix in ("", "/filings", "/grants", "/credit"):
        response = api_client.get(f"/api/v1/orgs/CN-USCC-NOPE{suffix}")
        assert_error(response, 404, "not_found")


# --- filings of an organization ----------------------------------------------------


def test_org_filings_lists_published_versions_latest_first(api_client):
    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2022)
    FilingFactory(organization=org, fiscal_year=2023, superseded=True)
    FilingFactory(organization=org, fiscal_year=2023, version=2)
    FilingFactory(organization=org, fiscal_year=2024, live=False)  # a draft
    FilingFactory(fiscal_year=2024)  # another organization's

    body = api_client.get(f"/api/v1/orgs/{org.org_id}/filings").json()

    assert body["count"] == 3
    assert [(f["fiscal_year"], f["version"]) for f in body["results"]] == [
        (2023, 2),
        (2023, 1),
        (2022, 1),
    ]
    assert body["results"][0]["income_donations"] == "800000.00"


def test_org_filings_filter_by_year_and_current_versions(api_client):
    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2022)
    FilingFactory(organization=org, fiscal_year=2023, superseded=True)
    FilingFactory(organization=org, fiscal_year=2023, version=2)
    url = f"/api/v1/orgs/{org.org_id}/filings"

    by_year = api_client.get(url, {"fiscal_year": 2023}).json()["results"]
    current = api_client.get(url, {"current": "true"}).json()["results"]

    assert [f["version"] for f in by_year] == [2, 1]
    assert [(f["fiscal_year"], f["version"]) for f in current] == [(2023, 2), (2022, 1)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fiscal_year": "last"}, "fiscal_year"),
        ({"fiscal_year": "99999"}, "fiscal_year"),
        ({"current": "perhaps"}, "current"),
    ],
)
def test_org_filings_refuse_bad_parameters(api_client, params, field):
    org = OrganizationFactory()
    response = api_client.get(f"/api/v1/orgs/{org.org_id}/filings", params)
    assert_error(response, 400, "invalid", (field,))


def test_org_filings_are_paginated(api_client):
    org = OrganizationFactory()
    for year in range(2000, 2005):
        FilingFactory(organization=org, fiscal_year=year)
    body = api_client.get(
        f"/api/v1/orgs/{org.org_id}/filings", {"page_size": 2, "page": 3}
    ).json()
    assert body["count"] == 5
    assert [f["fiscal_year"] for f in body["results"]] == [2000]
    assert body["next"] is None and body["previous"]


# --- grants --------------------------------------------------------------------------


def test_org_grants_received_and_made(api_client):
    recipient, funder = OrganizationFactory(), OrganizationFactory()
    Grant.objects.create(
        identifier="360G-1", title="Books", amount="1000.00", currency="GBP",
        award_date=dt.date(2024, 1, 1), recipient=recipient,
        recipient_org_id=recipient.org_id, funder=funder, funder_org_id=funder.org_id,
    )  # fmt: skip

    received = api_client.get(f"/api/v1/orgs/{recipient.org_id}/grants").json()
    made = api_client.get(f"/api/v1/orgs/{funder.org_id}/grants?role=made").json()
    made_by_recipient = api_client.get(
        f"/api/v1/orgs/{recipient.org_id}/grants?role=made"
    ).json()

    assert [g["identifier"] for g in received["results"]] == ["360G-1"]
    assert [g["identifier"] for g in made["results"]] == ["360G-1"]
    assert made_by_recipient["count"] == 0


def test_org_grants_refuse_an_unknown_role(api_client):
    org = OrganizationFactory()
    response = api_client.get(f"/api/v1/orgs/{org.org_id}/grants?role=stolen")
    assert_error(response, 400, "invalid", ("role",))


# --- credit ----------------------------------------------------------------------------


def test_credit_of_a_scored_organization(api_client):
    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2024)
    organization_rescore(organization=org)
    body = api_client.get(f"/api/v1/orgs/{org.org_id}/credit").json()
    assert body["org_id"] == org.org_id
    assert body["grade"] and isinstance(body["score"], int)


# --- lists ---------------------------------------------------------------------------


def _entry(org, *, entered_on, listing="abnormal"):
    return ListEntry.objects.create(
        list=listing,
        organization=org,
        entered_on=entered_on,
        reason="did not file",
        legal_basis="Regulation 1",
        exit_conditions="file",
    )


def test_public_list_filters_by_region_and_dates(api_client):
    shenzhen = OrganizationFactory(region="440305")
    beijing = OrganizationFactory(region="110105")
    _entry(shenzhen, entered_on=dt.date(2025, 3, 1))
    _entry(beijing, entered_on=dt.date(2025, 3, 1))
    _entry(OrganizationFactory(region="440303"), entered_on=dt.date(2024, 1, 1))

    body = api_client.get(
        "/api/v1/lists/abnormal", {"region": "4403", "since": "2025-01-01"}
    ).json()

    assert [row["org_id"] for row in body["results"]] == [shenzhen.org_id]
    row = body["results"][0]
    assert (row["list"], row["entered_on"], row["region"]) == (
        "abnormal",
        "2025-03-01",
        "440305",
    )
    assert api_client.get("/api/v1/lists/illegal").json()["count"] == 0


def test_unknown_list_is_a_404_naming_the_lists(api_client):
    body = assert_error(api_client.get("/api/v1/lists/naughty"), 404, "not_found")
    assert "abnormal" in body["detail"]


@pytest.mark.parametrize("name", ["since", "until"])
def test_a_list_date_that_is_not_a_date_is_a_400(api_client, name):
    response = api_client.get("/api/v1/lists/abnormal", {name: "yesterday"})
    assert_error(response, 400, "invalid", (name,))


# --- search --------------------------------------------------------------------------


def test_search_and_suggest_answer(api_client, settings):
    settings.ELASTICSEARCH_URL = ""
    from search.services import search_index_rebuild

    org = OrganizationFactory(name="深圳市阳光助学会")
    search_index_rebuild(chunk_size=100)

    found = api_client.get("/api/v1/search", {"q": "阳光助学"}).json()
    suggested = api_client.get("/api/v1/search/suggest", {"q": "深圳市阳"}).json()

    assert [hit["org_id"] for hit in found["results"]] == [org.org_id]
    assert [s["org_id"] for s in suggested["results"]] == [org.org_id]


def test_search_errors_have_the_error_shape(api_client):
    assert_error(api_client.get("/api/v1/search", {"sort": "luck"}), 400, "invalid")
    assert_error(
        api_client.get("/api/v1/search/suggest", {"q": "x" * 1000}), 400, "invalid"
    )


# --- the filing API and the regulator API keep their access rules ---------------------


def test_filing_api_errors_have_the_error_shape(api_client):
    unauthenticated = api_client.post("/api/v1/filings", {}, format="json")
    assert_error(unauthenticated, 401, "not_authenticated")
    bad_token = api_client.post(
        "/api/v1/filings", {}, format="json", HTTP_AUTHORIZATION="Bearer sfk_wrong"
    )
    assert_error(bad_token, 401, "authentication_failed")
    assert_error(api_client.get("/api/v1/filings/1"), 404, "not_found")


def test_filing_api_problems_keep_their_field_names():
    from django.test import Client

    from orgs.submissions import services

    cast = make_cast()
    _token, raw = services.filing_token_create(
        organization=cast.org_a, user=cast.approver_a, name="books"
    )
    response = Client().post(
        "/api/v1/filings",
        data='{"fiscal_year": 2024, "income": 5}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert_error(response, 400, "invalid", ("income",))
    no_key = Client().post(
        "/api/v1/filings",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert_error(no_key, 400, "idempotency_key_required", ("Idempotency-Key",))


def test_regulator_flags_are_a_404_to_the_public_and_a_list_to_a_regulator(client):
    assert_error(client.get("/api/v1/regulator/flags"), 404, "not_found")
    cast = make_cast()
    client.force_login(cast.regulator_a)
    body = client.get("/api/v1/regulator/flags").json()
    assert body["count"] == 0 and body["results"] == []


# --- Django's own errors under /api/ ---------------------------------------------------


def test_unknown_api_path_is_a_json_404_not_a_redirect(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/v1/orgs/"), 404, "not_found")


def test_a_crash_under_the_api_is_a_json_500(client, monkeypatch):
    from orgs import selectors

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "organization_list", crash)
    client.raise_request_exception = False
    body = assert_error(client.get("/api/v1/orgs"), 500, "server_error")
    assert "boom" not in body["detail"]


def test_a_crash_on_a_page_is_still_a_page(client, monkeypatch):
    from orgs import views

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "organization_list", crash)
    client.raise_request_exception = False
    response = client.get("/orgs/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")

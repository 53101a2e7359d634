"""Inputs that once made the API answer 500 on PostgreSQL (found while fuzzing):
each is now a 400 in the error shape. Run on both databases; the crash itself only
ever showed on PostgreSQL, which refuses a NUL in text. (Search drops control
characters instead, by design: tests/search/test_api.py.)"""

from __future__ import annotations

import pytest

from orgs.submissions import services
from tests.api.test_endpoints import assert_error
from tests.orgs.filing_setup import make_cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/orgs/%00",
        "/api/v1/orgs/CN%00/filings",
        "/api/v1/orgs/%00/credit",
        "/api/v1/orgs/%00/grants",
    ],
)
def test_a_nul_in_the_path_is_a_400(client, url):
    client.raise_request_exception = False
    assert_error(client.get(url), 400, "null_character")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/lists/abnormal?region=%00", "region"),
        ("/api/v1/orgs?q=a%00b", "q"),
        ("/api/v1/orgs?registry=%00", "registry"),
    ],
)
def test_a_nul_in_a_filter_is_a_400_naming_it(client, url, field):
    client.raise_request_exception = False
    assert_error(client.get(url), 400, "invalid", (field,))


def test_a_nul_in_a_regulator_filter_is_a_400_naming_it(client):
    cast = make_cast()
    client.force_login(cast.regulator_a)
    client.raise_request_exception = False
    for field in ("status", "kind", "org_type", "region"):
        response = client.get(f"/api/v1/regulator/flags?{field}=a%00")
        assert_error(response, 400, "invalid", (field,))


def test_a_nul_in_a_page_url_is_a_400_page(client):
    client.raise_request_exception = False
    response = client.get("/orgs/%00/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.postgres
def test_a_nul_is_refused_on_postgresql_too(client):
    client.raise_request_exception = False
    assert_error(client.get("/api/v1/orgs/%00"), 400, "null_character")
    assert_error(client.get("/api/v1/lists/abnormal?region=%00"), 400, "invalid")


def test_an_idempotency_key_with_a_control_character_is_a_400(client):
    cast = make_cast()
    _token, raw = services.filing_token_create(
        organization=cast.org_a, user=cast.approver_a, name="books"
    )
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/filings",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_IDEMPOTENCY_KEY="key\x00",
    )
    assert_error(response, 400, "invalid", ("Idempotency-Key",))

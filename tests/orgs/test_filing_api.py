"""POST /api/v1/filings and GET /api/v1/filings/<id>: tokens, idempotency, the
bad-input corpus (each answered clearly, nothing written)."""

from __future__ import annotations

import json

import pytest
from wagtail.models import Revision

from orgs.models import ApiSubmission, Filing, ReviewState
from orgs.submissions import services

from .filing_setup import make_cast

pytestmark = pytest.mark.django_db

BODY = {
    "fiscal_year": 2024,
    "currency": "CNY",
    "income": {"donations": "800000.00", "government_grants": "100000.00",
               "total": "900000.00"},
    "expenses": {"programs": "700000.00", "management": "80000.00",
                 "total": "780000.00"},
    "total_assets": "1500000.00",
    "total_liabilities": "200000.00",
    "net_assets": "1300000.00",
}  # fmt: skip


@pytest.fixture
def cast():
    return make_cast()


@pytest.fixture
def token(cast):
    _token, raw = services.filing_token_create(
        organization=cast.org_a, user=cast.approver_a, name="books"
    )
    return raw


def _post(client, token, body, key="key-1", raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        "/api/v1/filings",
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def _nothing_written():
    return (
        Filing.objects.count(),
        Revision.objects.count(),
        ApiSubmission.objects.count(),
    ) == (0, 0, 0)


def test_a_filing_is_created_submitted_and_its_state_readable(client, cast, token):
    response = _post(client, token, BODY)
    assert response.status_code == 201, response.json()
    state = response.json()
    assert state["state"] == ReviewState.SUBMITTED
    assert state["org_id"] == cast.org_a.org_id and state["version"] == 1
    assert not state["published"]
    read = client.get(
        f"/api/v1/filings/{state['id']}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert read.status_code == 200 and read.json()["id"] == state["id"]


def test_a_retry_with_the_same_key_never_files_twice(client, token):
    first = _post(client, token, BODY)
    again = _post(client, token, BODY)
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Filing.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(client, token):
    _post(client, token, BODY)
    response = _post(client, token, {**BODY, "net_assets": "1300000.50"})
    assert response.status_code == 409
    assert "different body" in response.json()["detail"]
    assert Filing.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"fiscal_year": 2024.5}, "fiscal_year", "whole number"),
        ({"fiscal_year": 2026}, "fiscal_year", "has not ended"),
        ({"fiscal_year": 2010}, "fiscal_year", "before the organization"),
        ({"currency": None}, "currency", "is required"),
        ({"income": {**BODY["income"], "total": "1.00"}}, "income.total",
         "not the sum"),
        ({"net_assets": "5.00"}, "net_assets", "should equal total assets"),
        ({"total_assets": "-1"}, "total_assets", ""),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"version": 3}, "version", "unknown field"),
        ({"income": [1, 2]}, "income", "must be an object"),
    ],
)  # fmt: skip
def test_bad_filings_are_refused_and_write_nothing(
    client, token, change, field, message
):
    response = _post(client, token, {**BODY, **change})
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert any(p["field"] == field and message in p["message"] for p in problems), (
        problems
    )
    assert _nothing_written()


@pytest.mark.parametrize(
    ("raw", "status", "detail"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "invalid filing"),
        (b'{"fiscal_year": 2024,' + b" " * 300_000 + b"}", 413, "over"),
    ],
)
def test_malformed_bodies_are_refused(client, token, raw, status, detail):
    response = _post(client, token, None, raw=raw)
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert _nothing_written()


def test_no_or_bad_token_and_missing_key_are_refused(client, token):
    assert _post(client, None, BODY).status_code in (401, 403)
    assert _post(client, "sfk_wrong", BODY).status_code == 401
    response = _post(client, token, BODY, key=None)
    assert (
        response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    )
    assert _nothing_written()


def test_a_revoked_token_no_longer_files(client, cast, token):
    stored = cast.org_a.filing_tokens.get()
    services.filing_token_revoke(token=stored, user=cast.approver_a)
    assert _post(client, token, BODY).status_code == 401


def test_a_second_filing_for_a_year_in_review_is_refused(client, token):
    _post(client, token, BODY, key="a")
    response = _post(client, token, {**BODY, "net_assets": "1300000.00"}, key="b")
    assert response.status_code == 400
    assert "already in progress" in json.dumps(response.json())
    assert Filing.objects.count() == 1


def test_another_organizations_token_cannot_read_the_filing(client, cast, token):
    created = _post(client, token, BODY).json()
    _other, raw_b = services.filing_token_create(
        organization=cast.org_b, user=cast.approver_b, name="b"
    )
    response = client.get(
        f"/api/v1/filings/{created['id']}", HTTP_AUTHORIZATION=f"Bearer {raw_b}"
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/filings/{created['id']}").status_code == 404


def test_filings_are_throttled_per_token_not_per_address(
    client, cast, token, monkeypatch
):
    from orgs.submissions.api import FilingTokenThrottle

    monkeypatch.setattr(FilingTokenThrottle, "THROTTLE_RATES", {"filing": "2/minute"})
    _other, token_b = services.filing_token_create(
        organization=cast.org_b, user=cast.approver_b, name="b"
    )
    statuses = [_post(client, token, BODY, key=f"k{i}").status_code for i in range(3)]
    assert statuses[2] == 429  # the third call of one token within the minute
    # Another organization's software behind the same address is not held back.
    assert _post(client, token_b, BODY, key="b1").status_code in (201, 400)

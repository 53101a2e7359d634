"""Schema-driven fuzzing of the public API (schemathesis against our own OpenAPI
schema, in-process through Django's WSGI handler): for every operation, generated
valid and invalid requests never get a server error, and every error answer has the
API's one error shape.

Each operation gets its own test and a bounded number of examples (twice
``FUZZ_EXAMPLES``, default 25, valid and invalid ones mixed), so the whole run takes
about two minutes. Requests go out as generated and again with the path naming
something that exists (an organization with filings, a score and a grant; a filing of its own), so
the code behind a found record is fuzzed too, not only the 404 path.
"""

from __future__ import annotations

import collections
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from credit.services import organization_rescore
from orgs.models import Grant
from orgs.submissions import services as filing_services
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory
from tests.orgs.filing_setup import make_cast

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SCHEMA_PATH = "/api/v1/schema?format=json"


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) the schema documents, read at collection time, so an
    endpoint added later is fuzzed without editing this file."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    )


OPERATIONS = _operations()


def has_the_error_shape(ctx, response, case):
    """Every 4xx/5xx answer is JSON with status, code, detail and problems."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert set(body) == {"status", "code", "detail", "problems"}, body
    assert body["status"] == response.status_code, body
    assert isinstance(body["problems"], list), body
    return None


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes old database connections when a request starts and finishes;
    its test client stops that for the length of a request, so the test's
    transaction survives. Requests here go through the plain WSGI handler, so the
    same is done for the length of the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(_keep_the_test_connection):
    """The schema as the app serves it (read again per test: a module-wide copy
    would be fetched before the connection is kept, whichever test runs first)."""
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, WSGIHandler())


@pytest.fixture
def existing():
    """Path values that name real records, and a filing token for POST /filings."""
    cast = make_cast()
    org = cast.org_a
    FilingFactory(organization=org, fiscal_year=2023)
    FilingFactory(organization=org, fiscal_year=2024)
    RegulatoryEventFactory(organization=org)
    organization_rescore(organization=org)
    funder = OrganizationFactory()
    Grant.objects.create(
        identifier="360G-fuzz-1",
        title="Fuzz grant",
        amount="1000.00",
        currency="GBP",
        award_date="2024-01-01",
        recipient=org,
        recipient_org_id=org.org_id,
        funder=funder,
        funder_org_id=funder.org_id,
    )
    _token, raw = filing_services.filing_token_create(
        organization=org, user=cast.approver_a, name="fuzz"
    )
    filing = FilingFactory(organization=org, fiscal_year=2022)
    regulator = Client()
    regulator.force_login(cast.regulator_a)
    return {
        "path": {"org_id": org.org_id, "id": filing.pk, "listing": "abnormal"},
        "filing_token": {"Authorization": f"Bearer {raw}"},
        "regulator_session": {"sessionid": regulator.cookies["sessionid"].value},
    }


def test_every_documented_operation_is_fuzzed(api_schema):
    loaded = sorted(
        (method.upper(), path)
        for path, operations in api_schema.raw_schema["paths"].items()
        for method in operations
    )
    assert loaded == OPERATIONS
    assert len(OPERATIONS) >= 10


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_never_answers_a_server_error(api_schema, existing, method, path):
    operation = api_schema[path][method]
    # The filing API acts for the token's organization, the regulator API for a
    # regulator: fuzzed as them, past the 401/404 that strangers get.
    headers = existing["filing_token"] if path.startswith("/api/v1/filings") else None
    cookies = (
        existing["regulator_session"] if path.startswith("/api/v1/regulator/") else None
    )
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE
    ) | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    checks = [not_a_server_error, has_the_error_shape]
    seen = []

    @settings(
        max_examples=EXAMPLES * 2,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case):
        response = case.call(headers=headers, cookies=cookies)
        case.validate_response(response, checks=checks)
        seen.append(response.status_code)
        known = {
            name: value
            for name, value in existing["path"].items()
            if name in (case.path_parameters or {})
        }
        if known:
            case.path_parameters = {**case.path_parameters, **known}
            response = case.call(headers=headers, cookies=cookies)
            case.validate_response(response, checks=checks)
            seen.append(response.status_code)

    fuzz()
    print(method, path, dict(collections.Counter(seen)))  # noqa: T201 (shown with -s)
    assert seen, f"no request was made to {method} {path}"

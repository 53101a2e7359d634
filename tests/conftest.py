"""Shared fixtures and the rules for tests that need a real service.

A test marked ``postgres`` runs only against PostgreSQL. Outside CI it is skipped on
another database; under CI=true it fails instead, so a missing service cannot hide.
"""

import os

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _require_services(request):
    if (
        request.node.get_closest_marker("postgres")
        and connection.vendor != "postgresql"
    ):
        message = (
            "needs PostgreSQL: run with DATABASE_URL pointing at one (make test does)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()

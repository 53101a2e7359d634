"""Shared fixtures and the rules for tests that need a real service.

A test marked ``postgres`` runs only against PostgreSQL, one marked ``elasticsearch``
only with a reachable Elasticsearch (``ELASTICSEARCH_TEST_URL``, else
``ELASTICSEARCH_URL``; ``scripts/elasticsearch start`` prints one). Outside CI such a
test is skipped when its service is missing; under CI=true it fails instead, so a
missing service cannot hide.
"""

import functools
import itertools
import json
import os
import urllib.request
import uuid

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"
ELASTICSEARCH_TEST_URL = os.environ.get("ELASTICSEARCH_TEST_URL") or os.environ.get(
    "ELASTICSEARCH_URL", ""
)
# Index names of this test session: workers of pytest-xdist and parallel runs of the
# suite never share an index.
_SESSION = uuid.uuid4().hex[:8]
_index_numbers = itertools.count()


@functools.cache
def elasticsearch_problem() -> str | None:
    """Why the test Elasticsearch cannot be used, or None when it answers."""
    if not ELASTICSEARCH_TEST_URL:
        return "ELASTICSEARCH_URL is not set"
    try:
        with urllib.request.urlopen(  # noqa: S310 (a URL the developer configured)
            f"{ELASTICSEARCH_TEST_URL.rstrip('/')}/_cluster/health", timeout=5
        ) as response:
            status = json.load(response).get("status")
    except (OSError, ValueError) as error:
        return f"{ELASTICSEARCH_TEST_URL} does not answer: {error}"
    if status not in {"green", "yellow"}:
        return f"{ELASTICSEARCH_TEST_URL} is {status}"
    return None


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
    if request.node.get_closest_marker("elasticsearch") and elasticsearch_problem():
        message = (
            f"needs Elasticsearch ({elasticsearch_problem()}): run with "
            "ELASTICSEARCH_URL=$(scripts/elasticsearch start)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def elasticsearch_settings(settings, worker_id):
    """Point search at the test Elasticsearch with an index prefix of this test alone;
    its indices are deleted afterwards."""
    settings.ELASTICSEARCH_URL = ELASTICSEARCH_TEST_URL
    settings.SEARCH_INDEX_PREFIX = (
        f"test-{_SESSION}-{worker_id}-{next(_index_numbers)}".lower()
    )
    yield settings
    from search.backends import get_backend

    get_backend().delete_all()


@pytest.fixture(
    params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]
)
def search_backend(request, settings):
    """Each backend in turn, configured the way settings choose it; shared search
    cases take this fixture to run against both."""
    from search.backends import get_backend

    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch_settings")
    else:
        settings.ELASTICSEARCH_URL = ""
    backend = get_backend()
    assert backend.name == request.param
    return backend


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached counts, rate-limit counters)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()

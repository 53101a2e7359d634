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
import shutil
import socket
import subprocess
import tempfile
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


class PrivateElasticsearch:
    """A second Elasticsearch node of this test's own (``scripts/elasticsearch`` with
    ``--port --data --name``), which a test may really stop and start. The shared test
    node is never touched."""

    SCRIPT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts")

    def __init__(self) -> None:
        self.data = tempfile.mkdtemp(prefix="sunshine-es-private-")
        self.port, transport_port = _free_ports(2)
        self.url = f"http://127.0.0.1:{self.port}"
        self.options = [
            "--port", str(self.port), "--data", self.data,
            "--name", f"private-{_SESSION}-{self.port}",
        ]  # fmt: skip
        self.env = {**os.environ, "SUNSHINE_ES_TRANSPORT_PORT": str(transport_port)}

    def _run(self, command: str, timeout: float) -> str:
        done = subprocess.run(  # noqa: S603 (the project's own script)
            [os.path.join(self.SCRIPT, "elasticsearch"), command, *self.options],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"scripts/elasticsearch {command} failed: {done.stderr[-2000:]}"
            )
        return done.stdout.strip()

    def start(self) -> None:
        url = self._run("start", timeout=400)
        if url != self.url:
            raise RuntimeError(f"started at {url!r}, expected {self.url}")

    def stop(self) -> None:
        self._run("stop", timeout=120)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                return True
        except OSError:
            return False


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="session")
def _private_elasticsearch_node():
    node = PrivateElasticsearch()
    yield node
    node.stop()
    shutil.rmtree(node.data, ignore_errors=True)


@pytest.fixture
def private_elasticsearch(_private_elasticsearch_node):
    """A running private Elasticsearch node (one per test session, started on first
    use, again if a test left it stopped; deleted at the end). When it cannot start:
    skipped, or failed under CI=true."""
    node = _private_elasticsearch_node
    if not node.answers():
        try:
            node.start()
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            message = f"cannot start a private Elasticsearch node: {error}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    return node

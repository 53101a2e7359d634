"""Shared fixtures and the rules for tests that need a real service.

A test marked ``postgres`` runs only against PostgreSQL, one marked ``elasticsearch``
only with a reachable Elasticsearch (``ELASTICSEARCH_TEST_URL``, else
``ELASTICSEARCH_URL``; ``scripts/elasticsearch start`` prints one), one marked
``browser`` only with Playwright and a Chromium (``CHROMIUM_PATH``, else
``scripts/chromium path``, which installs Debian's). Outside CI such a test is skipped
when its service is missing; under CI=true it fails instead, so a missing service
cannot hide.
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
from pathlib import Path

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
ROOT = Path(__file__).resolve().parent.parent


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


@functools.cache
def chromium() -> tuple[str, str | None]:
    """The Chromium executable for browser tests and why it cannot be used (None when
    it can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "",
            "the playwright package is missing (pip install -r requirements-dev.txt)",
        )
    executable = os.environ.get("CHROMIUM_PATH", "")
    if not executable:
        found = subprocess.run(  # noqa: S603 (the project's own script)
            [ROOT / "scripts" / "chromium", "path"],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.returncode != 0:
            return "", f"scripts/chromium path failed: {found.stderr.strip()}"
        executable = found.stdout.strip()
    if not os.access(executable, os.X_OK):
        return "", f"{executable!r} is not an executable (CHROMIUM_PATH?)"
    return executable, None


def _missing(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _require_services(request):
    if (
        request.node.get_closest_marker("postgres")
        and connection.vendor != "postgresql"
    ):
        message = (
            "needs PostgreSQL: run with DATABASE_URL pointing at one (make test does)"
        )
        _missing(message)
    if request.node.get_closest_marker("elasticsearch") and elasticsearch_problem():
        _missing(
            f"needs Elasticsearch ({elasticsearch_problem()}): run with "
            "ELASTICSEARCH_URL=$(scripts/elasticsearch start)"
        )
    if request.node.get_closest_marker("browser") and chromium()[1]:
        _missing(f"needs a browser: {chromium()[1]}")


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so the ``page`` fixture can tell a
    failed test and leave a screenshot of where it stopped."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, not Playwright's download) for one test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it is
    started, and Django takes that for async code: its async-safety check refuses
    every ORM call of the tests (DJANGO_ALLOW_ASYNC_UNSAFE turns it off for exactly as
    long as Playwright runs), and ``connections`` hands out new connection objects,
    without the test database's serialized contents that serialized rollback restores
    from (the thread's connections are put back in place). Started per module, not
    per session, so neither the running loop nor the variable reaches the tests that
    run after the browser tests (``check --deploy`` in a subprocess warns about the
    variable); a launch takes about a second.
    """
    executable, problem = chromium()
    if problem:
        _missing(f"needs a browser: {problem}")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, thread_connection in thread_connections.items():
        connections[alias] = thread_connection
    try:
        chromium_browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            # Containers often give /dev/shm only 64 MB, too little for Chromium.
            args=["--disable-dev-shm-usage"],
        )
        yield chromium_browser
        chromium_browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(request, browser, live_server, django_db_serialized_rollback):
    """A fresh browser tab on the live server, in English; relative URLs go there.

    The live server needs committed data, so these tests run in transactions that are
    flushed afterwards; serialized rollback restores what migrations created (the home
    page, the Wagtail site) for the next test. Requests to any other host are refused,
    so a test never depends on the network. A failed test leaves a screenshot named
    after it. Other browser-context options come through indirect parametrization:
    ``@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)``.
    """
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
        **getattr(request, "param", {}),
    )
    context.set_default_timeout(10_000)
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.abort("blockedbyclient"),
    )
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        from tests.browser import screenshot

        screenshot(tab, f"FAILED-{request.node.name}")
    context.close()


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

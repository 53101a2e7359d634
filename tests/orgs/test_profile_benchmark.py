"""benchmark_profile: it really requests profiles, counts their queries and weighs
the page with its stylesheet; it refuses an empty registry with a clear message."""

import io

import pytest
from django.core.management import CommandError, call_command

from orgs.profile_benchmark import linked_assets, profile_benchmark
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_small_run_times_counts_and_weighs_profiles():
    for _ in range(3):
        FilingFactory(organization=OrganizationFactory(), fiscal_year=2024)
    result = profile_benchmark(requests=5, seed=2)
    assert len(result.latencies_ms) == 5 and all(t > 0 for t in result.latencies_ms)
    assert min(result.queries) >= 5 and max(result.queries) <= 11
    assert "portal/site.css" in result.assets and result.assets["portal/site.css"] > 0
    assert result.heaviest_page_bytes == max(result.html_bytes) + result.asset_bytes


def test_command_reports_percentiles_queries_and_weight():
    OrganizationFactory()
    out = io.StringIO()
    call_command("benchmark_profile", requests=3, stdout=out)
    report = out.getvalue()
    assert "3 random profiles" in report or "随机 3 个组织页面" in report
    assert "p95" in report and "site.css" in report


def test_empty_registry_is_refused():
    with pytest.raises(CommandError, match="empty|为空"):
        call_command("benchmark_profile", requests=3, stdout=io.StringIO())


def test_only_static_files_count_as_linked_assets():
    html = (
        '<link rel="stylesheet" href="/static/portal/site.css">'
        '<a href="/orgs/x.css">not static</a><script src="https://cdn.example/x.js">'
    )
    assert list(linked_assets(html)) == ["portal/site.css"]

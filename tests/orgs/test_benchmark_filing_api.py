"""benchmark_filing_api: its requests really succeed (valid) and really fail
validation (invalid), and the run leaves nothing behind."""

import io

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import ModelLogEntry, Revision, WorkflowState

from orgs.models import ApiSubmission, Filing, FilingToken, Organization
from portal.models import User

pytestmark = pytest.mark.django_db


def rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Organization, Filing, FilingToken, ApiSubmission, Revision,
                      WorkflowState, ModelLogEntry, User)
    )  # fmt: skip


def test_small_run_reports_both_kinds_and_removes_what_it_made():
    before = rows()
    out = io.StringIO()
    call_command("benchmark_filing_api", orgs=4, requests=3, stdout=out)
    report = out.getvalue()
    assert "valid (saved and submitted): 3 requests" in report
    assert "statuses {201: 3}" in report
    assert "invalid (refused by validation): 3 requests" in report
    assert "statuses {400: 3}" in report
    assert rows() == before


def test_kept_run_leaves_submitted_filings():
    call_command(
        "benchmark_filing_api", orgs=2, requests=2, keep=True, stdout=io.StringIO()
    )
    # Two timed filings and the one whose queries were counted.
    assert Filing.objects.filter(review_state="submitted").count() == 3
    assert FilingToken.objects.count() == 3


def test_dry_run_writes_nothing():
    before = rows()
    out = io.StringIO()
    call_command("benchmark_filing_api", orgs=5, requests=5, dry_run=True, stdout=out)
    assert "dry run: would create 5 organizations" in out.getvalue()
    assert rows() == before


def test_more_requests_than_organizations_is_refused():
    with pytest.raises(CommandError, match="--requests between 1 and --orgs"):
        call_command("benchmark_filing_api", orgs=2, requests=3)

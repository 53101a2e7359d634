"""The filing lifecycle end to end through the web form, the services and Wagtail's
workflow views: draft → submitted → under review → returned → resubmitted →
accepted and public; amendments; the audit log and the emails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from orgs.models import Filing, ReviewState
from orgs.submissions import services
from orgs.submissions.validation import validate_filing

from .filing_setup import GOOD_FILING, PASSWORD, make_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return make_cast()


def _signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _draft_by_form(client, cast, values=GOOD_FILING) -> Filing:
    url = reverse("account:filing-new", args=[cast.org_a.org_id])
    response = client.post(url, {"step": "facts", **values})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Filing.objects.get(organization=cast.org_a, fiscal_year=2024)


def _workflow_action(client, filing, action, **data):
    task_state = filing.current_workflow_task_state
    url = reverse(
        "wagtailsnippets_orgs_filing:workflow_action",
        args=[filing.pk, action, task_state.pk],
    )
    return client.post(url, data)


def test_full_lifecycle_from_draft_to_public(
    client, cast, django_capture_on_commit_callbacks
):
    _signed_in(client, cast.preparer_a)
    filing = _draft_by_form(client, cast)
    assert filing.review_state == ReviewState.DRAFT
    assert not filing.live
    # A preparer drafts but cannot submit.
    client.post(reverse("account:filing-submit", args=[filing.pk]))
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.DRAFT
    # Drafts are never public.
    profile = client.get(cast.org_a.get_absolute_url()).content.decode()
    assert "1,300,000" not in profile and "1300000" not in profile

    _signed_in(client, cast.approver_a)
    response = client.post(
        reverse("account:filing-submit", args=[filing.pk]), follow=True
    )
    assert "Submitted to the regulator." in response.content.decode()
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.SUBMITTED
    assert filing.submitted_on is not None
    assert filing.current_workflow_state is not None

    # The regulator of the region starts the review and returns it with reasons.
    _signed_in(client, cast.regulator_a)
    response = _workflow_action(client, filing, "claim")
    assert response.status_code in (200, 302)
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.UNDER_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        response = _workflow_action(
            client, filing, "reject", comment="Attach the audit report."
        )
    assert response.status_code in (200, 302)
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.RETURNED
    assert not filing.live
    assert any("Attach the audit report." in m.body for m in mail.outbox)
    assert {"approver_a@example.org", "preparer_a@example.org"} <= {
        r for m in mail.outbox for r in m.to
    }

    # The organization reads the reasons, fixes the filing and resubmits.
    _signed_in(client, cast.approver_a)
    page = client.get(reverse("account:filing", args=[filing.pk])).content.decode()
    assert "Attach the audit report." in page
    fixed = {**GOOD_FILING, "audit_opinion": "unqualified"}
    response = client.post(
        reverse("account:filing-edit", args=[filing.pk]) + "?step=balance",
        {"step": "balance", **fixed},
    )
    assert response.status_code == 302
    client.post(reverse("account:filing-submit", args=[filing.pk]))
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.SUBMITTED

    _signed_in(client, cast.regulator_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _workflow_action(client, filing, "approve")
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.ACCEPTED
    assert filing.live
    assert filing.audit_opinion == "unqualified"
    assert any("accepted" in m.subject for m in mail.outbox)

    client.logout()
    profile = client.get(cast.org_a.get_absolute_url()).content.decode()
    assert "1,300,000" in profile or "1300000" in profile

    actions = set(
        ModelLogEntry.objects.filter(object_id=str(filing.pk)).values_list(
            "action", flat=True
        )
    )
    assert {
        "wagtail.workflow.start",
        "sunshine.filing.review_start",
        "wagtail.workflow.reject",
        "wagtail.workflow.resume",
        "wagtail.workflow.approve",
        "wagtail.publish",
    } <= actions


def test_regulator_outside_the_jurisdiction_has_no_actions(client, cast):
    filing = services.filing_draft_save(
        organization=cast.org_a,
        user=cast.approver_a,
        checked=validate_filing(
            GOOD_FILING, organization=cast.org_a, today=dt.date(2025, 6, 1)
        ),
    )
    services.filing_submit(filing=filing, user=cast.approver_a)
    task = filing.current_workflow_task.specific
    assert task.get_actions(filing, cast.regulator_elsewhere) == []
    assert task.get_actions(filing, cast.regulator_a)
    _signed_in(client, cast.regulator_elsewhere)
    response = _workflow_action(client, filing, "approve")
    assert response.status_code in (302, 403, 404)  # Wagtail redirects refusals
    filing.refresh_from_db()
    assert filing.review_state == ReviewState.SUBMITTED and not filing.live
    assert not task.get_task_states_user_can_moderate(cast.regulator_elsewhere).exists()
    assert task.get_task_states_user_can_moderate(cast.regulator_a).exists()


def _accept(filing, regulator):
    services.filing_submit(filing=filing, user=None)
    filing.refresh_from_db()
    task_state = filing.current_workflow_task_state
    task_state.task.specific.on_action(task_state, regulator, "approve")
    filing.refresh_from_db()
    return filing


def test_an_amendment_is_a_new_version_that_supersedes_on_acceptance(cast):
    today = dt.date(2025, 6, 1)
    checked = validate_filing(GOOD_FILING, organization=cast.org_a, today=today)
    first = _accept(
        services.filing_draft_save(
            organization=cast.org_a, user=cast.approver_a, checked=checked
        ),
        cast.regulator_a,
    )
    assert first.live and first.version == 1
    amended = {**GOOD_FILING, "employees": "12"}
    checked = validate_filing(amended, organization=cast.org_a, today=today)
    assert checked.ok, checked.problems
    second = services.filing_draft_save(
        organization=cast.org_a, user=cast.approver_a, checked=checked
    )
    assert second.version == 2 and not second.live
    first.refresh_from_db()
    assert not first.superseded  # still the public one while the amendment is reviewed
    second = _accept(second, cast.regulator_a)
    first.refresh_from_db()
    assert second.live and first.superseded and first.live
    assert Filing.objects.current().get(organization=cast.org_a).pk == second.pk


def test_late_submission_is_allowed_and_recorded(cast):
    checked = validate_filing(
        GOOD_FILING, organization=cast.org_a, today=dt.date(2025, 8, 1)
    )
    filing = services.filing_draft_save(
        organization=cast.org_a, user=cast.approver_a, checked=checked
    )
    assert filing.due_on == dt.date(2025, 5, 31)
    services.filing_submit(
        filing=filing, user=cast.approver_a, today=dt.date(2025, 8, 1)
    )
    filing.refresh_from_db()
    assert filing.is_late


def test_a_second_draft_for_the_same_year_is_refused(client, cast):
    _signed_in(client, cast.approver_a)
    _draft_by_form(client, cast)
    response = client.post(
        reverse("account:filing-new", args=[cast.org_a.org_id]),
        {"step": "facts", **GOOD_FILING},
    )
    assert response.status_code == 200
    assert "already in progress" in response.content.decode()
    assert Filing.objects.filter(organization=cast.org_a).count() == 1


def test_the_form_shows_field_errors_and_keeps_the_values(client, cast):
    _signed_in(client, cast.approver_a)
    response = client.post(
        reverse("account:filing-new", args=[cast.org_a.org_id]),
        {"step": "income", **GOOD_FILING, "income_total": "999", "income_other": "x1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not the sum of its parts" in page
    assert 'value="x1"' in page
    assert not Filing.objects.exists()


def test_dashboard_shows_what_is_due_and_overdue(client, cast):
    _signed_in(client, cast.approver_a)
    page = client.get(reverse("account:dashboard")).content.decode()
    assert cast.org_a.name in page and cast.org_b.name not in page
    assert "Start a new filing" in page


def test_a_filing_is_never_deleted_in_the_admin(client, cast):
    filing = services.filing_draft_save(
        organization=cast.org_a,
        user=cast.approver_a,
        checked=validate_filing(
            GOOD_FILING, organization=cast.org_a, today=dt.date(2025, 6, 1)
        ),
    )
    _signed_in(client, cast.superuser)
    url = reverse("wagtailsnippets_orgs_filing:delete", args=[filing.pk])
    response = client.post(url)
    assert response.status_code in (302, 403)
    assert Filing.objects.filter(pk=filing.pk).exists()

"""send_filing_reminders: each reminder once, at its threshold, only to whom it concerns.

The organizations here are Chinese (annual report for year Y due 31 May of Y+1) and
registered in 2024, so the only report they owe in 2025 is the one for 2024.
"""

import datetime as dt
import io
import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import (
    FilingReminder,
    MemberRole,
    Membership,
    Registry,
    ReminderKind,
    ReviewState,
    Status,
)
from orgs.submissions.reminders import (
    ReminderSummary,
    _send_one,
    reminders_due,
    reminders_send,
)
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

DUE = dt.date(2025, 5, 31)
_users = iter(range(1, 10_000))


def member(organization, *, email=None, role=MemberRole.PREPARER, active=True):
    n = next(_users)
    user = get_user_model().objects.create_user(
        f"user{n}",
        f"user{n}@example.org" if email is None else email,
        "x",
        is_active=active,
    )
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def organization():
    org = OrganizationFactory(
        registered_on=dt.date(2024, 2, 1), name="深圳市阳光助学会"
    )
    member(org)
    return org


def run(day: dt.date, *options: str) -> str:
    out = io.StringIO()
    call_command(
        "send_filing_reminders", f"--today={day.isoformat()}", *options, stdout=out
    )
    return out.getvalue()


def sent_kinds() -> list[str]:
    return [message.subject.split(":")[0] for message in mail.outbox]


def test_each_threshold_fires_once_over_consecutive_daily_runs(organization):
    """Daily runs, each twice, from 40 days before the due date to 10 days after."""
    day = DUE - dt.timedelta(days=40)
    sent_on = []
    while day <= DUE + dt.timedelta(days=10):
        before = len(mail.outbox)
        run(day)
        run(day)
        sent_on += [(day, m.subject) for m in mail.outbox[before:]]
        day += dt.timedelta(days=1)
    assert sent_on == [
        (
            dt.date(2025, 5, 1),
            "Due in 30 days: the 2024 annual report of 深圳市阳光助学会",
        ),
        (
            dt.date(2025, 5, 24),
            "Due in 7 days: the 2024 annual report of 深圳市阳光助学会",
        ),
        (
            dt.date(2025, 5, 30),
            "Due in 1 day: the 2024 annual report of 深圳市阳光助学会",
        ),
        (dt.date(2025, 6, 1), "Overdue: the 2024 annual report of 深圳市阳光助学会"),
    ]
    assert sorted(
        FilingReminder.objects.filter(organization=organization).values_list(
            "fiscal_year", "kind", "recipients"
        )
    ) == sorted(
        [
            (2024, ReminderKind.DAYS_30, 1),
            (2024, ReminderKind.DAYS_7, 1),
            (2024, ReminderKind.DAYS_1, 1),
            (2024, ReminderKind.OVERDUE, 1),
        ]
    )


def test_a_missed_day_is_caught_up_but_a_passed_window_is_not_sent_late(
    organization,
):
    run(dt.date(2025, 5, 3))  # 28 days left: the 30-day reminder is still due
    assert sent_kinds() == ["Due in 28 days"]
    mail.outbox.clear()
    run(dt.date(2025, 5, 27))  # 4 days left: the 7-day one, nothing else
    assert sent_kinds() == ["Due in 4 days"]
    assert set(FilingReminder.objects.values_list("kind", flat=True)) == {
        ReminderKind.DAYS_30,
        ReminderKind.DAYS_7,
    }


def test_first_run_inside_the_7_day_window_skips_the_30_day_reminder(organization):
    run(dt.date(2025, 5, 26))
    assert sent_kinds() == ["Due in 5 days"]
    assert list(FilingReminder.objects.values_list("kind", flat=True)) == [
        ReminderKind.DAYS_7
    ]


def test_due_today_is_the_1_day_reminder(organization):
    run(DUE)
    assert [m.subject for m in mail.outbox] == [
        "Due today: the 2024 annual report of 深圳市阳光助学会"
    ]


def test_email_names_organization_year_due_date_days_left_and_the_account_link(
    organization, settings
):
    settings.WAGTAILADMIN_BASE_URL = "https://sunshine.example.org/"
    second = member(organization, role=MemberRole.APPROVER)
    run(dt.date(2025, 5, 24))
    [message] = mail.outbox
    assert sorted(message.to) == sorted(
        [organization.memberships.first().user.email, second.email]
    )
    assert message.body == (
        "The annual report of 深圳市阳光助学会 for 2024 is due on 2025-05-31, in 7 "
        "days.\n\nPrepare it and have an approver of the organization submit it from "
        "your account page: https://sunshine.example.org/account/"
    )


def test_overdue_email_says_how_late(organization):
    run(dt.date(2025, 6, 3))
    [message] = mail.outbox
    assert message.body == (
        "The annual report of 深圳市阳光助学会 for 2024 was due on 2025-05-31 and has "
        "not been submitted; it is 3 days late.\n\nSubmit it as soon as possible from "
        "your account page: http://127.0.0.1:8000/account/\nA late report is still "
        "accepted, and recorded as late."
    )


def test_overdue_fires_once(organization):
    for day in (dt.date(2025, 6, 1), dt.date(2025, 6, 1), dt.date(2025, 9, 1)):
        run(day)
    assert sent_kinds() == ["Overdue"]


@pytest.mark.parametrize(
    "state", [ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW, ReviewState.ACCEPTED]
)
def test_a_submitted_filing_stops_reminders(organization, state):
    FilingFactory(organization=organization, fiscal_year=2024, review_state=state)
    for day in (dt.date(2025, 5, 1), dt.date(2025, 5, 24), dt.date(2025, 6, 2)):
        run(day)
    assert mail.outbox == []
    assert not FilingReminder.objects.exists()


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.RETURNED])
def test_a_draft_or_returned_filing_is_still_reminded(organization, state):
    FilingFactory(
        organization=organization, fiscal_year=2024, review_state=state, live=False
    )
    run(dt.date(2025, 5, 24))
    assert sent_kinds() == ["Due in 7 days"]


def test_submission_between_reminders_stops_the_later_ones(organization):
    run(dt.date(2025, 5, 1))
    FilingFactory(
        organization=organization,
        fiscal_year=2024,
        review_state=ReviewState.SUBMITTED,
    )
    run(dt.date(2025, 5, 24))
    run(dt.date(2025, 6, 2))
    assert sent_kinds() == ["Due in 30 days"]


def test_organizations_without_reachable_members_are_skipped():
    OrganizationFactory(registered_on=dt.date(2024, 2, 1))  # no members
    without_email = OrganizationFactory(registered_on=dt.date(2024, 2, 1))
    member(without_email, email="")
    inactive_user = OrganizationFactory(registered_on=dt.date(2024, 2, 1))
    member(inactive_user, active=False)
    run(dt.date(2025, 5, 1))
    assert mail.outbox == []
    assert not FilingReminder.objects.exists()


def test_inactive_organizations_and_years_before_registration_are_skipped():
    deregistered = OrganizationFactory(
        registered_on=dt.date(2020, 1, 1), status=Status.DEREGISTERED
    )
    member(deregistered)
    registered_2025 = OrganizationFactory(registered_on=dt.date(2025, 1, 10))
    member(registered_2025)
    run(dt.date(2025, 5, 1))
    run(dt.date(2025, 6, 2))
    assert mail.outbox == []


def test_registry_without_a_due_date_rule_is_skipped():
    ccni = OrganizationFactory(
        registry=Registry.GB_CCNI,
        identifier="100001",
        org_id="GB-CHC-NI-100001",
        registered_on=dt.date(2024, 2, 1),
    )
    member(ccni)
    run(dt.date(2025, 5, 1))
    assert mail.outbox == []


def test_us_organizations_follow_the_irs_due_date():
    charity = OrganizationFactory(
        registry=Registry.US_IRS,
        identifier="123456789",
        org_id="US-EIN-123456789",
        registered_on=dt.date(2024, 2, 1),
        name="Sunrise Food Bank",
    )
    member(charity)
    run(dt.date(2025, 5, 8))  # Form 990 for 2024 is due on 15 May 2025
    assert [m.subject for m in mail.outbox] == [
        "Due in 7 days: the 2024 annual report of Sunrise Food Bank"
    ]


def test_us_returns_are_overdue_only_after_the_automatic_extension():
    charity = OrganizationFactory(
        registry=Registry.US_IRS,
        identifier="123456789",
        org_id="US-EIN-123456789",
        registered_on=dt.date(2023, 2, 1),
        name="Sunrise Food Bank",
    )
    member(charity)
    # Due 15 May 2025 by statute, on time until 15 November with Form 8868: the
    # 2023 return is overdue by now, the 2024 one is not yet.
    run(dt.date(2025, 5, 20))
    assert [m.subject for m in mail.outbox if "2024" in m.subject] == []
    run(dt.date(2025, 11, 16))
    assert any(
        "2024" in m.subject and "Sunrise Food Bank" in m.subject for m in mail.outbox
    )
    assert FilingReminder.objects.filter(
        organization=charity, fiscal_year=2024, kind="overdue"
    ).exists()


def test_dry_run_sends_and_records_nothing_but_lists_what_is_due(organization):
    output = run(dt.date(2025, 5, 1), "--dry-run")
    assert mail.outbox == []
    assert not FilingReminder.objects.exists()
    assert "30d  深圳市阳光助学会  2024  due 2025-05-31  → 1 recipient(s)" in output
    assert (
        "Dry run as of 2025-05-01: 1 reminders due (30d: 1, 7d: 0, 1d: 0, overdue: 0)"
        in output
    )
    run(dt.date(2025, 5, 1))
    assert sent_kinds() == ["Due in 30 days"]


def test_summary_counts_what_was_sent(organization):
    other = OrganizationFactory(registered_on=dt.date(2023, 1, 1))
    member(other)
    member(other)
    output = run(dt.date(2025, 5, 1))
    # The 2023 organization also owes the 2023 report, overdue since 31 May 2024.
    assert (
        "As of 2025-05-01: 3 reminders sent to 5 addresses (30d: 2, 7d: 0, 1d: 0, "
        "overdue: 1)."
    ) in output


class RefusingBackend(EmailBackend):
    """A mail server that refuses everything, as when SMTP is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


def test_a_reminder_that_could_not_be_sent_is_not_recorded_and_is_retried(
    organization, settings
):
    settings.EMAIL_BACKEND = "tests.orgs.test_reminders.RefusingBackend"
    with pytest.raises(CommandError, match="1 reminder"):
        run(dt.date(2025, 5, 1))
    assert not FilingReminder.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run(dt.date(2025, 5, 2))
    assert sent_kinds() == ["Due in 29 days"]
    assert FilingReminder.objects.count() == 1


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")


def test_an_unreachable_mail_server_records_nothing(organization, settings):
    settings.EMAIL_BACKEND = "tests.orgs.test_reminders.UnreachableBackend"
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 reminder"):
        call_command(
            "send_filing_reminders",
            "--today=2025-05-01",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert (
        "not sent (will be retried): 30d to 深圳市阳光助学会: [Errno 111] Connection refused"
        in err.getvalue()
    )
    assert not FilingReminder.objects.exists()


def test_a_reminder_claimed_by_another_run_is_skipped(organization):
    """Two runs at once: the second finds the row the first inserted."""
    [due] = reminders_due(today=dt.date(2025, 5, 1))
    FilingReminder.objects.create(
        organization_id=due.organization_id, fiscal_year=2024, kind=due.kind
    )
    # A later run no longer selects it...
    assert reminders_send(today=dt.date(2025, 5, 1)).planned == []
    # ...and a run that selected it just before the other run's commit skips it.
    raced = ReminderSummary(today=dt.date(2025, 5, 1), dry_run=False)
    _send_one(due, connection=mail.get_connection(), summary=raced)
    assert raced.claimed_elsewhere == 1
    assert mail.outbox == []
    assert FilingReminder.objects.count() == 1


def test_selection_takes_the_same_queries_for_few_or_many_organizations():
    def queries(count):
        FilingReminder.objects.all().delete()
        for _ in range(count):
            org = OrganizationFactory(registered_on=dt.date(2024, 2, 1))
            member(org)
        with CaptureQueriesContext(connection) as captured:
            due = reminders_due(today=dt.date(2025, 5, 1))
        return len(captured), len(due)

    few = queries(2)
    many = queries(20)
    assert few[1] == 2
    assert many[1] == 22
    assert few[0] == many[0]


def wait_until_a_query_waits_for_a_lock(timeout: float = 10.0) -> None:
    """Poll PostgreSQL until another session waits for a lock this one holds."""
    import time

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted "
                "AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no query waited for the lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_a_reminder_once():
    """The second run's claim waits on the first run's uncommitted row, then is
    refused by the unique constraint: one email."""
    import threading

    from django.db import connections, transaction

    org = OrganizationFactory(registered_on=dt.date(2024, 2, 1))
    member(org)
    [due] = reminders_due(today=dt.date(2025, 5, 1))
    other = ReminderSummary(today=dt.date(2025, 5, 1), dry_run=False)

    def other_run():
        try:
            _send_one(due, connection=mail.get_connection(), summary=other)
        finally:
            connections.close_all()

    with transaction.atomic():
        mine = ReminderSummary(today=dt.date(2025, 5, 1), dry_run=False)
        _send_one(due, connection=mail.get_connection(), summary=mine)
        thread = threading.Thread(target=other_run)
        thread.start()
        wait_until_a_query_waits_for_a_lock()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert (mine.sent[due.kind], other.claimed_elsewhere) == (1, 1)
    assert len(mail.outbox) == 1
    assert FilingReminder.objects.count() == 1

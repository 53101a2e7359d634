"""Reminders of annual reports: 30, 7 and 1 days before the due date, and once
when it has passed.

Who gets what is decided per registry, not per organization: the due date of
fiscal year Y is the registry's rule (``services.filing_due_on``), so for each
registry and each kind there is one fiscal year and one query that selects the
organizations to remind: active, with at least one member who has an email address,
registered by the end of that year, without a submitted or accepted filing for it,
and not yet reminded of that kind for that year. Recipients come in one more query
per batch of organizations.

Where a registry grants an extension on request (the IRS: six months with Form
8868), the countdown is to the statutory date (``reminder_due_date``), so there is
time to file or ask for the extension, and "overdue" waits for the last day on time,
the date the credit rules judge by.

A kind is due from its day until the next threshold: 30 days before the due date
means 30 to 8 days left, 7 days means 7 to 2, 1 day means 1 or 0; so a run missed
for a day still sends, and a kind whose window has passed is not sent late. Overdue
means the most recent due date has passed.

Sent once: each reminder is claimed by inserting its ``FilingReminder`` row (unique
per organization, year and kind) and the email is sent inside that same transaction,
before the commit. If sending fails, the row is rolled back and the next run tries
again; if another run claimed the same reminder at the same time, the unique
constraint refuses the second row and that run skips it. The one window for a
duplicate is a crash after the mail server accepted the message and before the
commit: for a legal deadline a rare second reminder is better than none (recording
first and sending on commit would lose the reminder instead).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from credit.rules.base import DUE_DATE_RULES, reminder_due_date

from ..models import (
    Filing,
    FilingReminder,
    Membership,
    Organization,
    ReminderKind,
    ReviewState,
)
from .services import filing_due_on

# A filing in these states has reached the regulator: nothing left to remind of.
# Drafts and returned filings still need the organization to act.
FILED_STATES = (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW, ReviewState.ACCEPTED)
# (kind, most days left, fewest days left) of the reminders before the due date.
WINDOWS = (
    (ReminderKind.DAYS_30, 30, 8),
    (ReminderKind.DAYS_7, 7, 2),
    (ReminderKind.DAYS_1, 1, 0),
)
ACCOUNT_PATH = "/account/"
RECIPIENT_BATCH = 500


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder to send: an organization, a fiscal year and a kind."""

    organization_id: int
    organization_name: str
    fiscal_year: int
    kind: str
    due_on: dt.date
    days_left: int  # negative once overdue
    recipients: tuple[str, ...]


@dataclass
class ReminderSummary:
    today: dt.date
    dry_run: bool
    planned: list[Reminder] = field(default_factory=list)
    sent: Counter = field(default_factory=Counter)  # kind → reminders sent
    emails: int = 0  # recipients written to
    claimed_elsewhere: int = 0
    failed: list[tuple[Reminder, str]] = field(default_factory=list)


def _dues(registry: str, today: dt.date, *, reminder: bool = False):
    """(fiscal year, due date) around ``today``: the last day on time, or with
    ``reminder`` the date reminders count down to (the statutory date where an
    extension can be asked for, ``reminder_due_date``)."""
    probe = Organization(registry=registry)
    return [
        (
            year,
            reminder_due_date(registry, year)
            if reminder
            else filing_due_on(organization=probe, fiscal_year=year),
        )
        for year in range(today.year - 3, today.year + 2)
    ]


def last_due_passed(*, registry: str, today: dt.date) -> tuple[int, dt.date] | None:
    """(fiscal year, due date) of the registry's most recent due date before
    ``today``: the report an organization without a filing for it is overdue with
    (also what followers are told, ``orgs/follows.py``)."""
    passed = [(year, due) for year, due in _dues(registry, today) if due < today]
    return max(passed, key=lambda pair: pair[1]) if passed else None


def _due_years(registry: str, today: dt.date) -> Iterator[tuple[str, int, dt.date]]:
    """(kind, fiscal year, due date) a registry's organizations are reminded of."""
    upcoming = [
        (year, due)
        for year, due in _dues(registry, today, reminder=True)
        if due >= today
    ]
    if upcoming:
        year, due = min(upcoming, key=lambda pair: pair[1])
        days_left = (due - today).days
        for kind, most, fewest in WINDOWS:
            if fewest <= days_left <= most:
                yield kind, year, due
    overdue = last_due_passed(registry=registry, today=today)
    if overdue:
        yield ReminderKind.OVERDUE, *overdue


def reminders_due(*, today: dt.date) -> list[Reminder]:
    """Every reminder that should go out on ``today`` and has not gone out yet.

    One query per registry and kind for the organizations, and one per 500 of them
    for their members' addresses: 9 queries for the 3,000-organization demo.
    """
    reminders: list[Reminder] = []
    for registry in sorted(DUE_DATE_RULES):
        for kind, year, due in _due_years(registry, today):
            organizations = list(
                _needing(registry=registry, fiscal_year=year, kind=kind).values_list(
                    "pk", "name"
                )
            )
            addresses = _addresses(pk for pk, _name in organizations)
            reminders += [
                Reminder(
                    organization_id=pk,
                    organization_name=name,
                    fiscal_year=year,
                    kind=kind,
                    due_on=due,
                    days_left=(due - today).days,
                    recipients=tuple(addresses[pk]),
                )
                for pk, name in organizations
                if addresses[pk]
            ]
    return reminders


def _reachable_members():
    return (
        Membership.objects.filter(user__is_active=True)
        .exclude(user__email="")
        .exclude(user__email__isnull=True)
    )


def organizations_owing_report(*, registry: str, fiscal_year: int):
    """Active organizations of ``registry`` that owe the annual report for
    ``fiscal_year`` and have not filed it: registered by the end of that year, and
    no filing for it that reached the regulator. What reminders and followers'
    overdue notices (``orgs/follows.py``) both start from."""
    return (
        Organization.objects.active()
        .filter(registry=registry)
        .filter(
            Q(registered_on__isnull=True)
            | Q(registered_on__lte=dt.date(fiscal_year, 12, 31))
        )
        .exclude(
            Exists(
                Filing.objects.filter(
                    organization=OuterRef("pk"),
                    fiscal_year=fiscal_year,
                    review_state__in=FILED_STATES,
                )
            )
        )
    )


def _needing(*, registry: str, fiscal_year: int, kind: str):
    return (
        organizations_owing_report(registry=registry, fiscal_year=fiscal_year)
        .filter(Exists(_reachable_members().filter(organization=OuterRef("pk"))))
        .exclude(
            Exists(
                FilingReminder.objects.filter(
                    organization=OuterRef("pk"), fiscal_year=fiscal_year, kind=kind
                )
            )
        )
        .order_by("pk")
    )


def _addresses(organization_ids: Iterable[int]) -> dict[int, list[str]]:
    addresses: dict[int, list[str]] = defaultdict(list)
    ids = iter(organization_ids)
    while batch := list(itertools.islice(ids, RECIPIENT_BATCH)):
        rows = (
            _reachable_members()
            .filter(organization_id__in=batch)
            .order_by("organization_id", "user__email")
            .values_list("organization_id", "user__email")
        )
        for organization_id, email in rows:
            if email not in addresses[organization_id]:
                addresses[organization_id].append(email)
    return addresses


def reminders_send(
    *, today: dt.date, dry_run: bool = False, progress=None
) -> ReminderSummary:
    """Send the reminders due on ``today``, each once (see the module docstring).

    With ``dry_run`` nothing is sent or recorded; the summary lists what would be.
    ``progress`` wraps the list of reminders (a tqdm bar, on a terminal).
    """
    summary = ReminderSummary(today=today, dry_run=dry_run)
    summary.planned = reminders_due(today=today)
    if dry_run or not summary.planned:
        return summary
    connection = get_connection()
    try:
        connection.open()
    except OSError as error:  # the mail server is unreachable: nothing is recorded
        reason = str(error) or type(error).__name__
        summary.failed = [(reminder, reason) for reminder in summary.planned]
        return summary
    try:
        for reminder in progress(summary.planned) if progress else summary.planned:
            _send_one(reminder, connection=connection, summary=summary)
    finally:
        connection.close()
    return summary


def _send_one(reminder: Reminder, *, connection, summary: ReminderSummary) -> None:
    subject, body = reminder_text(reminder)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    FilingReminder.objects.create(
                        organization_id=reminder.organization_id,
                        fiscal_year=reminder.fiscal_year,
                        kind=reminder.kind,
                        recipients=len(reminder.recipients),
                    )
            except IntegrityError:
                summary.claimed_elsewhere += 1
                return
            EmailMessage(
                subject, body, None, list(reminder.recipients), connection=connection
            ).send()
    except OSError as error:  # smtplib's errors are OSErrors; the row rolled back
        summary.failed.append((reminder, str(error) or type(error).__name__))
        return
    summary.sent[reminder.kind] += 1
    summary.emails += len(reminder.recipients)


def reminder_text(reminder: Reminder) -> tuple[str, str]:
    """The subject and body of a reminder, in the active language."""
    values = {
        "name": reminder.organization_name,
        "year": reminder.fiscal_year,
        "due": reminder.due_on.isoformat(),
        "days": abs(reminder.days_left),
        "link": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + ACCOUNT_PATH,
    }
    if reminder.kind == ReminderKind.OVERDUE:
        subject = _("Overdue: the %(year)s annual report of %(name)s") % values
        body = (
            ngettext(
                "The annual report of %(name)s for %(year)s was due on %(due)s and has "
                "not been submitted; it is %(days)d day late.",
                "The annual report of %(name)s for %(year)s was due on %(due)s and has "
                "not been submitted; it is %(days)d days late.",
                values["days"],
            )
            % values
            + "\n\n"
            + _(
                "Submit it as soon as possible from your account page: %(link)s\n"
                "A late report is still accepted, and recorded as late."
            )
            % values
        )
        return subject, body
    if reminder.days_left == 0:
        subject = _("Due today: the %(year)s annual report of %(name)s") % values
        when = _("is due today, %(due)s.") % values
    else:
        subject = (
            ngettext(
                "Due in %(days)d day: the %(year)s annual report of %(name)s",
                "Due in %(days)d days: the %(year)s annual report of %(name)s",
                values["days"],
            )
            % values
        )
        when = (
            ngettext(
                "is due on %(due)s, in %(days)d day.",
                "is due on %(due)s, in %(days)d days.",
                values["days"],
            )
            % values
        )
    body = (
        _("The annual report of %(name)s for %(year)s") % values
        + " "
        + when
        + "\n\n"
        + _(
            "Prepare it and have an approver of the organization submit it from "
            "your account page: %(link)s"
        )
        % values
    )
    return subject, body

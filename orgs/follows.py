"""Following organizations: follow and unfollow, and the emails followers get when an
organization files, becomes overdue, changes grade, or enters or leaves a public list.

Design: an outbox. Each event writes one ``FollowNotice`` row per follower, in the
same transaction as the event (an accepted filing, a new current score, a list entry
opened or ended), unique per (follow, kind, subject). So:

* a rolled-back event announces nothing, and an event announced twice (a rescoring
  run again, a signal fired twice) is refused by the unique constraint: each
  follower hears of each event once;
* only followed organizations cost anything: the hooks make one query on ``Follow``
  for the organizations an event touched (one per chunk in a bulk score run, only
  for organizations whose grade letter changed; one per chunk of a registry import,
  only for organizations with new filings), never one per organization;
* sending is separate from recording. A single event (a regulator's decision, one
  organization rescored) sends its notices right after the commit
  (``transaction.on_commit``); a bulk score run or an import only records them and
  the daily
  ``notify_followers`` command sends them, so scoring a million organizations never
  waits on a mail server. The command also sends whatever an earlier attempt could
  not (mail server down), and records the overdue notices, which no event triggers:
  a due date simply passes. It uses the registry's due-date rule
  (``orgs.submissions.reminders.last_due_passed``).

Sending claims a notice (``sent_at`` set) and sends the email inside one transaction,
as the filing reminders do: a failed send rolls the claim back for the next run, and
two runs never both send one notice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import (
    Filing,
    Follow,
    FollowNotice,
    FollowNoticeKind,
    Organization,
)

logger = logging.getLogger(__name__)

UNFOLLOW_SALT = "orgs.follows.unfollow"
WRITE_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class FollowEvent:
    """Something followers of one organization are told about."""

    organization_id: int
    kind: str
    subject: str  # what it is about, unique per kind: "filing:2024:v1"
    details: dict = field(default_factory=dict)


# Follow and unfollow


def follow_add(*, user, organization: Organization) -> Follow:
    """Follow an organization (again: nothing changes); emails will be written in
    the language active now."""
    follow, _created = Follow.objects.get_or_create(
        user=user,
        organization=organization,
        defaults={"language": translation.get_language() or ""},
    )
    return follow


def follow_remove(*, user, organization: Organization) -> bool:
    """Stop following; False when the user did not follow it."""
    deleted, _rows = Follow.objects.filter(
        user=user, organization=organization
    ).delete()
    return bool(deleted)


def follows_of(*, user) -> QuerySet[Follow]:
    """The organizations a user follows, most recent first."""
    return Follow.objects.filter(user=user).select_related("organization")


def user_follows(*, user, organization: Organization) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, organization=organization).exists()


def unfollow_token(follow: Follow) -> str:
    """A token for the unfollow link of an email: it names one follow, and works
    without signing in (the page asks to confirm with a POST)."""
    return signing.dumps(follow.pk, salt=UNFOLLOW_SALT)


def follow_from_token(token: str) -> Follow | None:
    try:
        pk = signing.loads(token, salt=UNFOLLOW_SALT)
    except signing.BadSignature:
        return None
    return (
        Follow.objects.select_related("organization").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )


# Recording notices


def _batches(values: Sequence, size: int | None = None) -> Iterable[Sequence]:
    size = size or db_connection.features.max_query_params or 10_000
    size = min(size, 10_000)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def followers_notify(*, events: Iterable[FollowEvent], send_now: bool = True) -> int:
    """Record a notice for every follower of each event's organization; returns how
    many were offered (repeats of a recorded notice are skipped). With ``send_now``
    they are sent once the transaction commits; otherwise ``notify_followers`` sends
    them."""
    by_organization: dict[int, list[FollowEvent]] = {}
    for event in events:
        by_organization.setdefault(event.organization_id, []).append(event)
    if not by_organization:
        return 0
    notices = []
    for batch in _batches(list(by_organization)):
        for follow_id, organization_id in Follow.objects.filter(
            organization_id__in=batch
        ).values_list("id", "organization_id"):
            notices += [
                FollowNotice(
                    follow_id=follow_id,
                    kind=event.kind,
                    subject=event.subject,
                    details=event.details,
                )
                for event in by_organization[organization_id]
            ]
    if not notices:
        return 0
    new = _record(notices)
    if send_now:
        organization_ids = sorted(by_organization)
        transaction.on_commit(
            lambda: follow_notices_send(organization_ids=organization_ids)
        )
    return new


def _record(notices: list[FollowNotice]) -> int:
    """Insert the notices; one already recorded (the same event announced again, or
    by a concurrent run) is skipped by the unique constraint. Returns how many were
    offered."""
    FollowNotice.objects.bulk_create(
        notices, batch_size=WRITE_BATCH, ignore_conflicts=True
    )
    return len(notices)


def filing_followers_notify(*, filing: Filing) -> int:
    """An accepted filing: its organization's followers are told it filed."""
    return filings_followers_notify(
        filings=[(filing.organization_id, filing.fiscal_year, filing.version)],
        send_now=True,
    )


def filings_followers_notify(
    *, filings: Iterable[tuple[int, int, int]], send_now: bool
) -> int:
    """Published filings, as (organization id, fiscal year, version): accepted
    through the portal or imported. Keyed by year and version, so a filing accepted
    and later imported again is announced once."""
    return followers_notify(
        events=[
            FollowEvent(
                organization_id=organization_id,
                kind=FollowNoticeKind.FILED,
                subject=f"filing:{year}:v{version}",
                details={"year": year, "version": version},
            )
            for organization_id, year, version in filings
        ],
        send_now=send_now,
    )


def grade_followers_notify(
    *, changes: Iterable[tuple[int, int, str, str]], send_now: bool
) -> int:
    """New current scores whose grade letter differs from the previous current
    score: (organization id, new score id, old grade, new grade)."""
    return followers_notify(
        events=[
            FollowEvent(
                organization_id=organization_id,
                kind=FollowNoticeKind.GRADE,
                subject=f"score:{score_id}",
                details={"old": old, "new": new},
            )
            for organization_id, score_id, old, new in changes
        ],
        send_now=send_now,
    )


def list_followers_notify(*, entry, entered: bool) -> int:
    """A public list entry opened (``entered``) or ended."""
    if not entry.organization_id:
        return 0
    kind = FollowNoticeKind.LIST_ENTERED if entered else FollowNoticeKind.LIST_LEFT
    on = entry.entered_on if entered else entry.exited_on
    return followers_notify(
        events=[
            FollowEvent(
                organization_id=entry.organization_id,
                kind=kind,
                subject=f"list_entry:{entry.pk}",
                details={
                    "list": entry.list,
                    "on": on.isoformat() if on else "",
                    "reason": entry.reason if entered else entry.exit_reason,
                },
            )
        ]
    )


def _overdue_follows(*, registry: str, fiscal_year: int, due: dt.date):
    """Follows of active organizations of the registry with no filing for
    ``fiscal_year`` that reached the regulator, followed before the due date passed
    (following an organization already overdue tells nothing new) and not yet told."""
    from .submissions.reminders import organizations_owing_report

    return Follow.objects.filter(
        organization__in=organizations_owing_report(
            registry=registry, fiscal_year=fiscal_year
        ),
        created_at__date__lte=due,
    ).exclude(
        Exists(
            FollowNotice.objects.filter(
                follow=OuterRef("pk"),
                kind=FollowNoticeKind.OVERDUE,
                subject=f"overdue:{fiscal_year}",
            )
        )
    )


def overdue_followers_record(*, today: dt.date, dry_run: bool = False) -> int:
    """Record an overdue notice for each follow of an organization whose latest
    annual report is past its due date without a filing; how many (would be) new."""
    from credit.rules.base import DUE_DATE_RULES

    from .submissions.reminders import last_due_passed

    count = 0
    for registry in sorted(DUE_DATE_RULES):
        passed = last_due_passed(registry=registry, today=today)
        if passed is None:
            continue
        year, due = passed
        follows = _overdue_follows(registry=registry, fiscal_year=year, due=due)
        if dry_run:
            count += follows.count()
            continue
        notices = [
            FollowNotice(
                follow_id=follow_id,
                kind=FollowNoticeKind.OVERDUE,
                subject=f"overdue:{year}",
                details={"year": year, "due": due.isoformat()},
            )
            for follow_id in follows.values_list("id", flat=True).iterator()
        ]
        with transaction.atomic():
            count += _record(notices)
    return count


# Sending


@dataclass
class NoticeSummary:
    recorded_overdue: int = 0
    pending: int = 0
    sent: dict[str, int] = field(default_factory=dict)  # kind → emails sent
    failed: list[tuple[int, str]] = field(default_factory=list)  # notice id, why
    claimed_elsewhere: int = 0


def pending_notices(*, organization_ids: Sequence[int] | None = None):
    notices = FollowNotice.objects.filter(
        sent_at__isnull=True, follow__user__is_active=True
    ).exclude(follow__user__email="")
    if organization_ids is not None:
        notices = notices.filter(follow__organization_id__in=list(organization_ids))
    return notices.select_related("follow__user", "follow__organization").order_by("pk")


def follow_notices_send(
    *,
    organization_ids: Sequence[int] | None = None,
    progress: Callable[[list], Iterable] | None = None,
) -> NoticeSummary:
    """Send the pending notices (of some organizations, or all), each once.

    A mail server that cannot be reached leaves them pending for the next run
    (logged, never raised: this also runs after a regulator's decision commits).
    """
    summary = NoticeSummary()
    notices = list(pending_notices(organization_ids=organization_ids))
    summary.pending = len(notices)
    if not notices:
        return summary
    mail = get_connection()
    try:
        mail.open()
    except OSError as error:
        reason = str(error) or type(error).__name__
        logger.warning("follow notices not sent (will be retried): %s", reason)
        summary.failed = [(notice.pk, reason) for notice in notices]
        return summary
    try:
        for notice in progress(notices) if progress else notices:
            _send_one(notice, mail=mail, summary=summary)
    finally:
        mail.close()
    return summary


def _send_one(notice: FollowNotice, *, mail, summary: NoticeSummary) -> None:
    subject, body = notice_text(notice)
    try:
        with transaction.atomic():
            claimed = FollowNotice.objects.filter(
                pk=notice.pk, sent_at__isnull=True
            ).update(sent_at=timezone.now())
            if not claimed:
                summary.claimed_elsewhere += 1
                return
            EmailMessage(
                subject, body, None, [notice.follow.user.email], connection=mail
            ).send()
    except OSError as error:  # smtplib's errors are OSErrors; the claim rolled back
        reason = str(error) or type(error).__name__
        logger.warning("follow notice %s not sent: %s", notice.pk, reason)
        summary.failed.append((notice.pk, reason))
        return
    summary.sent[notice.kind] = summary.sent.get(notice.kind, 0) + 1


def _site_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def notice_text(notice: FollowNotice) -> tuple[str, str]:
    """Subject and plain-text body of a notice, in the follower's language, with a
    link to the profile and one to stop following."""
    follow = notice.follow
    organization = follow.organization
    with translation.override(follow.language or settings.LANGUAGE_CODE):
        values = {
            "name": organization.name,
            "profile": _site_url(organization.get_absolute_url()),
            **notice.details,
        }
        subject, text = _event_text(notice.kind, values)
        footer = _(
            "You receive this email because you follow %(name)s on Sunshine.\n"
            "Stop following it: %(unfollow)s\n"
            "Everything you follow: %(following)s"
        ) % {
            "name": organization.name,
            "unfollow": _site_url(
                reverse("follows:unfollow-link", args=[unfollow_token(follow)])
            ),
            "following": _site_url(reverse("follows:list")),
        }
        body = (
            text
            + "\n\n"
            + _("See its profile: %(profile)s") % values
            + "\n\n-- \n"
            + footer
        )
        return subject, body


def _event_text(kind: str, values: dict) -> tuple[str, str]:
    if kind == FollowNoticeKind.FILED:
        return (
            _("%(name)s filed its annual report for %(year)s") % values,
            _(
                "The annual report of %(name)s for %(year)s was accepted by the "
                "registering authority and is now public."
            )
            % values,
        )
    if kind == FollowNoticeKind.OVERDUE:
        return (
            _("%(name)s has not filed its annual report for %(year)s") % values,
            _(
                "The annual report of %(name)s for %(year)s was due on %(due)s and "
                "had not been filed by then."
            )
            % values,
        )
    if kind == FollowNoticeKind.GRADE:
        from credit.models import Grade

        grades = {
            "old": str(Grade(values["old"]).label),
            "new": str(Grade(values["new"]).label),
        }
        return (
            _("The credit grade of %(name)s changed to %(new)s") % {**values, **grades},
            _(
                "The credit grade of %(name)s changed from %(old)s to %(new)s. The "
                "profile lists every reason behind the grade and its source."
            )
            % {**values, **grades},
        )
    from credit.lists import PublicList

    listing = {"list": str(PublicList(values["list"]).label)}
    if kind == FollowNoticeKind.LIST_ENTERED:
        return (
            _("%(name)s was put on the %(list)s") % {**values, **listing},
            _("%(name)s was put on the %(list)s on %(on)s.\nReason: %(reason)s")
            % {**values, **listing},
        )
    return (
        _("%(name)s left the %(list)s") % {**values, **listing},
        _("%(name)s left the %(list)s on %(on)s.\nReason: %(reason)s")
        % {**values, **listing},
    )

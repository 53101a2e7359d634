"""Email followers of organizations: record the overdue notices (an annual report
whose due date passed without a filing) and send every notice still pending.

Meant to run daily (cron, a systemd timer), after ``score_orgs``: a bulk score run
only records grade changes, this sends them. Each notice goes out once however often
it runs; one that could not be sent is tried again the next time
(``orgs/follows.py`` says why it is an outbox).
"""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from orgs.follows import (
    follow_notices_send,
    overdue_followers_record,
    pending_notices,
)
from orgs.models import FollowNoticeKind


class Command(BaseCommand):
    help = _(
        "Email followers of organizations that filed, became overdue, changed grade, "
        "or entered or left a public list; each notice once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help=_("the date to run as of, YYYY-MM-DD (default today)"),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("count what would be recorded and sent; record and send nothing"),
        )

    def handle(self, *args, today, dry_run, verbosity, **options):
        today = today or timezone.localdate()
        overdue = overdue_followers_record(today=today, dry_run=dry_run)
        if dry_run:
            pending = pending_notices().count()
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Dry run as of %(today)s: %(overdue)d overdue notices would "
                        "be recorded; %(pending)d notices are waiting to be sent "
                        "(besides those). Nothing recorded or sent."
                    )
                    % {"today": today.isoformat(), "overdue": overdue,
                       "pending": pending}
                )
            )  # fmt: skip
            return
        progress = None
        if verbosity > 0 and sys.stderr.isatty():

            def progress(items):
                return tqdm(items, desc=_("emails"), unit="", leave=False)

        summary = follow_notices_send(progress=progress)
        for notice_id, error in summary.failed:
            self.stderr.write(
                self.style.ERROR(
                    _("notice %(id)s not sent (will be retried): %(error)s")
                    % {"id": notice_id, "error": error}
                )
            )
        if verbosity > 0:
            counts = ", ".join(
                f"{kind}: {summary.sent.get(kind, 0)}"
                for kind in FollowNoticeKind.values
            )
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "As of %(today)s: %(overdue)d overdue notices recorded; "
                        "%(sent)d emails sent to followers (%(counts)s)."
                    )
                    % {
                        "today": today.isoformat(),
                        "overdue": overdue,
                        "sent": sum(summary.sent.values()),
                        "counts": counts,
                    }
                )
            )
        if summary.failed:
            raise CommandError(
                _("%(count)d email(s) could not be sent")
                % {"count": len(summary.failed)}
            )

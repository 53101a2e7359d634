"""Remind organizations of their annual report: 30, 7 and 1 days before it is due,
and once when it is overdue.

Meant to run daily (cron, a systemd timer). Each reminder goes out once per
organization, fiscal year and kind, however often the command runs, and a day
missed is caught up the next day (``orgs/submissions/reminders.py`` says how).
"""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from orgs.models import ReminderKind
from orgs.submissions.reminders import reminders_send


class Command(BaseCommand):
    help = _(
        "Email the members of each organization whose annual report is due in 30, 7 "
        "or 1 days, or overdue; each reminder once."
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
            help=_("list the reminders that are due; send and record nothing"),
        )

    def handle(self, *args, today, dry_run, verbosity, **options):
        today = today or timezone.localdate()
        progress = None
        if verbosity > 0 and sys.stderr.isatty() and not dry_run:

            def progress(items):
                return tqdm(items, desc=_("reminders"), unit="", leave=False)

        summary = reminders_send(today=today, dry_run=dry_run, progress=progress)
        if dry_run or verbosity > 1:
            for reminder in summary.planned:
                self.stdout.write(
                    _(
                        "%(kind)s  %(name)s  %(year)s  due %(due)s  → %(count)d "
                        "recipient(s)"
                    )
                    % {
                        "kind": reminder.kind,
                        "name": reminder.organization_name,
                        "year": reminder.fiscal_year,
                        "due": reminder.due_on.isoformat(),
                        "count": len(reminder.recipients),
                    }
                )
        for reminder, error in summary.failed:
            self.stderr.write(
                self.style.ERROR(
                    _("not sent (will be retried): %(kind)s to %(name)s: %(error)s")
                    % {
                        "kind": reminder.kind,
                        "name": reminder.organization_name,
                        "error": error,
                    }
                )
            )
        if verbosity > 0:
            self.stdout.write(self._summary(summary))
        if summary.failed:
            raise CommandError(
                _("%(count)d reminder(s) could not be sent")
                % {"count": len(summary.failed)}
            )

    def _summary(self, summary) -> str:
        if summary.dry_run:
            planned = dict.fromkeys(ReminderKind.values, 0)
            for reminder in summary.planned:
                planned[reminder.kind] += 1
            counts = ", ".join(f"{kind}: {n}" for kind, n in planned.items())
            return self.style.WARNING(
                _(
                    "Dry run as of %(today)s: %(total)d reminders due (%(counts)s); none sent."
                )
                % {
                    "today": summary.today.isoformat(),
                    "total": len(summary.planned),
                    "counts": counts,
                }
            )
        counts = ", ".join(
            f"{kind}: {summary.sent.get(kind, 0)}" for kind in ReminderKind.values
        )
        message = _(
            "As of %(today)s: %(total)d reminders sent to %(emails)d addresses "
            "(%(counts)s)."
        ) % {
            "today": summary.today.isoformat(),
            "total": sum(summary.sent.values()),
            "emails": summary.emails,
            "counts": counts,
        }
        if summary.claimed_elsewhere:
            message += " " + _(
                "%(count)d were being sent by another run at the same time."
            ) % {"count": summary.claimed_elsewhere}
        return self.style.SUCCESS(message)

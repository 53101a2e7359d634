"""Draft the notice that announces new entries on a public list.

Regulators announce list decisions in notices. This command gathers the entries of
one list for a period into a draft notice naming each organization; an editor
checks and publishes it in the Wagtail admin. Nothing is published by the command.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cms.services import NoticeError, notice_draft_for_list_entries
from credit.lists import PublicList


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from error


class Command(BaseCommand):
    help = "Draft a notice naming the organizations that entered a list in a period."

    def add_arguments(self, parser):
        parser.add_argument("--list", required=True, choices=PublicList.values)
        parser.add_argument("--since", required=True, help="first day (YYYY-MM-DD)")
        parser.add_argument(
            "--until", help="last day (YYYY-MM-DD; default: today)", default=""
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report, then roll back"
        )

    def handle(self, *args, **options):
        since = _date(options["since"])
        until = _date(options["until"]) if options["until"] else timezone.localdate()
        with transaction.atomic():
            try:
                notice = notice_draft_for_list_entries(
                    listing=options["list"], since=since, until=until
                )
            except NoticeError as error:
                raise CommandError(str(error)) from error
            named = notice.organization_links.count()
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write(
                    f"Dry run: would draft {notice.title!r} naming {named} "
                    "organizations; nothing saved."
                )
                return
        self.stdout.write(
            self.style.SUCCESS(
                f"Drafted {notice.title!r} naming {named} organizations: review and "
                f"publish it at /admin/pages/{notice.pk}/edit/"
            )
        )

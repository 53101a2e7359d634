"""Drain the search outbox: re-index the organizations changed since the last run.

Every change to an organization records an outbox row in its own transaction; this
command indexes them in bulk batches, with retries and exponential backoff, and deletes
the rows only once the engine has accepted them. Run it after imports, from cron, or
with ``--follow`` as a long-lived worker. Stopping it at any moment loses nothing.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends import SearchUnavailable
from search.services import outbox_backlog, search_sync


class Command(BaseCommand):
    help = "Index the organizations waiting in the search outbox."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--retries", type=int, default=5)
        parser.add_argument(
            "--follow",
            action="store_true",
            help="keep running, polling the outbox every --interval seconds",
        )
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument(
            "--dry-run", action="store_true", help="show the backlog, index nothing"
        )

    def handle(self, *args, **options):
        backlog = outbox_backlog()
        if options["dry_run"]:
            self.stdout.write(f"{backlog.entries:,} outbox entries waiting")
            return
        while True:
            self._drain(options, outbox_backlog().entries)
            if not options["follow"]:
                return
            time.sleep(options["interval"])

    def _drain(self, options, waiting: int) -> None:
        bar = tqdm(
            total=waiting,
            unit="org",
            disable=not sys.stderr.isatty() or options["verbosity"] == 0 or not waiting,
        )
        try:
            report = search_sync(
                batch_size=options["batch_size"],
                retries=options["retries"],
                on_batch=bar.update,
            )
        except SearchUnavailable as error:
            raise CommandError(
                f"search engine unavailable after {options['retries']} retries "
                f"({error}); the outbox is kept for the next run"
            ) from error
        finally:
            bar.close()
        if report.locked_out and options["verbosity"] and not options["follow"]:
            self.stdout.write(
                self.style.WARNING(
                    "another search_sync worker holds the outbox; left it to that one"
                )
            )
        if options["verbosity"] and (report.indexed or not options["follow"]):
            self.stdout.write(
                self.style.SUCCESS(
                    f"indexed {report.indexed:,} organizations in {report.batches} "
                    f"batches ({report.retries} retries); {report.remaining:,} waiting"
                )
            )

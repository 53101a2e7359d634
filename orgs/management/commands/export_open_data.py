"""Regenerate the bulk downloads of /data/: the whole public registry as JSON Lines
(the exchange format) and CSV, with a data dictionary, licence and manifest.

Run it after imports and scoring (nightly): the files are written beside the
published ones and swapped in with one rename, so a download never gets half a file.
"""

import resource
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.opendata.export import OpenDataError, open_data_export


class Command(BaseCommand):
    help = _(
        "Write the public registry as open data (JSON Lines and CSV, gzip-compressed, "
        "with dictionary, licence and manifest) and publish it on /data/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=str(settings.OPEN_DATA_DIR),
            help=_("the download folder (default: settings.OPEN_DATA_DIR)"),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("write and count everything, then throw it away"),
        )

    def handle(self, *args, dir, dry_run, verbosity, **options):
        progress = verbosity > 0 and sys.stderr.isatty()
        started = time.perf_counter()
        try:
            report = open_data_export(directory=dir, dry_run=dry_run, progress=progress)
        except OpenDataError as error:
            raise CommandError(str(error)) from None
        if verbosity == 0:
            return
        for written in report.files:
            rows = "" if written.rows is None else f"{written.rows:,} rows, "
            seconds = report.seconds.get(written.name)
            took = "" if seconds is None else f", {seconds:.1f} s"
            self.stdout.write(f"  {written.name}: {rows}{written.bytes:,} bytes{took}")
        self.stdout.write(
            _("Took %(seconds).1f s; peak memory (max RSS) %(megabytes).0f MB.")
            % {
                "seconds": time.perf_counter() - started,
                # ru_maxrss is in kilobytes on Linux
                "megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
        message = (
            _("Dry run: nothing was published (generated at %(when)s).")
            if dry_run
            else _("Published the open data of %(when)s in %(dir)s.")
        )
        self.stdout.write(
            message % {"when": report.generated_at, "dir": dir},
            style_func=self.style.WARNING if dry_run else self.style.SUCCESS,
        )

"""Load the Charity Commission for Northern Ireland register extract (CSV).

The Commission publishes its whole register as one Windows-1252 CSV file. This
command turns it into exchange-format records (``orgs/importers/ccni.py`` says how
each column is read) and imports them through the same checked, transactional and
idempotent path as ``import_registry``: a file with a missing column, bytes that are
not Windows-1252 or one invalid row writes nothing, and importing the same extract
again changes nothing.
"""

import datetime as dt
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from orgs.importers.ccni import ccni_import

from .import_registry import Command as ImportRegistryCommand


class Command(ImportRegistryCommand):
    help = _(
        "Import the Charity Commission for Northern Ireland register extract (CSV). "
        "Nothing is written unless every row is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the register extract, a .csv file"))
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help=_(
                "the date the extract was published (YYYY-MM-DD); needed to record "
                '"Overdue: N days" statuses as overdue returns'
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check and count everything, then roll back"),
        )

    def handle(self, *args, path, as_of, dry_run, verbosity, **options):
        progress = verbosity > 0 and sys.stderr.isatty()
        with self.import_errors():
            report, conversion = ccni_import(
                path=path, as_of=as_of, dry_run=dry_run, progress=progress
            )
        if report.problem_count:
            raise CommandError(
                self.problems_message(report)
                + "\n"
                + _("(line N is the Nth charity row of the file)")
            )
        if not report.organizations_read:
            self.stdout.write(
                _("Nothing to import: %(path)s has no charities.") % {"path": path}
            )
            return
        if verbosity > 0:
            self.stdout.write(self.summary(report))
            self.stdout.write(
                _("%(rows)d charities read, %(filings)d with a return.")
                % {"rows": conversion.rows, "filings": conversion.filings}
            )
        if conversion.dropped_websites and verbosity > 0:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)d websites were not URLs and were left out:")
                    % {"count": len(conversion.dropped_websites)}
                )
            )
            if verbosity > 1:
                for number, text in conversion.dropped_websites:
                    self.stdout.write(f"  {number}: {text}")
        if conversion.dropped_amounts and verbosity > 0:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)d amounts cannot be stored as filed and were left out:")
                    % {"count": len(conversion.dropped_amounts)}
                )
            )
            for number, reason in conversion.dropped_amounts:
                self.stdout.write(f"  {number}: {reason}")
        if conversion.overdue_unrecorded and verbosity > 0:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)d overdue returns were not recorded: give --as-of, "
                        "the date of the extract, to date them."
                    )
                    % {"count": conversion.overdue_unrecorded}
                )
            )

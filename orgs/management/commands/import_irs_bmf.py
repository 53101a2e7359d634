"""Load an IRS Exempt Organizations Business Master File state file (CSV).

The IRS republishes its list of tax-exempt organizations every month, one CSV file per
state. The first file of a state is a full load; each later one is compared with the
last, and the organizations added, removed and changed become events on their records
(``orgs/importers/irs_bmf.py`` says how each column is read). The file is checked
before anything is written: a wrong header, a bad EIN or any invalid value in any row
writes nothing, and the message names the line and column. Importing the same file
again changes nothing.
"""

import datetime as dt
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from orgs.importers.irs_bmf import irs_bmf_import

from .import_registry import Command as ImportRegistryCommand

SHOWN_COLUMNS = 8


class Command(ImportRegistryCommand):
    help = _(
        "Import an IRS Exempt Organizations Business Master File (eo_XX.csv): a full "
        "load, or a monthly update recorded as added, removed and changed "
        "organizations. Nothing is written unless every row is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the master file, a .csv file"))
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help=_(
                "the date the file was published (YYYY-MM-DD); by default the date "
                "in the file name (eo_de_2026-04-13.csv)"
            ),
        )
        parser.add_argument(
            "--scope",
            help=_(
                "which master file this is, compared with the last import of the "
                "same scope; by default the file name without its date (eo_de)"
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check and count everything, then roll back"),
        )

    def handle(self, *args, path, as_of, scope, dry_run, verbosity, **options):
        progress = verbosity > 0 and sys.stderr.isatty()
        with self.import_errors():
            report, changes = irs_bmf_import(
                path=path, as_of=as_of, scope=scope, dry_run=dry_run, progress=progress
            )
        if report.problem_count:
            raise CommandError(
                self.problems_message(report)
                + "\n"
                + _("(line N is the Nth organization of the file)")
            )
        if verbosity == 0:
            return
        self.stdout.write(self.summary(report))
        self.stdout.write(
            _("%(rows)d organizations in master file %(scope)s as of %(as_of)s.")
            % {"rows": changes.rows, "scope": changes.scope, "as_of": changes.as_of}
        )
        if changes.first_load:
            self.stdout.write(
                _("First file of %(scope)s: a full load, no changes recorded.")
                % {"scope": changes.scope}
            )
        else:
            self.stdout.write(
                _(
                    "Since the last file: %(added)d added, %(removed)d removed "
                    "(marked as left the register), %(changed)d changed "
                    "(%(renamed)d renamed)."
                )
                % {
                    "added": len(changes.added),
                    "removed": len(changes.removed),
                    "changed": len(changes.changed),
                    "renamed": changes.renamed,
                }
            )
            columns = sorted(changes.changed_columns.items(), key=lambda c: -c[1])
            if columns:
                self.stdout.write(
                    "  "
                    + ", ".join(
                        f"{name} {count}" for name, count in columns[:SHOWN_COLUMNS]
                    )
                )
        for warning in changes.warnings:
            self.stdout.write(self.style.WARNING(warning))

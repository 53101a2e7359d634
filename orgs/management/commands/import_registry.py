"""Load a registry file in the exchange format (docs/data-format.md).

Registers arrive as JSON Lines files, one organization per line with its filings and
events. Every line is checked before anything is written; one bad line and nothing is
imported, and the report names each bad line, field and reason. Importing the same
file again changes nothing, so a nightly load can simply be re-run.
"""

import sys
import unicodedata
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.exchange import (
    ImportReport,
    RegistryFileError,
    RegistryWriteError,
    registry_import,
)
from orgs.importers import SourceFileError


class Command(BaseCommand):
    help = _(
        "Import organizations, filings and events from a JSON Lines file "
        "(- for standard input). Nothing is written unless every line is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the .jsonl file, or - for standard input"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check and count everything, then roll back"),
        )

    def handle(self, *args, path, dry_run, verbosity, **options):
        progress = verbosity > 0 and sys.stderr.isatty()
        with self.import_errors():
            report = registry_import(path=path, dry_run=dry_run, progress=progress)
        if report.problem_count:
            raise CommandError(self.problems_message(report))
        if not report.organizations_read:
            self.stdout.write(
                _("Nothing to import: %(path)s has no organizations.") % {"path": path}
            )
            return
        if verbosity > 0:
            self.stdout.write(self.summary(report))

    @contextmanager
    def import_errors(self):
        """A file that cannot be read, or a write the database refuses, as one
        ``CommandError`` that says so (nothing was written either way). Every import
        command of this family runs its importer inside it."""
        try:
            yield
        except (SourceFileError, RegistryFileError) as error:
            raise CommandError(str(error)) from None
        except RegistryWriteError as error:
            raise CommandError(
                _("the database refused the import, nothing was written: %(reason)s")
                % {"reason": error}
            ) from None

    def problems_message(self, report: ImportReport) -> str:
        lines = [
            _(
                "%(path)s: %(lines)d of %(total)d lines are invalid "
                "(%(problems)d problems); nothing was written."
            )
            % {
                "path": report.path,
                "lines": report.invalid_lines,
                "total": report.organizations_read,
                "problems": report.problem_count,
            }
        ]
        lines.extend(f"  {problem}" for problem in report.problems)
        hidden = report.problem_count - len(report.problems)
        if hidden:
            lines.append("  " + _("… and %(count)d more") % {"count": hidden})
        return "\n".join(lines)

    def summary(self, report: ImportReport) -> str:
        heading = (
            _("Dry run of %(path)s: nothing was written. It would have:")
            if report.dry_run
            else _("Imported %(path)s:")
        ) % {"path": report.path}
        rows = [
            (_("organizations"), report.organizations),
            (_("filings"), report.filings),
            (_("events"), report.events),
        ]
        width = max(_display_width(label) for label, _tally in rows)
        columns = [_("created"), _("updated"), _("unchanged")]
        table = [
            "  " + _pad("", width) + "".join(_pad(c, 11, right=True) for c in columns)
        ]
        table.extend(
            "  "
            + _pad(label, width)
            + "".join(
                _pad(f"{n:,}", 11, right=True)
                for n in (tally.created, tally.updated, tally.unchanged)
            )
            for label, tally in rows
        )
        run = report.import_run
        if run is not None and not report.dry_run:
            table.append(
                "  "
                + _("recorded as import run %(id)d (%(outcome)s), SHA-256 %(sha256)s")
                % {
                    "id": run.pk,
                    "outcome": run.get_outcome_display(),
                    "sha256": run.sha256,
                }
            )
        style = self.style.WARNING if report.dry_run else self.style.SUCCESS
        return "\n".join([style(heading), *table])


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(width - _display_width(text), 0)
    return fill + text if right else text + fill

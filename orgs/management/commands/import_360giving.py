"""Load a 360Giving grants file: the Data Standard's JSON or the published spreadsheet.

UK funders publish what they gave, to whom, in the 360Giving Data Standard. This
command reads one file (``orgs/importers/giving360.py`` says how), links each grant to
its recipient and funder by org-id, creates a minimal organization for an org-id the
register does not know yet, and keeps the columns the portal has no field for. A file
it cannot read or any invalid grant writes nothing; the same file twice changes
nothing.
"""

import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from orgs.importers.giving360 import giving360_import

from .import_registry import Command as ImportRegistryCommand

SHOWN_EXTRA = 12


class Command(ImportRegistryCommand):
    help = _(
        "Import a 360Giving grants file (.json or .xlsx): grants linked to their "
        "recipient and funder organizations. Nothing is written unless every grant "
        "is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the grants file, .json or .xlsx"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check and count everything, then roll back"),
        )

    def handle(self, *args, path, dry_run, verbosity, **options):
        progress = verbosity > 0 and sys.stderr.isatty()
        with self.import_errors():
            report, conversion = giving360_import(
                path=path, dry_run=dry_run, progress=progress
            )
        if report.problem_count:
            raise CommandError(self.problems_message(report))
        if verbosity == 0:
            return
        heading = (
            _("Dry run of %(path)s: nothing was written. It would have:")
            if dry_run
            else _("Imported %(path)s:")
        ) % {"path": path}
        style = self.style.WARNING if dry_run else self.style.SUCCESS
        self.stdout.write(style(heading))
        self.stdout.write(
            "  "
            + _(
                "grants: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged"
            )
            % {
                "created": conversion.created,
                "updated": conversion.updated,
                "unchanged": conversion.unchanged,
            }
        )
        for currency, total in sorted(conversion.total_by_currency.items()):
            self.stdout.write(
                "  "
                + _("total awarded: %(total)s %(currency)s in %(count)d grants")
                % {
                    "total": f"{total:,}",
                    "currency": currency,
                    "count": conversion.grants,
                }
            )
        self.stdout.write(
            "  "
            + _(
                "recipients linked to an organization: %(linked)d; known by name "
                "only: %(name_only)d"
            )
            % {
                "linked": conversion.recipients_linked,
                "name_only": conversion.recipients_name_only,
            }
        )
        self.stdout.write(
            "  "
            + _("organizations created from org-ids: %(count)d")
            % {"count": len(conversion.organizations_created)}
        )
        if report.import_run is not None and not dry_run:
            self.stdout.write(
                "  "
                + _("recorded as import run %(id)d (%(outcome)s), SHA-256 %(sha256)s")
                % {
                    "id": report.import_run.pk,
                    "outcome": report.import_run.get_outcome_display(),
                    "sha256": report.import_run.sha256,
                }
            )
        if conversion.rounded_amounts:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)d amounts carried a spreadsheet's floating-point "
                        "noise and were rounded to the cent:"
                    )
                    % {"count": len(conversion.rounded_amounts)}
                )
            )
            for where, published in conversion.rounded_amounts:
                self.stdout.write(f"  {where}: {published}")
        if conversion.extra_fields:
            shown = ", ".join(conversion.extra_fields[:SHOWN_EXTRA])
            more = len(conversion.extra_fields) - SHOWN_EXTRA
            self.stdout.write(
                self.style.WARNING(
                    _("kept as published, no field for them: %(fields)s")
                    % {"fields": shown + (f" (+{more})" if more > 0 else "")}
                )
            )

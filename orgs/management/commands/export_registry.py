"""Write the whole registry as a JSON Lines file in the exchange format.

The counterpart of import_registry: the same format (docs/data-format.md), one
organization per line in org_id order, so registers can be exchanged, archived and
diffed, and an export imported into an empty database exports to the same bytes.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.exchange import RegistryFileError, registry_export


class Command(BaseCommand):
    help = _("Export organizations, filings and events to a JSON Lines file.")

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the .jsonl file, or - for standard output"))

    def handle(self, *args, path, verbosity, **options):
        progress = verbosity > 0 and sys.stderr.isatty()
        try:
            report = registry_export(path=path, progress=progress)
        except RegistryFileError as error:
            raise CommandError(str(error)) from None
        if verbosity > 0:
            # With "-" the data is on standard output; the summary goes elsewhere.
            out = self.stderr if path == "-" else self.stdout
            out.write(
                _(
                    "Exported %(organizations)s organizations, %(filings)s filings "
                    "and %(events)s events to %(path)s."
                )
                % {
                    "organizations": f"{report.organizations:,}",
                    "filings": f"{report.filings:,}",
                    "events": f"{report.events:,}",
                    "path": path,
                },
                style_func=self.style.SUCCESS,
            )

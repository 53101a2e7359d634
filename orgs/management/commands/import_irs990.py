"""Load IRS Form 990, 990-EZ and 990-PF e-file returns (XML files or folders of them).

The IRS publishes every e-filed return of a tax-exempt organization as one XML file,
in schema versions that renamed most elements over the years. This command reads
them through a version-aware field map (``orgs/importers/irs990.py``) and imports
them through the same checked, transactional and idempotent path as
``import_registry``. A file that is not well-formed, carries entity declarations,
or lacks the Filer block or the EIN is rejected and named, and writes nothing; the
other returns are imported. Importing the same returns again changes nothing.
"""

import os
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from orgs.importers.irs990 import Irs990Report, irs990_import

from .import_registry import Command as ImportRegistryCommand


def worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise CommandError(
            _("--workers must be a whole number of at least 1, not %(text)r")
            % {"text": text}
        )
    return count


class Command(ImportRegistryCommand):
    help = _(
        "Import IRS Form 990 / 990-EZ / 990-PF e-file returns (XML files, or folders "
        "searched for *.xml). Rejected files are named and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help=_("XML returns or folders")
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check and count everything, then roll back"),
        )
        parser.add_argument(
            "--workers",
            type=worker_count,
            default=None,
            help=_("processes parsing returns (default: one per CPU)"),
        )

    def handle(self, *args, paths, dry_run, workers, verbosity, **options):
        missing = [path for path in paths if not os.path.exists(path)]
        if missing:
            raise CommandError(
                _("no such file or folder: %(paths)s") % {"paths": ", ".join(missing)}
            )
        progress = verbosity > 0 and sys.stderr.isatty()
        with self.import_errors():
            report = irs990_import(
                paths=paths, dry_run=dry_run, progress=progress, workers=workers
            )
        if report.registry and report.registry.problem_count:
            lines = [self.problems_message(report.registry)]
            for problem in report.registry.problems:
                files = report.record_files[problem.line - 1]
                lines.append(
                    _("line %(line)d is the organization of %(files)s")
                    % {"line": problem.line, "files": ", ".join(files)}
                )
            raise CommandError("\n".join(dict.fromkeys(lines)))
        if verbosity > 0:
            self.stdout.write(self.irs990_summary(report))
        if report.files and not report.returns:
            raise CommandError(
                _("none of the %(count)d files could be imported")
                % {"count": report.files}
            )

    def irs990_summary(self, report: Irs990Report) -> str:
        lines = []
        if report.registry:
            lines.append(self.summary(report.registry))
        template = (
            _(
                "%(files)d files read: %(returns)d returns would be imported, "
                "%(rejected)d rejected, %(warnings)d warnings; no document stored."
            )
            if report.dry_run
            else _(
                "%(files)d files read: %(returns)d returns imported, %(rejected)d "
                "rejected, %(warnings)d warnings; %(documents)d original documents "
                "stored."
            )
        )
        lines.append(
            template
            % {
                "files": report.files,
                "returns": report.returns,
                "rejected": len(report.rejected),
                "warnings": len(report.warnings),
                "documents": report.documents_stored,
            }
        )
        for rejection in report.rejected:
            lines.append(self.style.ERROR("  " + rejection))
        for warning in report.warnings:
            lines.append(self.style.WARNING("  " + warning))
        return "\n".join(lines)

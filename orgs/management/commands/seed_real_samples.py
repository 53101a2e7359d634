"""Load the real published samples beside the generated registry, for the demo.

The generated register stands in for China's, which is not published; the samples in
``../shared/data/`` are real registers of other countries in their official formats.
This command imports them with their own importers, in the order that makes the most
of them (the Northern Ireland register before the grants, so grants to its charities
link to full records): the CCNI register extract, the IRS master file for Delaware,
the two 360Giving grants files, and the IRS 990 e-file returns when the
``import_irs990`` command is installed. Each import is idempotent, so running this
again changes nothing; a sample that is missing is skipped with a message.
"""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

# The CCNI extract's publication date (its source commit): dates "Overdue" returns.
CCNI_EXTRACT_DATE = dt.date(2024, 4, 4)


def default_data_folder() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "data"


class Command(BaseCommand):
    help = _(
        "Import the real samples in ../shared/data (CCNI register, IRS master file "
        "for Delaware, 360Giving grants, IRS 990 returns if import_irs990 exists) "
        "beside the generated registry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            type=Path,
            default=None,
            help=_(
                "the folder of samples (default: ../shared/data beside the project)"
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check and count every import, then roll back"),
        )

    def handle(self, *args, data, dry_run, verbosity, **options):
        data = data or default_data_folder()
        if not data.is_dir():
            raise CommandError(
                _("%(path)s is not a folder of samples (give --data)") % {"path": data}
            )
        steps = [
            (
                "import_ccni",
                data / "uk-ccni-register" / "ccni_charitydetails_sample.csv",
                ["--as-of", CCNI_EXTRACT_DATE.isoformat()],
            ),
            ("import_irs_bmf", data / "irs-eo-bmf" / "eo_de_2026-04-13.csv", []),
            ("import_360giving", data / "360giving" / "a001p00000zgyHZAAY.json", []),
            ("import_360giving", data / "360giving" / "a003W000001B7PzQAK.json", []),
            ("import_irs990", data / "irs-990-xml" / "files", []),
        ]
        available = get_commands()
        failed = []
        for command, path, extra in steps:
            if command not in available:
                self.stdout.write(
                    self.style.WARNING(
                        _("Skipped %(path)s: the %(command)s command is not installed.")
                        % {"path": path, "command": command}
                    )
                )
                continue
            if not path.exists():
                self.stdout.write(
                    self.style.WARNING(
                        _("Skipped %(command)s: %(path)s is not there.")
                        % {"path": path, "command": command}
                    )
                )
                continue
            if verbosity > 0:
                self.stdout.write(self.style.MIGRATE_HEADING(f"{command} {path.name}"))
            arguments = [str(path), *extra, *(["--dry-run"] if dry_run else [])]
            try:
                call_command(
                    command,
                    *arguments,
                    verbosity=verbosity,
                    stdout=self.stdout._out,
                    stderr=self.stderr._out,
                )
            except CommandError as error:
                failed.append(f"{command} {path.name}: {error}")
                self.stdout.write(self.style.ERROR(str(error)))
        if failed:
            raise CommandError(
                _("%(count)d sample imports failed:") % {"count": len(failed)}
                + "\n"
                + "\n".join(f"  {line}" for line in failed)
            )

"""Score every organization in the registry: reasons, a score and a grade each.

Run it after an import and nightly: rules look at dates (a report becomes missing the
day after it was due), so scores change without new data. Only results that changed
are written, each as a new row of the organization's score history; the others keep
their row and move their as-of date forward. The unregistered names are screened for
look-alikes of registered organizations at the end.
"""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from credit import engine, review, services


def as_of_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--as-of must be a date like 2025-06-30, not %(text)r") % {"text": text}
        ) from None


class Command(BaseCommand):
    help = _(
        "Score every organization as of a date (today by default) and screen the "
        "unregistered names; writes only what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=as_of_date, help=_("score as of this date (YYYY-MM-DD)")
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("compute and count, write nothing")
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=engine.CHUNK_SIZE,
            help=_("organizations per chunk (memory grows with it)"),
        )

    def handle(self, *args, as_of, dry_run, chunk_size, verbosity, **options):
        if chunk_size < 1:
            raise CommandError(_("--chunk-size must be at least 1"))
        progress = verbosity > 0 and sys.stderr.isatty()
        try:
            run = services.registry_score(
                as_of=as_of, dry_run=dry_run, chunk_size=chunk_size, progress=progress
            )
        except engine.ScoringError as error:
            raise CommandError(str(error)) from None
        if verbosity > 0:
            self.stdout.write(self.summary(run))
        if not dry_run:
            raised = review.flags_raise(today=as_of)
            if verbosity > 0:
                self.stdout.write(
                    _("Raised %(count)s new flags for the regulators' review.")
                    % {"count": f"{raised:,}"}
                )

    def summary(self, run: services.RegistryScoring) -> str:
        report, names = run.scores, run.names
        total = report.organizations or 1
        seconds = sum(report.seconds.values())
        style = self.style.WARNING if report.dry_run else self.style.SUCCESS
        heading = (
            _("Dry run: nothing was written.") + " " if report.dry_run else ""
        ) + _(
            "Scored %(count)s organizations as of %(as_of)s (methodology %(version)s) "
            "in %(seconds).1f s."
        ) % {
            "count": f"{report.organizations:,}",
            "as_of": report.as_of,
            "version": report.methodology_version,
            "seconds": seconds,
        }
        lines = [style(heading)]
        lines.append(
            "  "
            + _("%(changed)s changed (new score rows), %(unchanged)s unchanged")
            % {"changed": f"{report.changed:,}", "unchanged": f"{report.unchanged:,}"}
            + (
                ""
                if report.dry_run
                else "; "
                + _("%(reasons)s reasons written")
                % {"reasons": f"{report.reasons_written:,}"}
            )
        )
        lines.append("  " + _("Grades:"))
        for grade in ("A", "B", "C", "D", "not_rated"):
            count = report.grades.get(grade, 0)
            lines.append(f"    {grade:<10} {count:>10,}  {count / total:6.1%}")
        for why, count in sorted(report.not_rated.items()):
            lines.append(f"      {why:<22} {count:>10,}")
        lines.append("  " + _("Reasons (count, points deducted):"))
        for code, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {code:<26} {count:>10,}  {report.points[code]:>12,}")
        lines.append(
            "  "
            + _("Time: %(phases)s")
            % {
                "phases": ", ".join(
                    f"{phase} {value:.1f} s" for phase, value in report.seconds.items()
                )
            }
        )
        lines.append(
            "  "
            + _(
                "Unregistered names: %(names)s screened against %(registered)s "
                "registered; %(findings)s findings (%(added)s new, %(kept)s kept, "
                "%(removed)s removed) in %(seconds).1f s"
            )
            % {
                "names": f"{names.names:,}",
                "registered": f"{names.registered:,}",
                "findings": f"{names.findings:,}",
                "added": f"{names.added:,}",
                "kept": f"{names.kept:,}",
                "removed": f"{names.removed:,}",
                "seconds": names.seconds,
            }
        )
        return "\n".join(lines)

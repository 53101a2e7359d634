"""Fill the registry with the generated demo register of social organizations.

``make demo``, the test suite and the benchmarks need a realistic registry before any
real register is imported; orgs/demo.py generates one, with known misbehaviour planted
for the credit rules to find. The same arguments always write the same rows.
"""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from orgs.demo import (
    DemoConfig,
    DemoSummary,
    RegistryFlushError,
    RegistryNotEmptyError,
    demo_registry_count,
    demo_registry_seed,
    registry_is_empty,
)


class Command(BaseCommand):
    help = _(
        "Generate a deterministic demo registry of Chinese social organizations "
        "(same arguments, same rows) and write it in one transaction. The registry "
        "must be empty: with --flush every organization, filing, officer, event and "
        "unregistered name is deleted first, with the rows of other apps that "
        "cascade from them (credit scores); with --if-empty nothing happens when "
        "the registry already holds rows; with neither the command refuses."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orgs", type=int, default=3000, help=_("organizations (default 3000)")
        )
        parser.add_argument(
            "--years",
            type=int,
            default=5,
            help=_("fiscal years of annual reports (default 5)"),
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=_("random seed (default 1)")
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help=_(
                "the date to generate as of, YYYY-MM-DD (default today); the last "
                "fiscal year is the one before"
            ),
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--flush",
            action="store_true",
            help=_("delete the whole registry first"),
        )
        existing.add_argument(
            "--if-empty",
            action="store_true",
            help=_("do nothing if the registry already holds rows"),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("generate and count the rows without writing anything"),
        )

    def handle(self, *args, verbosity, **options):
        try:
            config = DemoConfig(
                organizations=options["orgs"],
                years=options["years"],
                seed=options["seed"],
                today=options["today"] or timezone.localdate(),
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["if_empty"] and not options["dry_run"] and not registry_is_empty():
            if verbosity > 0:
                self.stdout.write(_("The registry already holds rows; nothing to do."))
            return
        bar = tqdm(
            total=config.organizations,
            unit=" orgs",
            disable=verbosity == 0 or not sys.stderr.isatty(),
        )
        try:
            if options["dry_run"]:
                summary = demo_registry_count(config=config, progress=bar.update)
            else:
                summary = demo_registry_seed(
                    config=config, flush=options["flush"], progress=bar.update
                )
        except RegistryNotEmptyError:
            raise CommandError(
                _(
                    "The registry is not empty. Use --flush to replace it or "
                    "--if-empty to keep it."
                )
            ) from None
        except RegistryFlushError as error:
            raise CommandError(
                _("Cannot flush the registry, nothing was changed: %(reason)s")
                % {"reason": error}
            ) from None
        finally:
            bar.close()
        if verbosity > 0:
            self.stdout.write(
                self.style.SUCCESS(self.summary(config, summary, options))
            )

    def summary(self, config: DemoConfig, summary: DemoSummary, options) -> str:
        heading = (
            _("Dry run, nothing written. Would write")
            if options["dry_run"]
            else _("Wrote")
        )
        years = config.fiscal_years
        return _(
            "%(heading)s %(orgs)s organizations, %(filings)s annual reports "
            "(%(first)d-%(last)d), %(officers)s officers, %(events)s regulatory "
            "events, %(former)s former names and %(unregistered)s unregistered names "
            "in %(seconds).1f s (seed %(seed)d)."
        ) % {
            "heading": heading,
            "orgs": f"{summary.organizations:,}",
            "filings": f"{summary.filings:,}",
            "first": years.start,
            "last": years.stop - 1,
            "officers": f"{summary.officers:,}",
            "events": f"{summary.events:,}",
            "former": f"{summary.former_names:,}",
            "unregistered": f"{summary.unregistered_names:,}",
            "seconds": summary.seconds,
            "seed": config.seed,
        }

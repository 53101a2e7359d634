"""Measure how fast IRS 990 returns are parsed, on one core and on several.

``import_irs990 --workers`` spreads parsing over processes; this command says what
that buys on the machine at hand, so docs/benchmarks.md can give the figure and how
to reproduce it. Only parsing and conversion to filing records are timed (the
database write is the exchange importer's, measured elsewhere). Nothing is written.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.importers.irs990 import returns_benchmark


class Command(BaseCommand):
    help = _(
        "Parse IRS 990 returns (files or folders) repeatedly on 1 and on N processes "
        "and print returns parsed per second."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--repeat",
            type=int,
            default=20,
            help=_("parse the files this many times over (default 20)"),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help=_("processes for the parallel run (default: one per CPU)"),
        )

    def handle(self, *args, paths, repeat, workers, **options):
        if repeat < 1 or workers < 1:
            raise CommandError(_("--repeat and --workers must be at least 1"))
        missing = [path for path in paths if not os.path.exists(path)]
        if missing:
            raise CommandError(
                _("no such file or folder: %(paths)s") % {"paths": ", ".join(missing)}
            )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        self.stdout.write(
            _("%(cpus)d CPUs, load average %(load).1f before the runs")
            % {"cpus": os.cpu_count() or 1, "load": load}
        )
        runs = [1] if workers == 1 else [1, workers]
        for count in runs:
            result = returns_benchmark(paths=paths, repeat=repeat, workers=count)
            self.stdout.write(
                _(
                    "%(workers)d worker(s): %(returns)d returns in %(seconds).2f s, "
                    "%(rate).0f returns/s"
                )
                % {
                    "workers": count,
                    "returns": result.returns,
                    "seconds": result.seconds,
                    "rate": result.per_second,
                }
            )

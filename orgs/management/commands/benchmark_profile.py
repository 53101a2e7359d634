"""Time the public profile /orgs/<org_id>/ on the database as it is, and weigh it.

Issue 6 asks for a profile served in p95 ≤ 50 ms of server time at 1M organizations
and a first load under 300 KB; this command measures both on random organizations
(orgs/profile_benchmark.py) so docs/benchmarks.md can give the figures with the line
that produced them. It only reads.
"""

import statistics
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from orgs.profile_benchmark import EmptyRegistryError, profile_benchmark

P95_TARGET_MS = 50
WEIGHT_TARGET_BYTES = 300 * 1024


class Command(BaseCommand):
    help = _(
        "Time GET /orgs/<org_id>/ (server time through Django's test client: routing, "
        "queries, rendering) for random organizations of the current database, "
        "count its queries and weigh the first load (HTML + linked static files). "
        "Reads only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--requests",
            type=int,
            default=500,
            help=_("random organizations to request (default 500)"),
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=_("random seed (default 1)")
        )
        parser.add_argument(
            "--language",
            default="zh-hans",
            help=_("Accept-Language of the requests (default zh-hans)"),
        )

    def handle(self, *args, verbosity, **options):
        if options["requests"] < 1:
            raise CommandError(_("--requests must be at least 1."))

        def progress(items):
            return tqdm(
                items,
                unit=" requests",
                disable=verbosity == 0 or not sys.stderr.isatty(),
            )

        try:
            result = profile_benchmark(
                requests=options["requests"],
                seed=options["seed"],
                language=options["language"],
                progress=progress,
            )
        except EmptyRegistryError:
            raise CommandError(
                _("The registry is empty: run seed_demo or import_registry first.")
            ) from None
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        p95 = result.percentile(95)
        heaviest = result.heaviest_page_bytes
        lines = [
            _("%(orgs)s organizations on %(vendor)s, %(n)d random profiles")
            % {
                "orgs": f"{result.organizations:,}",
                "vendor": result.vendor,
                "n": len(result.latencies_ms),
            },
            _(
                "server time: p50 %(p50).1f ms, p95 %(p95).1f ms, mean %(mean).1f ms, "
                "max %(max).1f ms"
            )
            % {
                "p50": result.percentile(50),
                "p95": p95,
                "mean": statistics.mean(result.latencies_ms),
                "max": max(result.latencies_ms),
            },
            _("Django process CPU per request: median %(cpu).1f ms")
            % {"cpu": statistics.median(result.cpu_ms)},
            _("queries per request: min %(min)d, max %(max)d")
            % {"min": min(result.queries), "max": max(result.queries)},
            _(
                "page weight: HTML median %(median)s bytes, max %(max)s bytes; "
                "linked static files %(assets)s bytes (%(names)s); heaviest first "
                "load %(total)s bytes (%(kb).1f KB)"
            )
            % {
                "median": f"{int(statistics.median(result.html_bytes)):,}",
                "max": f"{max(result.html_bytes):,}",
                "assets": f"{result.asset_bytes:,}",
                "names": ", ".join(result.assets) or "-",
                "total": f"{heaviest:,}",
                "kb": heaviest / 1024,
            },
        ]
        for line in lines:
            self.stdout.write(line)
        met = p95 <= P95_TARGET_MS and heaviest < WEIGHT_TARGET_BYTES
        verdict = _("targets (p95 ≤ %(ms)d ms, first load < 300 KB): %(outcome)s") % {
            "ms": P95_TARGET_MS,
            "outcome": _("met") if met else _("NOT met"),
        }
        self.stdout.write(
            self.style.SUCCESS(verdict) if met else self.style.WARNING(verdict)
        )

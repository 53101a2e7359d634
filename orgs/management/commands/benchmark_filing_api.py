"""Measure the filing API: submissions per second and the latency of one submit call,
for valid filings and for filings that fail validation.

docs/benchmarks.md gives the figures and how to reproduce them. The command writes
organizations, tokens and filings to the configured database (PostgreSQL for figures
worth quoting) and removes them at the end unless --keep; --dry-run only says what it
would do. Requests go through Django's test Client in-process: the URL, middleware,
DRF view, token lookup, validation and services, without an HTTP server.
"""

import os
import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from orgs.submissions.benchmark import filing_api_benchmark


class Command(BaseCommand):
    help = _(
        "Create N organizations with a filing token each, POST M valid and M invalid "
        "filings through the API and report submissions/s and p50/p95 latency."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=1000)
        parser.add_argument(
            "--requests",
            type=int,
            default=1000,
            help=_("valid (and as many invalid) requests; at most --orgs"),
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help=_("keep the organizations, tokens and filings made for the run"),
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, orgs, requests, keep, dry_run, **options):
        if orgs < 1 or not 0 < requests <= orgs:
            raise CommandError(
                _("--orgs must be at least 1 and --requests between 1 and --orgs")
            )
        self.stdout.write(
            _("database: %(vendor)s; %(cpus)d CPUs, load average %(load).1f")
            % {
                "vendor": connection.vendor,
                "cpus": os.cpu_count() or 1,
                "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else -1,
            }
        )
        if dry_run:
            self.stdout.write(
                _(
                    "dry run: would create %(orgs)d organizations with a token each "
                    "and POST %(requests)d valid and %(requests)d invalid filings"
                )
                % {"orgs": orgs, "requests": requests}
            )
            return
        result = filing_api_benchmark(
            organizations=orgs,
            requests=requests,
            keep=keep,
            progress=self._progress(options["verbosity"]),
        )
        self.stdout.write(
            _("setup: %(orgs)d organizations and tokens in %(seconds).1f s")
            % {"orgs": result.organizations, "seconds": result.setup_seconds}
        )
        for label, timings, expected in (
            (_("valid (saved and submitted)"), result.valid, 201),
            (_("invalid (refused by validation)"), result.invalid, 400),
        ):
            statuses = Counter(timings.statuses)
            line = _(
                "%(label)s: %(requests)d requests in %(seconds).1f s = %(rate).1f/s; "
                "p50 %(p50).1f ms, p95 %(p95).1f ms; %(queries)d queries each; "
                "statuses %(statuses)s"
            ) % {
                "label": label,
                "requests": timings.requests,
                "seconds": timings.seconds,
                "rate": timings.per_second,
                "p50": timings.percentile(50) * 1000,
                "p95": timings.percentile(95) * 1000,
                "queries": timings.queries,
                "statuses": dict(sorted(statuses.items())),
            }
            if set(statuses) == {expected}:
                self.stdout.write(self.style.SUCCESS(line))
            else:
                self.stdout.write(self.style.ERROR(line))
                raise CommandError(
                    _("expected every %(label)s request to answer %(status)d")
                    % {"label": label, "status": expected}
                )
        if keep:
            self.stdout.write(_("kept the organizations, tokens and filings"))

    def _progress(self, verbosity: int):
        if verbosity < 1 or not sys.stderr.isatty():
            return lambda items, _label: items
        from tqdm import tqdm

        return lambda items, label: tqdm(items, desc=label, unit="req", leave=False)

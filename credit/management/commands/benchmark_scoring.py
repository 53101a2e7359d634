"""Measure ``score_orgs`` against simply reading the same rows, and single rescoring.

Benchmarks live in commands, not in timed tests: the figures go to docs/benchmarks.md
with the command line that produced them. One process does everything, in this order:
read every chunk the engine reads and throw it away (the floor any scoring pays), score
the registry with ``score_orgs`` (writing unless ``--dry-run``), read again (warm
cache), then rescore random organizations one by one. It prints a Markdown table.
"""

import random
import resource
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from credit import engine
from orgs.models import Organization


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Command(BaseCommand):
    help = "Time score_orgs against reading the same rows; time single rescoring."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=engine.CHUNK_SIZE)
        parser.add_argument("--dry-run", action="store_true", help="write nothing")
        parser.add_argument(
            "--rescore", type=int, default=200, help="organizations rescored one by one"
        )
        parser.add_argument("--seed", type=int, default=1)

    def read_all(self, chunk_size: int) -> tuple[float, int, int]:
        start = time.perf_counter()
        filings = events = 0
        for chunk in engine.read_registry(chunk_size=chunk_size):
            filings += len(chunk.filings)
            events += len(chunk.events)
        return time.perf_counter() - start, filings, events

    def handle(self, *args, chunk_size, dry_run, rescore, seed, **options):
        total = Organization.objects.count()
        if not total:
            raise CommandError("The registry is empty: run seed_demo first.")
        as_of = max(timezone.localdate(), engine.latest_as_of() or timezone.localdate())
        self.stdout.write(
            f"{total:,} organizations on {connection.vendor}, as of {as_of}"
        )

        cold, filings, events = self.read_all(chunk_size)
        self.stdout.write(f"read (cold): {cold:.1f} s")
        report = engine.score_orgs(as_of=as_of, dry_run=dry_run, chunk_size=chunk_size)
        scoring = sum(report.seconds.values())
        self.stdout.write(f"score_orgs: {scoring:.1f} s {dict(report.seconds)}")
        warm, _, _ = self.read_all(chunk_size)
        self.stdout.write(f"read (warm): {warm:.1f} s")

        rng = random.Random(seed)  # noqa: S311 - sampling, not security
        ids = list(Organization.objects.values_list("id", flat=True))
        times = []
        for pk in rng.sample(ids, min(rescore, len(ids))) if not dry_run else []:
            org = Organization.objects.get(pk=pk)
            start = time.perf_counter()
            engine.score_organization(org, as_of=as_of)
            times.append((time.perf_counter() - start) * 1000)

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        after_read = report.seconds["facts"] + report.seconds["rules"]
        rows = [
            (
                "organizations / filings / events",
                f"{total:,} / {filings:,} / {events:,}",
            ),
            ("chunk size", f"{chunk_size:,}"),
            ("read only, cold / warm", f"{cold:.1f} s / {warm:.1f} s"),
            ("score_orgs total", f"{scoring:.1f} s"),
            *[
                (f"  {phase}", f"{value:.1f} s")
                for phase, value in report.seconds.items()
            ],
            ("scoring after loading (facts + rules)", f"{after_read:.1f} s"),
            ("score_orgs / warm read", f"{scoring / warm:.2f}"),
            (
                "scores changed / reasons written",
                f"{report.changed:,} / {report.reasons_written:,}",
            ),
            ("peak RSS of this process", f"{peak_mb:,.0f} MB"),
        ]
        if times:
            rows.append(
                (
                    f"score_organization, {len(times)} random",
                    f"p50 {percentile(times, 0.5):.1f} ms, p95 "
                    f"{percentile(times, 0.95):.1f} ms, mean {statistics.mean(times):.1f} ms",
                )
            )
        self.stdout.write("")
        self.stdout.write("| Measure | Value |")
        self.stdout.write("|---|---|")
        for label, value in rows:
            self.stdout.write(f"| {label} | {value} |")

"""Time ``seed_demo`` and measure its peak memory, for docs/benchmarks.md.

    DATABASE_URL=postgres://... .venv/bin/python scripts/bench_seed.py --orgs 1000000

Migrates the database, then runs ``manage.py seed_demo --flush`` in a child process
(so the figures are the command's own: wall time, and peak resident set size as
``/usr/bin/time -v`` reports it) and prints a Markdown table row. It REPLACES the
registry in that database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=dt.date.today().isoformat())
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("bench_seed: set DATABASE_URL (e.g. $(scripts/postgres start))")

    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, cwd=ROOT)  # noqa: S603
    seed = [
        *manage,
        "seed_demo",
        "--flush",
        f"--orgs={args.orgs}",
        f"--years={args.years}",
        f"--seed={args.seed}",
        f"--today={args.today}",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(seed, check=True, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:  # the migrate child was larger; not expected
        sys.stderr.write(
            "bench_seed: peak RSS may be migrate's, use /usr/bin/time -v\n"
        )

    sys.stdout.write(result.stdout)
    sys.stdout.write(
        "\n| date | organizations | years | wall time | peak RSS | machine |\n"
        "|---|---|---|---|---|---|\n"
        f"| {dt.date.today()} | {args.orgs:,} | {args.years} "
        f"| {int(seconds // 60)} min {seconds % 60:.0f} s | {peak_kib / 1024:.0f} MiB "
        f"| {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()} |\n"
    )


if __name__ == "__main__":
    main()

"""Benchmark ``import_registry`` against PostgreSQL's own COPY of the same rows.

    .venv/bin/python scripts/bench_import.py generate --orgs 200000 --out FILE
    .venv/bin/python scripts/bench_import.py run --file FILE [--export-from DBNAME]

``run`` (needs ``scripts/postgres start``): optionally exports FILE from an existing
database with ``export_registry`` (timed), imports FILE into a fresh migrated database
PREFIX_import (timed), exports that database again and compares the bytes with FILE
(the round trip; equal when FILE came from export), copies the five registry tables
out of it with COPY, and loads them with COPY into a second fresh migrated database
PREFIX_copy (timed), in one transaction like the import. It prints a Markdown table
for ``docs/benchmarks.md``: wall-clock seconds, rows per second, CPU seconds of the
client processes (with the import's worker processes) and of the PostgreSQL backends,
and the load average when each step started, since a shared machine skews wall time.

``generate`` writes a synthetic registry in the exchange format, for when no large
database is at hand. It is deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgs.identifiers import USCC_CHARSET, uscc_check_character  # noqa: E402

PG = {"host": "127.0.0.1", "port": os.environ.get("SUNSHINE_PG_PORT", "54329")}
TABLES = [
    "orgs_organization",
    "orgs_formername",
    "orgs_officer",
    "orgs_filing",
    "orgs_regulatoryevent",
]
CN_TYPES = {"1": "social_group", "2": "social_service_agency", "3": "foundation"}
REGIONS = ["110000", "310000", "440100", "440300", "330100", "510100", "420100"]
EVENT_KINDS = ["warning", "fine", "mail_returned", "list_entry", "name_change"]


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def money(rng: random.Random, scale: float) -> str:
    return f"{rng.uniform(0, scale):.2f}"


def synthetic_organization(rng: random.Random, number: int, years: int) -> dict:
    kind = rng.random()
    if kind < 0.7:
        type_digit = rng.choice("123")
        body = "".join(rng.choice(USCC_CHARSET) for _ in range(9))
        first17 = f"5{type_digit}{rng.choice(REGIONS)}{body}"
        identifier = first17 + uscc_check_character(first17)
        registry, org_id, org_type = (
            "CN-MCA",
            f"CN-USCC-{identifier}",
            CN_TYPES[type_digit],
        )
        currency, form = "CNY", "annual_report"
    elif kind < 0.9:
        identifier = f"{number:09d}"
        registry, org_id = "US-IRS", f"US-EIN-{identifier}"
        org_type, currency, form = "public_charity", "USD", "990"
    else:
        identifier = str(100000 + number)
        registry, org_id = "GB-CCNI", f"GB-NIC-{identifier}"
        org_type, currency, form = "charity", "GBP", "ccni_annual_return"
    registered = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12000))
    filings = []
    for year in range(2024 - years, 2024):
        assets = rng.uniform(1e4, 1e8)
        liabilities = assets * rng.uniform(0, 0.6)
        filings.append(
            {
                "fiscal_year": year,
                "version": 1,
                "superseded": False,
                "form": form,
                "period_start": f"{year}-01-01",
                "period_end": f"{year}-12-31",
                "due_on": f"{year + 1}-05-31",
                "submitted_on": f"{year + 1}-0{rng.randrange(3, 8)}-1{rng.randrange(10)}",
                "currency": currency,
                "income": {
                    "donations": money(rng, 5e6),
                    "government_grants": money(rng, 1e6),
                    "services": money(rng, 1e6),
                    "investment": money(rng, 1e5),
                    "other": money(rng, 1e4),
                },
                "expenses": {
                    "programs": money(rng, 5e6),
                    "management": money(rng, 1e6),
                    "fundraising": money(rng, 2e5),
                    "other": money(rng, 1e4),
                },
                "total_assets": f"{assets:.2f}",
                "total_liabilities": f"{liabilities:.2f}",
                "net_assets": f"{assets - liabilities:.2f}",
                "employees": rng.randrange(0, 200),
                "volunteers": rng.randrange(0, 1000),
                "audit_opinion": rng.choice(["unqualified", "qualified", "none"]),
                "source": "synthetic",
                "source_document": "",
            }
        )
    events = [
        {
            "date": f"{rng.randrange(2015, 2024)}-0{rng.randrange(1, 10)}-15",
            "kind": rng.choice(EVENT_KINDS),
            "amount": None,
            "authority": "Civil affairs bureau",
            "reference": f"REF-{number}-{n}",
            "detail": "",
        }
        for n in range(rng.choice([0, 0, 1, 1, 2]))
    ]
    events.sort(key=lambda event: (event["date"], event["kind"], event["reference"]))
    return {
        "org_id": org_id,
        "registry": registry,
        "identifier": identifier,
        "name": f"示例公益组织{number}号",
        "name_en": f"Example Organization {number}",
        "org_type": org_type,
        "charity": rng.random() < 0.3,
        "public_fundraising": rng.random() < 0.05,
        "registration_level": rng.choice(["national", "provincial", "municipal"]),
        "registering_authority": "民政局",
        "region": rng.choice(REGIONS),
        "registered_on": registered.isoformat(),
        "status": "active",
        "status_changed_on": None,
        "legal_representative": "张三",
        "address": f"示例路{number}号",
        "website": "",
        "purpose": "扶贫济困，助学助医。",
        "causes": ["education"],
        "former_names": (
            [{"name": f"旧名{number}", "until": "2015-06-30"}]
            if number % 10 == 0
            else []
        ),
        "officers": [
            {"name": "张三", "role": "理事长"},
            {"name": "李四", "role": "秘书长"},
        ],
        "filings": filings,
        "events": events,
    }


def generate(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not secrets
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    seen = set()
    with out.open("w", encoding="utf-8") as stream:
        number = 0
        while len(seen) < args.orgs:
            number += 1
            org = synthetic_organization(rng, number, args.years)
            if org["org_id"] in seen:
                continue
            seen.add(org["org_id"])
            stream.write(
                json.dumps(org, ensure_ascii=False, separators=(",", ":")) + "\n"
            )
    say(f"wrote {args.orgs} organizations to {out}")


def psql(*args: str, database: str = "postgres") -> str:
    command = ["psql", "-h", PG["host"], "-p", PG["port"], "-U", "postgres"]
    command += ["-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", *args]
    # Fixed commands over constant table names: nothing here comes from outside.
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return done.stdout


def database_url(name: str) -> str:
    return f"postgres://sunshine:sunshine@{PG['host']}:{PG['port']}/{name}"


CLIENT_CPU: dict[str, float] = {}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def manage(database: str, *args: str) -> float:
    """Run a management command against ``database``; its wall-clock seconds.

    Its CPU seconds (with its worker processes) go to CLIENT_CPU[args[0]].
    """
    env = {**os.environ, "DATABASE_URL": database_url(database)}
    cpu = children_cpu()
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], check=True, env=env, cwd=ROOT
    )
    CLIENT_CPU[args[0]] = children_cpu() - cpu
    return time.perf_counter() - started


def fresh_database(name: str) -> None:
    psql("-c", f"DROP DATABASE IF EXISTS {name}")
    psql("-c", f"CREATE DATABASE {name} OWNER sunshine")
    manage(name, "migrate", "--verbosity", "0")


def row_counts(database: str) -> dict[str, int]:
    return {
        table: int(psql("-c", f"SELECT count(*) FROM {table}", database=database))  # noqa: S608
        for table in TABLES
    }


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving ``database`` during a step.

    Sampled from /proc every half second while the step runs (the backend is gone
    when it ends), so it undercounts by at most that much per connection.
    """

    def __init__(self, database: str):
        self.database = database
        self.ticks: dict[int, int] = {}
        self.done = threading.Event()

    def __enter__(self) -> ServerCpu:
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        # The name is one of the two scratch databases of this script.
        where = f"datname = '{self.database}' AND pid <> pg_backend_pid()"
        query = "SELECT pid FROM pg_stat_activity WHERE " + where  # noqa: S608
        while not self.done.wait(0.5):
            for pid in psql("-c", query).split():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
                except OSError:
                    continue
                fields = stat.split()
                used = int(fields[11]) + int(fields[12])  # utime + stime
                self.ticks[int(pid)] = max(used, self.ticks.get(int(pid), 0))


def _same_bytes(one: Path, other: Path, block: int = 1 << 24) -> bool:
    if one.stat().st_size != other.stat().st_size:
        return False
    with one.open("rb") as a, other.open("rb") as b:
        while chunk := a.read(block):
            if chunk != b.read(block):
                return False
    return True


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def run(args: argparse.Namespace) -> None:
    source = Path(args.file).resolve()
    importing, copying = f"{args.prefix}_import", f"{args.prefix}_copy"
    timings: dict[str, float] = {}
    loads: dict[str, str] = {}
    cpu: dict[str, float] = {}
    server_cpu: dict[str, float] = {}
    if args.export_from:
        loads["export"] = load()
        say(f"exporting {args.export_from} to {source}")
        timings["export"] = manage(args.export_from, "export_registry", str(source))
        cpu["export"] = CLIENT_CPU["export_registry"]
    size = source.stat().st_size

    say(f"importing into a fresh database {importing}")
    fresh_database(importing)
    loads["import"] = load()
    with ServerCpu(importing) as server:
        timings["import"] = manage(importing, "import_registry", str(source))
    cpu["import"] = CLIENT_CPU["import_registry"]
    server_cpu["import"] = server.seconds
    counts = row_counts(importing)

    again = source.with_name(source.stem + ".again.jsonl")
    say(f"exporting {importing} to {again}")
    loads["export again"] = load()
    timings["export again"] = manage(importing, "export_registry", str(again))
    cpu["export again"] = CLIENT_CPU["export_registry"]
    identical = _same_bytes(again, source)

    dump = ROOT / "var" / "bench" / f"{args.prefix}-copy"
    dump.mkdir(parents=True, exist_ok=True)
    say(f"copying the tables of {importing} out to {dump}")
    for table in TABLES:
        psql("-c", f"\\copy {table} TO '{dump / table}.tsv'", database=importing)
    script = dump / "load.sql"
    script.write_text(
        "BEGIN;\n"
        + "".join(f"\\copy {table} FROM '{dump / table}.tsv'\n" for table in TABLES)
        + "COMMIT;\n"
    )
    say(f"loading the same rows with COPY into a fresh database {copying}")
    fresh_database(copying)
    loads["copy"] = load()
    before = children_cpu()
    started = time.perf_counter()
    with ServerCpu(copying) as server:
        psql("-f", str(script), database=copying)
    timings["copy"] = time.perf_counter() - started
    cpu["copy"] = children_cpu() - before
    server_cpu["copy"] = server.seconds
    if row_counts(copying) != counts:
        raise SystemExit("COPY loaded different row counts")

    rows = sum(counts.values())
    say("")
    say(
        f"file: {source.name}, {size / 1e9:.2f} GB, {counts['orgs_organization']:,} organizations"
    )
    say("rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    say("")
    say("| step | wall s | rows/s | client CPU s | server CPU s | load avg at start |")
    say("| --- | ---: | ---: | ---: | ---: | ---: |")
    for step, seconds in timings.items():
        server = f"{server_cpu[step]:,.1f}" if step in server_cpu else "-"
        say(
            f"| {step} | {seconds:,.1f} | {rows / seconds:,.0f} | {cpu[step]:,.1f}"
            f" | {server} | {loads[step]} |"
        )
    say("")
    say(f"import / COPY = {timings['import'] / timings['copy']:.2f}x (wall clock)")
    say(
        "import / COPY = "
        f"{(cpu['import'] + server_cpu['import']) / (cpu['copy'] + server_cpu['copy']):.2f}x"
        " (client + server CPU seconds)"
    )
    say(f"export of {importing} is byte-identical to {source.name}: {identical}")
    if not args.keep:
        for name in (importing, copying):
            psql("-c", f"DROP DATABASE IF EXISTS {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("--orgs", type=int, default=200_000)
    gen.add_argument("--years", type=int, default=5)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", default="var/bench/registry.jsonl")
    gen.set_defaults(handler=generate)
    bench = commands.add_parser("run")
    bench.add_argument("--file", required=True, help="the JSON Lines file")
    bench.add_argument(
        "--export-from", help="a database to export into --file first (timed)"
    )
    bench.add_argument("--keep", action="store_true", help="keep the scratch databases")
    bench.add_argument(
        "--prefix",
        default="bench",
        help="scratch databases are PREFIX_import, PREFIX_copy",
    )
    bench.set_defaults(handler=run)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()

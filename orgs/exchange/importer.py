"""Import a registry file in the exchange format: check every line, then write.

Two passes keep memory bounded whatever the file's size. The first reads and checks
every line (in worker processes for a large file) and keeps in memory only the
problems and the org_ids seen, to catch duplicates. The second writes, in chunks,
inside one transaction, so a file is imported whole or not at all. Into a registry
that already has organizations it reads the file again and writes only what differs.
Into an empty one, the first pass has also kept the checked rows in a temporary file,
and the second streams them into the database (with COPY where it can) without
parsing the file again.

Writing is idempotent. Organizations are matched on ``org_id``; filings on
(organization, fiscal_year, version); events on their natural key (date, kind, amount,
authority, reference), with ``detail`` as the one field that can change; former names
on their name. Officers are the organization's list, replaced only when it differs.
Import never deletes: a filing or event missing from a line stays in the database.

Each import is recorded as an ``ImportRun`` (``orgs/provenance.py``) in the same
transaction: the organizations it creates or changes point at it.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import pickle
import queue
import shutil
import sys
import tempfile
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from search.services import outbox_record

from ..follows import filings_followers_notify
from ..models import (
    Filing,
    FormerName,
    ImportRun,
    ImportSource,
    Officer,
    Organization,
    RegulatoryEvent,
)
from ..provenance import file_sha256, import_run_finish, import_run_start
from .schema import (
    EVENT,
    EVENT_DETAIL,
    FILING,
    FILING_KEY,
    FORMER_NAME,
    OFFICER,
    ORGANIZATION,
    OrganizationRecord,
    Problem,
    parse_line,
    raw_organization,
    read_organization,
)

CHUNK_SIZE = 2000
MAX_REPORTED_PROBLEMS = 100
PROGRESS_EVERY = 1000  # lines between progress-bar updates
CHECK_BATCH_SIZE = 500  # lines a checking worker takes at a time
PARALLEL_MIN_BYTES = 16 * 1024 * 1024  # smaller files are checked in-process


class RegistryFileError(Exception):
    """The file cannot be read, or changed while it was being imported."""


class RegistryWriteError(Exception):
    """The database refused the import; the transaction was rolled back."""


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import found and did. Nothing is written when ``problems`` is not empty."""

    path: str
    dry_run: bool = False
    organizations_read: int = 0
    invalid_lines: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first ones only
    organizations: Tally = field(default_factory=Tally)
    filings: Tally = field(default_factory=Tally)
    events: Tally = field(default_factory=Tally)
    import_run: ImportRun | None = None  # rolled back with a dry run

    def counts(self) -> dict[str, dict[str, int]]:
        """The tallies as plain data, for the import run's record."""
        return {
            name: {
                "created": tally.created,
                "updated": tally.updated,
                "unchanged": tally.unchanged,
            }
            for name, tally in (
                ("organizations", self.organizations),
                ("filings", self.filings),
                ("events", self.events),
            )
        }

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)


def registry_import(
    *,
    path: str | Path,
    dry_run: bool = False,
    progress: bool = False,
    workers: int | None = None,
    import_run: ImportRun | None = None,
) -> ImportReport:
    """Import the registry file at ``path`` (``-`` reads standard input).

    Returns a report; when it lists problems nothing was written. With ``dry_run``
    everything is done in a transaction that is then rolled back, so the counts are
    what a real import would do. ``workers`` processes check lines in parallel (by
    default one per CPU for files over a few megabytes).

    Without ``import_run`` the import records its own run (source: a registry file,
    with the file's checksum); a source importer that converted another file passes
    the run it opened for that file, and closes it itself.
    """
    report = ImportReport(path=str(path), dry_run=dry_run)
    # Into an empty registry the first pass also keeps the checked rows, on disk, so
    # the second pass loads them without parsing the file again.
    spooling = not Organization.objects.exists()
    with (
        _opened(path) as stream,
        tempfile.TemporaryFile() if spooling else nullcontext() as spool,
    ):
        identity = _identity(stream)
        sha256 = file_sha256(stream=stream) if import_run is None else ""
        if workers is None:
            workers = (os.cpu_count() or 1) if identity[0] > PARALLEL_MIN_BYTES else 1
        _check_lines(stream, report, progress=progress, workers=workers, spool=spool)
        if report.problem_count or not report.organizations_read:
            return report
        try:
            with transaction.atomic():
                started = timezone.now()
                run = import_run or import_run_start(
                    source=ImportSource.REGISTRY_FILE,
                    file_name=str(path),
                    sha256=sha256,
                )
                report.import_run = run
                _write_lines(
                    stream, report, progress=progress, spool=spool, run_id=run.pk
                )
                # Created and updated organizations carry this import's time: queue
                # them for the search index in the same transaction (never lose one).
                outbox_record(
                    organization_ids=Organization.objects.filter(
                        updated_at__gte=started
                    ).values_list("id", flat=True)
                )
                if _identity(stream) != identity:
                    raise RegistryFileError(
                        _("%(path)s changed while it was being imported")
                        % {"path": path}
                    )
                if import_run is None:
                    import_run_finish(run=run, counts=report.counts())
                if dry_run:
                    transaction.set_rollback(True)
        except DatabaseError as error:
            raise RegistryWriteError(str(error).strip()) from error
    return report


@contextmanager
def _opened(path: str | Path) -> Iterator[BinaryIO]:
    if str(path) == "-":
        # Standard input cannot be read twice: keep a copy on disk, not in memory.
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
            spool.seek(0)
            yield spool
        return
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, errors reported first
    except FileNotFoundError:
        raise RegistryFileError(_("%(path)s: no such file") % {"path": path}) from None
    except IsADirectoryError:
        raise RegistryFileError(
            _("%(path)s is a directory, not a file") % {"path": path}
        ) from None
    except OSError as error:
        raise RegistryFileError(
            _("%(path)s cannot be read: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from None
    with stream:
        yield stream


def _identity(stream: BinaryIO) -> tuple[int, int]:
    stat = os.fstat(stream.fileno())
    return stat.st_size, stat.st_mtime_ns


def _size(stream: BinaryIO) -> int:
    return os.fstat(stream.fileno()).st_size


def _raw_lines(stream: BinaryIO, *, progress: bool, desc: str) -> Iterator[tuple]:
    """(line number, bytes) for each line, with a progress bar over the file's bytes."""
    with tqdm(
        total=_size(stream),
        desc=desc,
        unit="B",
        unit_scale=True,
        disable=not progress,
        leave=False,
    ) as bar:
        done = 0
        number = 0
        try:
            for number, raw in enumerate(stream, start=1):  # noqa: B007
                done += len(raw)
                if number % PROGRESS_EVERY == 0:
                    bar.update(done)
                    done = 0
                yield number, raw
        except OSError as error:
            raise RegistryFileError(
                _("reading stopped after line %(line)d: %(reason)s")
                % {"line": number, "reason": error.strerror or error}
            ) from None
        bar.update(done)


BLANK = object()


def _parse(number: int, raw: bytes) -> object:
    """A line's JSON value, a Problem saying why it has none, or BLANK."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(
            number,
            "",
            _(
                "is not UTF-8 text (byte 0x%(byte)02x at column %(column)d); "
                "save the file as UTF-8"
            )
            % {"byte": raw[error.start], "column": error.start + 1},
        )
    if number == 1 and text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark some editors add
    if not text.strip():
        return BLANK
    try:
        return parse_line(text)
    except RecursionError:
        return Problem(number, "", _("is nested too deeply"))
    except ValueError as error:
        if hasattr(error, "pos"):
            # Past the end means the line ended too soon.
            column = min(error.pos, len(text.rstrip("\r\n"))) + 1
            reason = f"{error.msg} (column {column})"
        else:
            reason = str(error)
        return Problem(
            number, "", _("is not valid JSON: %(reason)s") % {"reason": reason}
        )


def _lines(stream: BinaryIO, *, progress: bool, desc: str) -> Iterator[tuple]:
    """(line number, parsed JSON value or a Problem) for each non-blank line."""
    for number, raw in _raw_lines(stream, progress=progress, desc=desc):
        item = _parse(number, raw)
        if item is not BLANK:
            yield number, item


def _check_batch(batch: list[tuple[int, bytes]], spool: bool = False) -> tuple:
    """(line number, problems, org_id) for each non-blank line of a batch, and with
    ``spool`` the batch's rows, pickled, for loading into an empty registry.

    Pure (no database), so worker processes can run it.
    """
    checked, records = [], []
    for number, raw in batch:
        item = _parse(number, raw)
        if item is BLANK:
            continue
        if type(item) is Problem:
            checked.append((number, [item], None))
            continue
        _record, problems = read_organization(item, line=number)
        org_id = item.get("org_id") if type(item) is dict else None
        checked.append((number, problems, org_id if type(org_id) is str else None))
        if spool and not problems:
            record = raw_organization(item, line=number)
            records.append(
                (
                    record.line,
                    record.organization,
                    record.former_names,
                    record.officers,
                    record.filings,
                    record.events,
                )
            )
    return checked, pickle.dumps(records, protocol=5) if spool else None


def _batches(lines: Iterator[tuple], size: int) -> Iterator[list]:
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _checked_in_parallel(
    batches: Iterator[list], *, workers: int, spool: bool
) -> Iterator[tuple]:
    """``_check_batch`` of each batch, in order, spread over worker processes.

    At most a few batches are in flight, so memory stays bounded however large the
    file (``Pool.imap`` would read the whole file ahead).
    """
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending = deque()
        for batch in batches:
            pending.append(pool.apply_async(_check_batch, (batch, spool)))
            if len(pending) > 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _check_lines(
    stream: BinaryIO,
    report: ImportReport,
    *,
    progress: bool,
    workers: int,
    spool: BinaryIO | None,
) -> None:
    """The first pass: every problem in the file. Kept in memory: the org_ids seen;
    on disk, in ``spool`` if given, the rows of the checked lines."""
    batches = _batches(
        _raw_lines(stream, progress=progress, desc=_("checking")), CHECK_BATCH_SIZE
    )
    keep = spool is not None
    results = (
        _checked_in_parallel(batches, workers=workers, spool=keep)
        if workers > 1
        else (_check_batch(batch, keep) for batch in batches)
    )
    first_line: dict[str, int] = {}
    for checked, rows in results:
        if keep and not report.problem_count:
            spool.write(rows)
        for number, problems, org_id in checked:
            report.organizations_read += 1
            if org_id is not None:
                seen_on = first_line.setdefault(org_id, number)
                if seen_on != number:
                    problems.append(
                        Problem(
                            number,
                            "org_id",
                            _(
                                '"%(org_id)s" is also on line %(line)d; '
                                "give each organization one line"
                            )
                            % {"org_id": org_id, "line": seen_on},
                        )
                    )
            if problems:
                report.invalid_lines += 1
                for problem in problems:
                    report.add_problem(problem)


def _write_lines(
    stream: BinaryIO,
    report: ImportReport,
    *,
    progress: bool,
    spool: BinaryIO | None,
    run_id: int,
) -> None:
    """The second pass: the file is known to be valid; write it chunk by chunk."""
    rows = RowWriter.for_connection(run_id=run_id)
    if spool is None or Organization.objects.exists():
        stream.seek(0)
        for chunk in _record_chunks(stream, progress=progress):
            _write_chunk(chunk, report, rows)
        return
    # An empty registry: every row is new and there is nothing to compare, so the
    # rows kept by the first pass stream in while the next chunk is read.
    with rows.creating() as create:
        for chunk in _spooled_chunks(spool, progress=progress):
            batch = NewOrganizations.of(chunk)
            create(batch)
            _count_created(batch, report)


def _record_chunks(
    stream: BinaryIO, *, progress: bool
) -> Iterator[list[OrganizationRecord]]:
    """Records of CHUNK_SIZE lines at a time, read and checked again."""
    chunk: list[OrganizationRecord] = []
    for number, item in _lines(stream, progress=progress, desc=_("writing")):
        record, problems = (
            (None, [item])
            if type(item) is Problem
            else read_organization(item, line=number)
        )
        if problems:
            raise RegistryFileError(
                _("line %(line)d changed while the file was being imported")
                % {"line": number}
            )
        chunk.append(record)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _spooled_chunks(
    spool: BinaryIO, *, progress: bool
) -> Iterator[list[OrganizationRecord]]:
    """Records of about CHUNK_SIZE lines at a time, from the first pass's spool."""
    size = spool.tell()
    spool.seek(0)
    chunk: list[OrganizationRecord] = []
    with tqdm(
        total=size,
        desc=_("writing"),
        unit="B",
        unit_scale=True,
        disable=not progress,
        leave=False,
    ) as bar:
        while spool.tell() < size:
            start = spool.tell()
            # Our own temporary file, written by _check_batch a moment ago.
            records = pickle.load(spool)  # noqa: S301
            chunk.extend(OrganizationRecord(*record) for record in records)
            bar.update(spool.tell() - start)
            if len(chunk) >= CHUNK_SIZE:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


@dataclass
class NewOrganizations:
    """Organizations to create with everything under them. Until the organizations
    have primary keys, each child row starts with its organization's position."""

    organizations: list[list]
    children: list[tuple[type, tuple[str, ...], list[tuple]]]

    @classmethod
    def of(cls, records: list[OrganizationRecord]) -> NewOrganizations:
        filings, events, former_names, officers = [], [], [], []
        for index, record in enumerate(records):
            filings.extend((index, *filing) for filing in record.filings)
            events.extend((index, *event) for event in record.events)
            former_names.extend((index, *name) for name in record.former_names)
            officers.extend((index, *officer) for officer in record.officers)
        return cls(
            [record.organization for record in records],
            [
                (Filing, FILING_INSERT, filings),
                (RegulatoryEvent, EVENT_INSERT, events),
                (FormerName, FORMER_NAME_INSERT, former_names),
                (Officer, OFFICER_INSERT, officers),
            ],
        )


FILING_INSERT = ("organization_id", *FILING.columns)
EVENT_INSERT = ("organization_id", *EVENT.columns)
FORMER_NAME_INSERT = ("organization_id", *FORMER_NAME.columns)
OFFICER_INSERT = ("organization_id", *OFFICER.columns)


def _count_created(batch: NewOrganizations, report: ImportReport) -> None:
    report.organizations.created += len(batch.organizations)
    report.filings.created += len(batch.children[0][2])
    report.events.created += len(batch.children[1][2])


class RowWriter:
    """Inserts new rows: with COPY where the database driver offers it, else bulk_create.

    The choice is made on what the driver can do (psycopg 3 cursors have ``copy``), so
    feature code never asks which database it is on.
    """

    def __init__(self, *, now: dt.datetime, run_id: int):
        self.now = now
        self.run_id = run_id  # the import run every row written is stamped with

    @classmethod
    def for_connection(cls, *, run_id: int) -> RowWriter:
        with connection.cursor() as cursor:
            can_copy = callable(getattr(cursor.cursor, "copy", None))
        return (CopyRowWriter if can_copy else cls)(now=timezone.now(), run_id=run_id)

    def create(self, batch: NewOrganizations) -> None:
        pks = self.organizations(batch.organizations)
        for model, columns, rows in batch.children:
            self.insert(model, columns, [(pks[row[0]], *row[1:]) for row in rows])

    @contextmanager
    def creating(self) -> Iterator[Callable[[NewOrganizations], None]]:
        """A function that creates batches; it may work on one while the next is read."""
        yield self.create

    def organizations(self, rows: list[list]) -> list[int]:
        """Insert organizations; their new primary keys, in order."""
        objects = [
            Organization(
                last_import_id=self.run_id,
                **dict(zip(ORGANIZATION.columns, row, strict=True)),
            )
            for row in rows
        ]
        Organization.objects.bulk_create(objects)
        if any(obj.pk is None for obj in objects):  # no RETURNING on this database
            pks = dict(
                Organization.objects.filter(
                    org_id__in=[obj.org_id for obj in objects]
                ).values_list("org_id", "id")
            )
            return [pks[obj.org_id] for obj in objects]
        return [obj.pk for obj in objects]

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if rows:
            model.objects.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in rows],
                batch_size=5000,
            )


class CopyRowWriter(RowWriter):
    """COPY on the transaction's own driver connection.

    ``creating`` hands batches to a thread: the driver waits for the server without
    holding the GIL, so PostgreSQL loads one chunk while Python reads the next. Only
    the thread touches the connection meanwhile.
    """

    def __init__(self, *, now: dt.datetime, run_id: int):
        super().__init__(now=now, run_id=run_id)
        self.driver_connection = connection.connection
        self.database_errors = connection.wrap_database_errors
        self.quote = connection.ops.quote_name  # the thread must not touch `connection`

    @contextmanager
    def creating(self) -> Iterator[Callable[[NewOrganizations], None]]:
        work: queue.Queue = queue.Queue(maxsize=2)
        failures: list[BaseException] = []
        stop = threading.Event()

        def run():
            while (batch := work.get()) is not None:
                if stop.is_set() or failures:
                    continue  # drain, so that the reader never blocks
                try:
                    self.create(batch)
                except BaseException as error:  # noqa: BLE001 - re-raised by the reader
                    failures.append(error)

        def create(batch: NewOrganizations) -> None:
            if failures:
                raise failures[0]
            work.put(batch)

        thread = threading.Thread(target=run, name="registry-copy", daemon=True)
        thread.start()
        try:
            yield create
        except BaseException:
            stop.set()
            raise
        finally:
            work.put(None)
            thread.join()
        if failures:
            raise failures[0]

    def organizations(self, rows: list[list]) -> list[int]:
        table = Organization._meta.db_table
        with self.database_errors, self.driver_connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                " FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        causes = ORGANIZATION.columns.index("causes")
        self._copy(
            table,
            ("id", *ORGANIZATION.columns, "created_at", "updated_at", "last_import_id"),
            (
                (
                    pk,
                    *row[:causes],
                    _json(row[causes]),
                    *row[causes + 1 :],
                    self.now,
                    self.now,
                    self.run_id,
                )
                for pk, row in zip(ids, rows, strict=True)
            ),
        )
        return ids

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if rows:
            fields = [model._meta.get_field(name) for name in columns]
            db_columns = tuple(f.column for f in fields)
            as_json = [
                i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"
            ]
            if as_json:
                # COPY takes JSON as text; SQL NULL stays NULL
                rows = [_json_columns(row, as_json) for row in rows]
            defaults = _model_defaults(model, columns)
            if defaults:
                db_columns += tuple(column for column, _value in defaults)
                extra = tuple(value for _column, value in defaults)
                rows = (tuple(row) + extra for row in rows)
            self._copy(model._meta.db_table, db_columns, rows)

    def _copy(self, table: str, columns: tuple[str, ...], rows) -> None:
        quote = self.quote
        statement = (
            f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        )
        with (
            self.database_errors,
            self.driver_connection.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(row)


def _model_defaults(model, given: tuple[str, ...]) -> list[tuple[str, object]]:
    """(column, value) for the model's NOT NULL fields the format does not carry,
    e.g. a filing's publication state: COPY does not apply Django's defaults."""
    return [
        (field.column, field.get_default())
        for field in model._meta.concrete_fields
        if not field.null
        and field.has_default()
        and field.name not in given
        and field.attname not in given
    ]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_columns(row: tuple, positions: list[int]) -> list:
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = _json(values[i])
    return values


def _write_chunk(
    records: list[OrganizationRecord], report: ImportReport, rows: RowWriter
) -> None:
    existing = {
        row[1]: row
        for row in Organization.objects.filter(
            org_id__in=[record.org_id for record in records]
        ).values_list("id", *ORGANIZATION.columns)
    }
    new = [record for record in records if record.org_id not in existing]
    if new:
        batch = NewOrganizations.of(new)
        rows.create(batch)
        _count_created(batch, report)
    old = [
        (existing[record.org_id][0], record)
        for record in records
        if record.org_id in existing
    ]
    if old:
        _update(old, existing, report, rows)


def _insert_children(rows: RowWriter, filings, events, former_names, officers) -> None:
    rows.insert(Filing, FILING_INSERT, filings)
    rows.insert(RegulatoryEvent, EVENT_INSERT, events)
    rows.insert(FormerName, FORMER_NAME_INSERT, former_names)
    rows.insert(Officer, OFFICER_INSERT, officers)


def _update(
    old: list[tuple[int, OrganizationRecord]],
    existing: dict[str, tuple],
    report: ImportReport,
    rows: RowWriter,
) -> None:
    """Organizations already in the database: write only what differs."""
    pks = [pk for pk, _record in old]
    touched = set()  # organizations whose own fields, names or officers changed
    for pk, record in old:
        if tuple(record.organization) != existing[record.org_id][1:]:
            touched.add(pk)

    children_changed: set[int] = set()
    new_filings = _merge_filings(old, pks, report, children_changed)
    new_events = _merge_events(old, pks, report, children_changed)
    new_names = _merge_former_names(old, pks, touched)
    new_officers = _replace_officers(old, pks, touched)
    _insert_children(rows, new_filings, new_events, new_names, new_officers)
    if new_filings:
        # Imported filings are published: followers of these organizations are told
        # (recorded here, in the import's transaction; notify_followers sends).
        year, version = FILING_KEY
        filings_followers_notify(
            filings=[(row[0], row[1 + year], row[1 + version]) for row in new_filings],
            send_now=False,
        )

    if touched:
        now = timezone.now()
        Organization.objects.bulk_update(
            [
                Organization(
                    pk=pk,
                    updated_at=now,
                    last_import_id=rows.run_id,
                    **dict(zip(ORGANIZATION.columns, record.organization, strict=True)),
                )
                for pk, record in old
                if pk in touched
            ],
            fields=[*ORGANIZATION.columns, "updated_at", "last_import_id"],
            batch_size=500,
        )
    report.organizations.updated += len(touched)
    report.organizations.unchanged += len(old) - len(touched)
    if children_changed - touched:
        # A filing or event changed without the organization's own fields (so its
        # updated_at stays): its search document (latest income) is stale all the same.
        outbox_record(organization_ids=children_changed - touched)
        Organization.objects.filter(pk__in=children_changed - touched).update(
            last_import_id=rows.run_id
        )


def _merge_filings(
    old, pks, report: ImportReport, changed_orgs: set[int]
) -> list[tuple]:
    year, version = FILING_KEY
    stored = {
        (row[1], row[2 + year], row[2 + version]): row
        for row in Filing.objects.filter(organization_id__in=pks).values_list(
            "id", "organization_id", *FILING.columns
        )
    }
    new, changed = [], []
    for pk, record in old:
        for filing in record.filings:
            row = stored.get((pk, filing[year], filing[version]))
            if row is None:
                new.append((pk, *filing))
                changed_orgs.add(pk)
            elif tuple(filing) != row[2:]:
                changed_orgs.add(pk)
                changed.append(
                    Filing(
                        pk=row[0],
                        organization_id=pk,
                        **dict(zip(FILING.columns, filing, strict=True)),
                    )
                )
            else:
                report.filings.unchanged += 1
    if changed:
        Filing.objects.bulk_update(changed, fields=list(FILING.columns), batch_size=500)
    report.filings.created += len(new)
    report.filings.updated += len(changed)
    return new


def _merge_events(
    old, pks, report: ImportReport, changed_orgs: set[int]
) -> list[tuple]:
    """Match events on their natural key; several events may share one key, so they
    pair up as a multiset: identical details first, the rest in order of detail."""
    stored = defaultdict(list)
    for row in (
        RegulatoryEvent.objects.filter(organization_id__in=pks)
        .order_by("id")
        .values_list("id", "organization_id", *EVENT.columns)
    ):
        stored[(row[1], *row[2 : 2 + EVENT_DETAIL])].append(
            (row[2 + EVENT_DETAIL], row[0])
        )
    new, changed = [], []
    for pk, record in old:
        wanted = defaultdict(list)
        for event in record.events:
            wanted[(pk, *event[:EVENT_DETAIL])].append(event)
        for key, events in wanted.items():
            available = sorted(stored.get(key, ()))
            unmatched = []
            for event in events:
                detail = event[EVENT_DETAIL]
                match = next(
                    (
                        i
                        for i, (stored_detail, _pk) in enumerate(available)
                        if stored_detail == detail
                    ),
                    None,
                )
                if match is None:
                    unmatched.append(event)
                else:
                    available.pop(match)
                    report.events.unchanged += 1
            for event in unmatched:
                changed_orgs.add(pk)
                if available:
                    _detail, event_pk = available.pop(0)
                    changed.append(
                        RegulatoryEvent(pk=event_pk, detail=event[EVENT_DETAIL])
                    )
                else:
                    new.append((pk, *event))
    if changed:
        RegulatoryEvent.objects.bulk_update(changed, fields=["detail"], batch_size=500)
    report.events.created += len(new)
    report.events.updated += len(changed)
    return new


def _merge_former_names(old, pks, touched: set[int]) -> list[tuple]:
    stored = {
        (organization_id, name): (pk, until)
        for pk, organization_id, name, until in FormerName.objects.filter(
            organization_id__in=pks
        ).values_list("id", "organization_id", "name", "until")
    }
    new, changed = [], []
    for pk, record in old:
        for name, until in record.former_names:
            found = stored.get((pk, name))
            if found is None:
                new.append((pk, name, until))
                touched.add(pk)
            elif found[1] != until:
                changed.append(FormerName(pk=found[0], until=until))
                touched.add(pk)
    if changed:
        FormerName.objects.bulk_update(changed, fields=["until"], batch_size=500)
    return new


def _replace_officers(old, pks, touched: set[int]) -> list[tuple]:
    stored = defaultdict(list)
    for organization_id, *officer in (
        Officer.objects.filter(organization_id__in=pks)
        .order_by("id")
        .values_list("organization_id", *OFFICER.columns)
    ):
        stored[organization_id].append(tuple(officer))
    replaced = [
        (pk, record)
        for pk, record in old
        if [tuple(officer) for officer in record.officers] != stored.get(pk, [])
    ]
    if not replaced:
        return []
    Officer.objects.filter(organization_id__in=[pk for pk, _r in replaced]).delete()
    touched.update(pk for pk, _record in replaced)
    return [(pk, *officer) for pk, record in replaced for officer in record.officers]

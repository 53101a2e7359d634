"""The bulk downloads: the whole public registry as files anyone may reuse.

``open_data_export`` writes, into a new folder beside the published one, the registry
in the exchange format (``registry.jsonl.gz``, the very lines ``export_registry``
writes and ``import_registry`` reads), one gzip-compressed CSV file per table of
``dictionary.CSV_FILES``, ``dictionary.json``, ``LICENSE.txt`` and ``manifest.json``
(row counts, sizes, SHA-256, generation time). Only then is the ``current`` link
switched to it, in one rename, so ``/data/`` never serves half an export. Only what
the public profile shows is written: published filings (never drafts, filings in
review or their attachments), no members, contacts, flags, notes or risk signals.

Everything streams: organizations in keyset-paginated chunks, the CSV tables with
``values_list().iterator(chunk_size=...)``, so memory stays flat however large the
registry (docs/benchmarks.md has the numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db.models import F, FilteredRelation, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from credit.models import ListEntry, Reason
from orgs.submissions.upload import neutralise_cell

from ..exchange import registry_line_chunks
from ..models import Filing, Organization
from .dictionary import (
    CSV_FILES,
    FILINGS,
    LIST_ENTRIES,
    ORGANIZATIONS,
    REASONS,
    CsvFile,
    dictionary_describe,
)

CHUNK_SIZE = 2000
CURRENT = "current"
MANIFEST = "manifest.json"
REGISTRY_FILE = "registry.jsonl.gz"
DICTIONARY_FILE = "dictionary.json"
LICENSE_FILE = "LICENSE.txt"
LICENSE_NAME = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_TEXT = """\
Sunshine open data

These files are licensed under the Creative Commons Attribution 4.0 International
licence (CC BY 4.0): {url}

You may copy, redistribute, adapt and build upon them for any purpose, even
commercially, provided you give appropriate credit (name the source: "Sunshine charity
registry open data", with the generation date from manifest.json and a link to the
download page), indicate if changes were made, and do not suggest the publisher
endorses you or your use.

The files hold facts from public registers and annual reports as filed, and the
credit grades and public list entries as published on the day of generation. Grades
and list entries change; check the organization's profile for the current state.
"""
RELEASE_NAME = re.compile(r"^release-\d{8}T\d{12}Z$")


class OpenDataError(Exception):
    """The export cannot be written (the message says where and why)."""


@dataclass
class OpenDataFile:
    name: str
    description: str
    rows: int | None
    bytes: int = 0
    sha256: str = ""


@dataclass
class OpenDataReport:
    directory: str
    generated_at: str
    dry_run: bool
    files: list[OpenDataFile] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # writing time per file

    def rows(self, name: str) -> int | None:
        return next(f.rows for f in self.files if f.name == name)


class _HashingFile(io.RawIOBase):
    """A binary file that counts and hashes what is written to it."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.stream.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


def open_data_export(
    *,
    directory: str | Path,
    dry_run: bool = False,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
    keep: int = 2,
) -> OpenDataReport:
    """Write a complete new release of the open data under ``directory`` and
    publish it (``directory/current``), keeping the ``keep`` latest releases.

    With ``dry_run`` everything is written to a temporary folder, counted and then
    deleted; nothing published changes.
    """
    root = Path(directory)
    generated = timezone.now().replace(microsecond=0)
    report = OpenDataReport(
        directory=str(root),
        generated_at=generated.isoformat().replace("+00:00", "Z"),
        dry_run=dry_run,
    )
    try:
        root.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
    except OSError as error:
        raise OpenDataError(
            _("%(path)s cannot be written: %(reason)s")
            % {"path": root, "reason": error.strerror}
        ) from None
    try:
        with translation.override("en"):  # the files' descriptions are in English
            _write_release(build, report, progress=progress, chunk_size=chunk_size)
        if dry_run:
            shutil.rmtree(build)
            return report
        build.chmod(0o755)
        release = _release_name(root)
        os.rename(build, release)
        _publish(root, release.name)
        _prune(root, keep=keep)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return report


def _write_release(
    build: Path, report: OpenDataReport, *, progress: bool, chunk_size: int
) -> None:
    started = time.perf_counter()
    registry = _write_gzip(
        build / REGISTRY_FILE,
        _registry_lines(chunk_size=chunk_size),
        total=Organization.objects.count(),
        progress=progress,
    )
    report.files.append(
        OpenDataFile(
            REGISTRY_FILE,
            dictionary_describe()[REGISTRY_FILE]["description"],
            *registry,
        )
    )
    report.seconds[REGISTRY_FILE] = time.perf_counter() - started
    for csv_file in CSV_FILES:
        started = time.perf_counter()
        rows = CSV_QUERIES[csv_file.name]()
        written = _write_gzip(
            build / csv_file.name,
            _csv_lines(csv_file, rows.iterator(chunk_size=chunk_size)),
            total=rows.count() if progress else None,
            progress=progress,
        )
        report.files.append(
            OpenDataFile(csv_file.name, str(csv_file.description), *written)
        )
        report.seconds[csv_file.name] = time.perf_counter() - started
    for name, text, description in (
        (
            DICTIONARY_FILE,
            json.dumps(dictionary_describe(), ensure_ascii=False, indent=2) + "\n",
            _("What every file and column holds: type and meaning."),
        ),
        (
            LICENSE_FILE,
            LICENSE_TEXT.format(url=LICENSE_URL),
            _("The licence of these files: %(licence)s.") % {"licence": LICENSE_NAME},
        ),
    ):
        data = text.encode("utf-8")
        (build / name).write_bytes(data)
        report.files.append(
            OpenDataFile(
                name,
                str(description),
                None,
                len(data),
                hashlib.sha256(data).hexdigest(),
            )
        )
    manifest = {
        "generated_at": report.generated_at,
        "licence": {"name": LICENSE_NAME, "url": LICENSE_URL, "file": LICENSE_FILE},
        "dictionary": DICTIONARY_FILE,
        "files": [asdict(f) for f in report.files],
    }
    (build / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for path in build.iterdir():
        path.chmod(0o644)


def _write_gzip(
    path: Path, lines: Iterable[str], *, total: int | None, progress: bool
) -> tuple[int, int, str]:
    """Compress ``lines`` into ``path``: (rows, bytes, SHA-256). The gzip header
    carries no time or name, so the same content gives the same bytes."""
    rows = 0
    with (
        open(path, "wb") as raw,
        tqdm(
            total=total,
            desc=path.name,
            unit=" rows",
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        hashing = _HashingFile(raw)
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=hashing, mtime=0, compresslevel=6
        ) as zipped:
            for chunk in _batched_text(lines):
                zipped.write(chunk[0].encode("utf-8"))
                rows += chunk[1]
                bar.update(chunk[1])
    return rows, hashing.size, hashing.sha256.hexdigest()


def _batched_text(lines: Iterable[str], size: int = 1000) -> Iterator[tuple[str, int]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch), size
            batch = []
    if batch:
        yield "".join(batch), len(batch)


def _registry_lines(*, chunk_size: int) -> Iterator[str]:
    for chunk in registry_line_chunks(chunk_size=chunk_size):
        yield from chunk


def _csv_lines(csv_file: CsvFile, rows: Iterable[tuple]) -> Iterator[str]:
    """The header, then one CSV line per row; the header does not count as a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_file.header)
    header = buffer.getvalue()
    converters = [
        (position, column.convert)
        for position, column in enumerate(csv_file.columns)
        if column.convert
    ]
    # Only text can start a formula: the other cells need no look.
    texts = [
        position
        for position, column in enumerate(csv_file.columns)
        if column.type == "string"
    ]
    first = True
    for row in rows:
        cells = list(row)
        for position, convert in converters:
            cells[position] = convert(cells[position])
        for position in texts:
            cells[position] = neutralise_cell(cells[position])
        buffer.seek(0)
        buffer.truncate()
        if first:
            buffer.write(header)
            first = False
        writer.writerow(cells)
        yield buffer.getvalue()
    if first:
        yield header


def _organizations():
    return (
        Organization.objects.annotate(
            current=FilteredRelation(
                "credit_scores", condition=Q(credit_scores__is_current=True)
            )
        )
        .order_by("org_id")
        .values_list(*ORGANIZATIONS.sources)
    )


def _filings():
    return (
        Filing.objects.published()
        .order_by("organization__org_id", "fiscal_year", "version")
        .values_list(*FILINGS.sources)
    )


def _reasons():
    return (
        Reason.objects.filter(score__is_current=True)
        .order_by("score__organization__org_id", "position")
        .values_list(*REASONS.sources)
    )


def _list_entries():
    # Entries take effect on their date: one decided for a later day is not public
    # yet (ListEntry.objects.listed()).
    return (
        ListEntry.objects.filter(entered_on__lte=timezone.localdate())
        .annotate(
            subject_name=Coalesce(
                F("organization__name"), F("unregistered_name__name")
            ),
            subject_region=Coalesce(
                F("organization__region"), F("unregistered_name__region")
            ),
        )
        .order_by("list", "entered_on", "id")
        .values_list(*LIST_ENTRIES.sources)
    )


CSV_QUERIES: dict[str, Callable] = {
    ORGANIZATIONS.name: _organizations,
    FILINGS.name: _filings,
    REASONS.name: _reasons,
    LIST_ENTRIES.name: _list_entries,
}


def _release_name(root: Path) -> Path:
    """A new release's folder; names sort in the order releases were made."""
    while True:
        candidate = root / f"release-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}"
        if not candidate.exists():
            return candidate


def _publish(root: Path, release: str) -> None:
    """Point ``root/current`` at ``release`` in one atomic rename."""
    link = root / f".{CURRENT}-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(release, target_is_directory=True)
    os.replace(link, root / CURRENT)


def _prune(root: Path, *, keep: int) -> None:
    """Delete all but the ``keep`` latest releases (never the published one)."""
    published = os.readlink(root / CURRENT)
    releases = sorted(
        (p.name for p in root.iterdir() if RELEASE_NAME.match(p.name)), reverse=True
    )
    for name in releases[keep:]:
        if name != published:
            shutil.rmtree(root / name, ignore_errors=True)


# What the download page reads.


def open_data_manifest(*, directory: str | Path) -> dict | None:
    """The published release's manifest, or None when nothing is published yet."""
    try:
        text = (Path(directory) / CURRENT / MANIFEST).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    return json.loads(text)


def open_data_file(*, directory: str | Path, name: str) -> Path | None:
    """The path of a published file named in the manifest, or None.

    Only names the manifest lists are served, matched exactly against it, so no
    request can reach another file (``../``, absolute paths, the manifest's
    neighbours). The release is resolved once, so a file comes from one release even
    while a new one is being published.
    """
    current = Path(directory) / CURRENT
    try:
        release = current.resolve(strict=True)
        manifest = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    names = {f["name"] for f in manifest["files"]} | {MANIFEST}
    if name not in names or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = release / name
    return path if path.is_file() else None

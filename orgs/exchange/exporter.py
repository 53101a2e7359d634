"""Export the registry in the exchange format, one organization per line.

Deterministic: organizations in ``org_id`` order, nested lists in a fixed order
(former names by date then name, officers as entered, filings by fiscal year and
version, events by date, kind, reference, authority, amount, detail), so exporting an
unchanged database twice gives the same bytes, and so does export, import into an
empty database, export. Memory stays bounded: organizations are read in chunks by
keyset pagination, with their filings, events, names and officers fetched per chunk.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from tqdm import tqdm

from ..models import Filing, FormerName, Officer, Organization, RegulatoryEvent
from .importer import RegistryFileError
from .schema import EVENT, FILING, FORMER_NAME, OFFICER, ORGANIZATION, dump_line
from .schema import render_organization as render

CHUNK_SIZE = 2000


@dataclass
class ExportReport:
    path: str
    organizations: int = 0
    filings: int = 0
    events: int = 0


def registry_export(*, path: str | Path, progress: bool = False) -> ExportReport:
    """Write every organization to ``path`` (``-`` is standard output).

    A file is written under a temporary name and renamed when complete, so a failed
    export never leaves half a file behind.
    """
    report = ExportReport(path=str(path))
    if str(path) == "-":
        _write(sys.stdout.buffer, report, progress=progress)
        sys.stdout.buffer.flush()
        return report
    target = Path(path)
    if target.is_dir():
        raise RegistryFileError(
            _("%(path)s is a directory, not a file") % {"path": path}
        )
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as error:
        raise RegistryFileError(
            _("%(path)s cannot be written: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            _write(stream, report, progress=progress)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return report


def _write(stream: BinaryIO, report: ExportReport, *, progress: bool) -> None:
    with tqdm(
        total=Organization.objects.count(),
        desc=_("exporting"),
        unit=" orgs",
        disable=not progress,
        leave=False,
    ) as bar:
        for chunk in registry_line_chunks():
            stream.write("".join(chunk).encode("utf-8"))
            report.organizations += len(chunk)
            bar.update(len(chunk))
    report.filings = Filing.objects.published().count()
    report.events = RegulatoryEvent.objects.count()


def registry_line_chunks(*, chunk_size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """Lists of rendered lines (published filings only), ``chunk_size`` organizations
    at a time: what ``registry_export`` writes, and what the open-data export
    compresses, so both write the format exactly as the importer reads it."""
    after = None
    while True:
        organizations = Organization.objects.order_by("org_id")
        if after is not None:
            organizations = organizations.filter(org_id__gt=after)
        rows = list(organizations.values_list("id", *ORGANIZATION.columns)[:chunk_size])
        if not rows:
            return
        # The chunk's rows by the range of org_ids it covers: no list of 2,000 ids to
        # send (and parse) with each of the four queries.
        in_chunk = {"organization__org_id__lte": rows[-1][1]}
        if after is not None:
            in_chunk["organization__org_id__gt"] = after
        filings = _grouped(
            Filing.objects.published()
            .filter(**in_chunk)
            .order_by("organization_id", "fiscal_year", "version")
            .values_list("organization_id", *FILING.columns)
        )
        events = _grouped(
            RegulatoryEvent.objects.filter(**in_chunk).values_list(
                "organization_id", *EVENT.columns
            ),
            sort_key=_event_order,
        )
        former_names = _grouped(
            FormerName.objects.filter(**in_chunk).values_list(
                "organization_id", *FORMER_NAME.columns
            ),
            sort_key=_former_name_order,
        )
        officers = _grouped(
            Officer.objects.filter(**in_chunk)
            .order_by("organization_id", "id")
            .values_list("organization_id", *OFFICER.columns)
        )
        yield [
            dump_line(
                render(
                    row[1:],
                    former_names=former_names.get(row[0], ()),
                    officers=officers.get(row[0], ()),
                    filings=filings.get(row[0], ()),
                    events=events.get(row[0], ()),
                )
            )
            for row in rows
        ]
        after = rows[-1][1]


def _grouped(rows, sort_key=None) -> dict[int, list]:
    """Rows (organization id first) grouped by organization, without that id.

    Lists that have no database order that every backend agrees on are sorted here.
    """
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row[1:])
    if sort_key:
        for group in grouped.values():
            group.sort(key=sort_key)
    return grouped


_EARLIEST = dt.date.min


def _former_name_order(row):
    name, until = row
    return (until is None, until or _EARLIEST, name)


def _event_order(row):
    date, kind, amount, authority, reference, detail = row
    return (date, kind, reference, authority, amount is not None, amount or 0, detail)

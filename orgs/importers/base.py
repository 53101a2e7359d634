"""What every source importer shares: records out, the exchange importer in.

A source reads its file and yields organization records exactly as
``docs/data-format.md`` describes them. ``records_import`` writes them to a temporary
JSON Lines file and imports that with ``registry_import``, which checks every record
before it writes anything, writes in one transaction and changes nothing when the
same records come again. A source reports a file it cannot read (missing, wrong
columns, wrong encoding) by raising ``SourceFileError`` while it is converting, which
is before the database is touched.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

from orgs.exchange import ImportReport, registry_import


class SourceFileError(Exception):
    """The source file cannot be read as its register publishes it."""


def records_import(
    *,
    records: Iterable[dict],
    source_path: str | Path,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Import exchange-format ``records`` converted from the file at ``source_path``.

    Every record is converted before anything is written, so a ``SourceFileError``
    raised by ``records`` leaves the database untouched. Line N of the problems in the
    returned report is the Nth record.
    """
    with tempfile.TemporaryDirectory(prefix="sunshine-import-") as folder:
        converted = Path(folder) / "records.jsonl"
        with converted.open("w", encoding="utf-8", newline="\n") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        report = registry_import(path=converted, dry_run=dry_run, progress=progress)
    report.path = str(source_path)
    return report

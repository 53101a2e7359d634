"""What every source importer shares: records out, the exchange importer in, and the
provenance of the file they came from.

A source reads its file and yields organization records exactly as
``docs/data-format.md`` describes them. ``records_import`` writes them to a temporary
JSON Lines file and imports that with ``registry_import``, which checks every record
before it writes anything and changes nothing when the same records come again. A
source reports a file it cannot read (missing, wrong columns, wrong encoding) by
raising ``SourceFileError`` while it is converting, which is before the database is
touched.

``records_import`` runs the whole import in one transaction of its own: it opens the
``ImportRun`` of the source file (its name and SHA-256, not those of the temporary
file), lets the exchange importer write and stamp the organizations with it, then calls
the source's ``after_write`` (the master file's snapshot, the grants of a 360Giving
file) and closes the run with every count. Anything going wrong, a dry run or a record
the exchange importer refuses rolls all of it back, the run included.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from orgs.exchange import ImportReport, RegistryWriteError, registry_import
from orgs.models import ImportRun
from orgs.provenance import file_sha256, import_run_finish, import_run_start

# Called inside the import's transaction once the organizations are written; returns
# extra counts for the run ({"grants": {"created": 3, ...}}).
AfterWrite = Callable[[ImportRun, ImportReport], dict]


class SourceFileError(Exception):
    """The source file cannot be read as its register publishes it."""


def source_sha256(path: str | Path) -> str:
    """The checksum of the source file; raises SourceFileError when it cannot be read."""
    try:
        return file_sha256(path=path)
    except FileNotFoundError:
        raise SourceFileError(_("%(path)s: no such file") % {"path": path}) from None
    except IsADirectoryError:
        raise SourceFileError(
            _("%(path)s is a directory, not a file") % {"path": path}
        ) from None
    except OSError as error:
        raise SourceFileError(
            _("%(path)s cannot be read: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from None


def records_import(
    *,
    records: Iterable[dict],
    source_path: str | Path,
    source: str,
    sha256: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    after_write: AfterWrite | None = None,
) -> ImportReport:
    """Import exchange-format ``records`` converted from the file at ``source_path``.

    Every record is converted before anything is written, so a ``SourceFileError``
    raised by ``records`` leaves the database untouched. Line N of the problems in the
    returned report is the Nth record. ``source`` is the ``ImportSource`` recorded as
    the provenance of every organization written, with the file's ``sha256``
    (computed when not given).
    """
    sha256 = sha256 or source_sha256(source_path)
    with tempfile.TemporaryDirectory(prefix="sunshine-import-") as folder:
        converted = Path(folder) / "records.jsonl"
        with converted.open("w", encoding="utf-8", newline="\n") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        try:
            with transaction.atomic():
                run = import_run_start(
                    source=source, file_name=_shown_name(source_path), sha256=sha256
                )
                report = registry_import(
                    path=converted, progress=progress, import_run=run
                )
                report.dry_run = dry_run
                report.import_run = run
                if report.problem_count:
                    transaction.set_rollback(True)
                else:
                    counts = report.counts()
                    if after_write is not None:
                        counts.update(after_write(run, report))
                    import_run_finish(run=run, counts=counts)
                    if dry_run:
                        transaction.set_rollback(True)
        except DatabaseError as error:
            raise RegistryWriteError(str(error).strip()) from error
    report.path = str(source_path)
    return report


def _shown_name(source_path: str | Path) -> str:
    """The file name recorded on the run: a run over many files names the first ones
    and how many in all, within the column's 255 characters."""
    name = str(source_path)
    if len(name) <= 255:
        return name
    parts = name.split(", ")
    suffix = f" … ({len(parts)} files)"
    return name[: 255 - len(suffix)] + suffix

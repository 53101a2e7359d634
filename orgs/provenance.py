"""Provenance of imported records: which file, with which checksum, imported when.

Every importer (the exchange format and each register's source importer) opens one
``ImportRun`` inside its transaction, stamps the organizations it creates or changes
with it (``Organization.last_import``) and closes it with its counts. A second import
of the same file finds nothing to change and records a run whose outcome is
``unchanged``; a dry run or a rejected file is rolled back with everything else and
leaves no run behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone

from .models import ImportOutcome, ImportRun

HASH_CHUNK = 1024 * 1024


def file_sha256(
    *, path: str | Path | None = None, stream: BinaryIO | None = None
) -> str:
    """The SHA-256 of a file, by path or from an open binary stream (which is read
    from the start and left at the start)."""
    digest = hashlib.sha256()
    if stream is None:
        with open(path, "rb") as opened:
            while chunk := opened.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    stream.seek(0)
    while chunk := stream.read(HASH_CHUNK):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def import_run_start(*, source: str, file_name: str, sha256: str) -> ImportRun:
    """Open the run of one import; call inside the import's transaction."""
    return ImportRun.objects.create(
        source=source,
        file_name=Path(file_name).name[:255],
        sha256=sha256,
        started_at=timezone.now(),
    )


def import_run_finish(*, run: ImportRun, counts: Mapping[str, object]) -> ImportRun:
    """Close ``run`` with its counts: ``{"organizations": {"created": 1, ...}, ...}``.

    The outcome is ``unchanged`` when no kind of record was created or updated.
    """
    changed = any(
        tally.get("created", 0) or tally.get("updated", 0)
        for tally in counts.values()
        if isinstance(tally, Mapping)
    )
    run.counts = dict(counts)
    run.outcome = ImportOutcome.APPLIED if changed else ImportOutcome.UNCHANGED
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "outcome", "finished_at"])
    return run

"""Writes of the search app: recording changes in the outbox, draining it into the
index, rebuilding the index.

The outbox is how an update is never lost: the row is written in the caller's
transaction (so it exists exactly when the change does), and it is deleted only after
the engine has accepted the organization's new document. If the engine is down, writes
to the portal still succeed; the backlog waits for ``search_sync``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Min

from .backends import SearchBackend, SearchUnavailable, get_backend
from .models import OutboxEntry

logger = logging.getLogger(__name__)


def outbox_record(*, organization_ids: Iterable[int], batch_size: int = 5000) -> int:
    """Record that these organizations changed; call it inside the transaction that
    changes them. Accepts any number of ids (a whole import); returns how many rows."""
    ids = list(dict.fromkeys(organization_ids))
    OutboxEntry.objects.bulk_create(
        (OutboxEntry(organization_id=pk) for pk in ids), batch_size=batch_size
    )
    return len(ids)


@dataclass
class SyncReport:
    indexed: int = 0
    batches: int = 0
    retries: int = 0
    remaining: int = 0
    # Another worker held the drain (SQLite) or every waiting organization
    # (PostgreSQL): this run left the rest to it.
    locked_out: bool = False


def search_sync(
    *,
    batch_size: int = 1000,
    max_batches: int | None = None,
    retries: int = 5,
    backoff: float = 1.0,
    backend: SearchBackend | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_batch: Callable[[int], None] | None = None,
) -> SyncReport:
    """Drain the outbox into the index, a batch of organizations at a time.

    A batch is the organizations of the oldest ``batch_size`` entries no other worker
    holds; they are re-read and re-indexed in one bulk request, then the entries read
    before are deleted, so an entry recorded meanwhile stays for the next batch. A
    failed batch is retried with exponential backoff; after ``retries`` it raises
    SearchUnavailable and leaves the outbox as it was. Killing the process at any
    point loses nothing: the entries of an unfinished batch are still there and
    indexing is idempotent (documents are keyed by organization).

    Several workers may run (``_claim_batch``): on PostgreSQL they take disjoint
    batches and never index the same organization at the same time; on SQLite one
    drains and the others return at once with ``locked_out``.
    """
    backend = backend or get_backend()
    report = SyncReport()
    with _drain_lock() as held:
        if not held:
            report.locked_out = True
        while held and (max_batches is None or report.batches < max_batches):
            with transaction.atomic():
                entries = _claim_batch(batch_size)
                if entries is None:
                    report.locked_out = True
                    break
                if not entries:
                    break
                ids = {organization_id for _, organization_id in entries}
                _index_with_retries(backend, ids, report, retries, backoff, sleep)
                OutboxEntry.objects.filter(id__in=[pk for pk, _ in entries]).delete()
            report.indexed += len(ids)
            report.batches += 1
            if on_batch:
                on_batch(len(ids))
    report.remaining = OutboxEntry.objects.count()
    return report


def _claim_batch(batch_size: int) -> list[tuple[int, int]] | None:
    """The entries of the next batch, locked until the caller's transaction ends;
    None when entries wait but other workers hold all of their organizations.

    The oldest ``batch_size`` entries no other worker has locked, then every entry of
    their organizations (all committed before the organizations are read, so all are
    done once they are indexed). On PostgreSQL both reads lock with
    ``FOR UPDATE SKIP LOCKED``, and an organization some of whose entries another
    worker holds is left to that worker: two workers indexing one organization could
    land an older read after a newer one. Elsewhere ``select_for_update`` does
    nothing and ``_drain_lock`` lets one worker in.
    """
    claimed = list(
        OutboxEntry.objects.select_for_update(skip_locked=True)
        .order_by("id")
        .values_list("organization_id", flat=True)[:batch_size]
    )
    if not claimed:
        return []
    organizations = set(claimed)
    # Counted before locking: an entry committed in between makes ``lockable`` the
    # larger, never an organization look busy.
    existing = Counter(
        OutboxEntry.objects.filter(organization_id__in=organizations).values_list(
            "organization_id", flat=True
        )
    )
    locked = list(
        OutboxEntry.objects.select_for_update(skip_locked=True)
        .filter(organization_id__in=organizations)
        .values_list("id", "organization_id")
    )
    lockable = Counter(organization_id for _, organization_id in locked)
    busy = {pk for pk in organizations if lockable[pk] < existing[pk]}
    entries = [entry for entry in locked if entry[1] not in busy]
    return entries or None


@contextmanager
def _drain_lock() -> Iterator[bool]:
    """Whether this worker may drain: always on PostgreSQL (row locks share the
    work); on SQLite only the holder of an exclusive lock on a file beside the
    database (released by the kernel if the worker dies, so it never goes stale)."""
    if connection.vendor != "sqlite":
        yield True
        return
    name = str(connection.settings_dict["NAME"])
    if Path(name).is_absolute():
        path = Path(f"{name}.search-sync.lock")
    else:  # an in-memory test database: one lock per database name
        digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"sunshine-search-sync-{digest}.lock"
    with path.open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _index_with_retries(
    backend: SearchBackend,
    ids: set[int],
    report: SyncReport,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> None:
    for attempt in range(retries + 1):
        try:
            backend.index_organizations(ids)
            return
        except SearchUnavailable as error:
            if attempt == retries:
                raise
            report.retries += 1
            delay = backoff * 2**attempt
            logger.warning("search sync: %s; retrying in %.1f s", error, delay)
            sleep(delay)


@dataclass(frozen=True)
class OutboxBacklog:
    entries: int
    oldest: dt.datetime | None


def outbox_backlog() -> OutboxBacklog:
    """How many changes wait for the index, and since when."""
    stats = OutboxEntry.objects.aggregate(entries=Count("id"), oldest=Min("created_at"))
    return OutboxBacklog(entries=stats["entries"], oldest=stats["oldest"])


def search_index_rebuild(
    *, chunk_size: int = 2000, progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the whole index without interrupting searches (a new index behind the
    alias on Elasticsearch; one transaction on the database). Returns documents."""
    return get_backend().rebuild(chunk_size=chunk_size, progress=progress)

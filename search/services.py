"""Writes of the search app: recording changes in the outbox, draining it into the
index, rebuilding the index.

The outbox is how an update is never lost: the row is written in the caller's
transaction (so it exists exactly when the change does), and it is deleted only after
the engine has accepted the organization's new document. If the engine is down, writes
to the portal still succeed; the backlog waits for ``search_sync``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
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

    A batch is the oldest ``batch_size`` entries; its organizations are re-read and
    re-indexed in one bulk request, then their entries up to the newest id read are
    deleted, so an entry recorded meanwhile stays for the next batch. A failed batch is
    retried with exponential backoff; after ``retries`` it raises SearchUnavailable and
    leaves the outbox as it was. Killing the process at any point loses nothing: the
    entries of an unfinished batch are still there and indexing is idempotent.
    """
    backend = backend or get_backend()
    report = SyncReport()
    while max_batches is None or report.batches < max_batches:
        entries = list(
            OutboxEntry.objects.order_by("id").values_list("id", "organization_id")[
                :batch_size
            ]
        )
        if not entries:
            break
        newest = entries[-1][0]
        ids = {organization_id for _, organization_id in entries}
        for attempt in range(retries + 1):
            try:
                backend.index_organizations(ids)
                break
            except SearchUnavailable as error:
                if attempt == retries:
                    raise
                report.retries += 1
                delay = backoff * 2**attempt
                logger.warning("search sync: %s; retrying in %.1f s", error, delay)
                sleep(delay)
        with transaction.atomic():
            OutboxEntry.objects.filter(organization_id__in=ids, id__lte=newest).delete()
        report.indexed += len(ids)
        report.batches += 1
        if on_batch:
            on_batch(len(ids))
    report.remaining = OutboxEntry.objects.count()
    return report


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

"""The outbox: every change reaches the index, even across outages and crashes."""

import threading

import pytest
from django.db import transaction

from orgs.models import Organization
from search.backends import SearchUnavailable, get_backend
from search.models import OutboxEntry
from search.query import SearchQuery
from search.selectors import search_organizations
from search.services import outbox_backlog, outbox_record, search_sync
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def no_sleep(seconds):
    pass


def count(text):
    return search_organizations(SearchQuery(text=text, page_size=100)).count


class Crashing:
    """A backend that dies (like a killed process) on the ``crash_on``-th batch, after
    writing part of it to the real engine."""

    def __init__(self, real, crash_on):
        self.real, self.crash_on, self.calls = real, crash_on, 0

    def index_organizations(self, ids):
        self.calls += 1
        if self.calls == self.crash_on:
            self.real.index_organizations(sorted(ids)[: len(ids) // 2])
            raise SystemExit("killed mid-batch")
        return self.real.index_organizations(ids)


def test_outbox_row_exists_only_if_the_change_commits():
    org = OrganizationFactory()
    OutboxEntry.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_record(organization_ids=[org.id])
        raise RuntimeError("the change failed")
    assert outbox_backlog().entries == 0
    with transaction.atomic():
        assert outbox_record(organization_ids=[org.id, org.id]) == 1
    assert outbox_backlog().entries == 1


def test_saving_or_deleting_an_organization_records_it():
    org = OrganizationFactory()
    assert OutboxEntry.objects.filter(organization_id=org.id).exists()
    OutboxEntry.objects.all().delete()
    org_id = org.id
    org.delete()
    assert list(OutboxEntry.objects.values_list("organization_id", flat=True)) == [
        org_id
    ]


def test_sync_makes_every_change_searchable(search_backend):
    orgs = [OrganizationFactory(name=f"同步测试协会{i}") for i in range(30)]
    search_backend.rebuild(chunk_size=100, progress=None)
    OutboxEntry.objects.all().delete()
    for org in orgs[:10]:
        org.name = org.name.replace("同步测试", "已改名")
        org.save()
    orgs[10].delete()
    report = search_sync(batch_size=4, backend=search_backend)
    search_backend.refresh()
    assert report.indexed == 11 and report.remaining == 0
    assert count("已改名") == 10
    assert count("同步测试") == 19


def test_sync_retries_with_exponential_backoff(search_backend):
    OrganizationFactory(name="重试测试协会")
    failures = iter([SearchUnavailable("down"), SearchUnavailable("still down")])
    real = search_backend

    class Flaky:
        def index_organizations(self, ids):
            error = next(failures, None)
            if error:
                raise error
            return real.index_organizations(ids)

    slept = []
    report = search_sync(backend=Flaky(), sleep=slept.append, backoff=0.5)
    assert report.retries == 2 and slept == [0.5, 1.0]
    assert outbox_backlog().entries == 0


def test_sync_killed_mid_batch_and_rerun_misses_and_duplicates_nothing(
    search_backend,
):
    orgs = [OrganizationFactory(name=f"中断测试基金会{i:03d}") for i in range(120)]
    crashing = Crashing(search_backend, crash_on=2)
    with pytest.raises(SystemExit):
        search_sync(batch_size=50, backend=crashing)
    assert outbox_backlog().entries == 70  # the first batch is done, the rest waits
    report = search_sync(batch_size=50, backend=search_backend)
    search_backend.refresh()
    assert report.remaining == 0
    assert search_backend.status().documents == len(orgs)  # none twice
    found = []
    for page in (1, 2):
        results = search_organizations(
            SearchQuery(text="中断测试基金会", page=page, page_size=100)
        )
        found += [hit.org_id for hit in results.hits]
    assert sorted(found) == sorted(org.org_id for org in orgs)  # none missing


def test_entry_recorded_while_its_batch_is_indexed_is_kept(search_backend):
    org = OrganizationFactory(name="并发测试协会")
    real = search_backend

    class ChangedMeanwhile:
        def index_organizations(self, ids):
            outbox_record(organization_ids=[org.id])  # a concurrent change
            return real.index_organizations(ids)

    search_sync(backend=ChangedMeanwhile(), max_batches=1)
    assert list(OutboxEntry.objects.values_list("organization_id", flat=True)) == [
        org.id
    ]


@pytest.mark.elasticsearch
def test_real_outage_writes_succeed_and_sync_makes_every_change_searchable(
    private_elasticsearch, settings
):
    """Stops a real node (a private one: the shared node stays up), changes 1,000
    organizations while it is down, starts it again and drains the outbox."""
    settings.ELASTICSEARCH_URL = private_elasticsearch.url
    settings.SEARCH_INDEX_PREFIX = "outage"
    Organization.objects.bulk_create(
        OrganizationFactory.build(name=f"停机测试协会{i:04d}") for i in range(1000)
    )
    get_backend().rebuild(chunk_size=500, progress=None)
    OutboxEntry.objects.all().delete()
    assert count("停机测试") == 1000

    private_elasticsearch.stop()
    assert not private_elasticsearch.answers()
    changed = list(Organization.objects.order_by("id"))
    for org in changed:
        org.name = org.name.replace("停机测试", "恢复测试")
    with transaction.atomic():  # a bulk writer: one transaction, one outbox call
        Organization.objects.bulk_update(changed[:999], ["name"])
        outbox_record(organization_ids=[org.id for org in changed[:999]])
    changed[999].save()  # a single edit: the outbox through the signal
    assert Organization.objects.filter(name__startswith="恢复测试").count() == 1000
    assert outbox_backlog().entries == 1000
    with pytest.raises(SearchUnavailable):
        search_sync(retries=2, sleep=no_sleep)
    assert outbox_backlog().entries == 1000
    with pytest.raises(SearchUnavailable):
        search_organizations(SearchQuery(text="恢复测试"))

    private_elasticsearch.start()
    report = search_sync(batch_size=300)
    get_backend().refresh()
    assert report.indexed == 1000 and report.remaining == 0
    assert count("停机测试") == 0
    found, cursor = [], ""
    while True:
        page = search_organizations(
            SearchQuery(text="恢复测试", page_size=100, sort="name", cursor=cursor)
        )
        found += [hit.org_id for hit in page.hits]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(found) == sorted(org.org_id for org in changed)  # every change
    assert get_backend().status().documents == 1000


def test_sync_killed_after_the_bulk_request_before_the_delete_reindexes_once(
    search_backend,
):
    """The engine accepted the batch, then the worker died before deleting its
    entries: the rerun indexes them again; documents are keyed by organization, so
    none is duplicated and none missing."""
    orgs = [OrganizationFactory(name=f"删除前中断协会{i:03d}") for i in range(60)]
    search_backend.rebuild(chunk_size=100, progress=None)
    for org in orgs:
        org.name = org.name.replace("删除前中断", "重跑完成")
        org.save()
    OutboxEntry.objects.exclude(organization_id__in=[o.id for o in orgs]).delete()
    real = search_backend

    class DiesAfterBulk:
        def index_organizations(self, ids):
            real.index_organizations(ids)
            raise SystemExit("killed between the bulk request and the delete")

    with pytest.raises(SystemExit):
        search_sync(batch_size=25, backend=DiesAfterBulk())
    search_backend.refresh()
    # Elasticsearch has the first batch; the database backend writes its index and
    # deletes the entries in one transaction, so there the batch is undone as a whole.
    assert count("重跑完成") == (25 if search_backend.name == "elasticsearch" else 0)
    assert outbox_backlog().entries == 120  # the outbox still has it all
    report = search_sync(batch_size=25, backend=search_backend)
    search_backend.refresh()
    assert report.remaining == 0
    assert count("重跑完成") == 60 and count("删除前中断") == 0
    assert search_backend.status().documents == 60


class Recording:
    """A backend that records what it indexed, optionally waiting for ``go``."""

    def __init__(self, real, go=None, started=None):
        self.real, self.go, self.started, self.indexed = real, go, started, []

    def index_organizations(self, ids):
        self.indexed.append(set(ids))
        if self.started:
            self.started.set()
        if self.go:
            assert self.go.wait(60)
        return self.real.index_organizations(ids)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_never_drain_the_same_rows_or_organization():
    from django.db import connection

    from search.backends.database import DatabaseBackend

    orgs = [OrganizationFactory(name=f"并行同步协会{i:02d}") for i in range(10)]
    OutboxEntry.objects.all().delete()
    outbox_record(organization_ids=[org.id for org in orgs])
    outbox_record(organization_ids=[orgs[0].id])  # a second change of the first
    first = Recording(
        DatabaseBackend(), go=threading.Event(), started=threading.Event()
    )
    reports = {}

    def worker():
        try:
            reports["first"] = search_sync(batch_size=5, max_batches=1, backend=first)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert first.started.wait(30)  # the first worker holds orgs[0:5]
        # Recorded while the first worker holds orgs[0]'s entries: the second worker
        # must leave it, not index orgs[0] beside the first.
        outbox_record(organization_ids=[orgs[0].id])
        second = Recording(DatabaseBackend())
        reports["second"] = search_sync(batch_size=10, backend=second)
    finally:
        first.go.set()
        thread.join(60)
    held = {org.id for org in orgs[:5]}
    assert first.indexed == [held]
    assert second.indexed == [{org.id for org in orgs[5:]}]
    assert reports["second"].locked_out  # orgs[0]'s latest change was left
    assert list(OutboxEntry.objects.values_list("organization_id", flat=True)) == [
        orgs[0].id
    ]
    assert search_sync(backend=DatabaseBackend()).indexed == 1
    assert outbox_backlog().entries == 0


def test_a_second_worker_on_sqlite_leaves_the_outbox_to_the_first():
    from django.db import connection

    from search.services import _drain_lock

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's drain lock (PostgreSQL shares batches by row locks)")
    OrganizationFactory(name="锁测试协会")
    with _drain_lock() as held:
        assert held
        report = search_sync()  # another worker, while this one drains
    assert report.locked_out and report.indexed == 0
    assert outbox_backlog().entries == 1
    assert search_sync().indexed == 1


def test_sync_runs_as_a_background_task(settings):
    from search.tasks import search_sync_task

    settings.ELASTICSEARCH_URL = ""
    OrganizationFactory(name="后台任务协会")
    result = search_sync_task.enqueue(batch_size=10)
    assert result.return_value == 1
    assert outbox_backlog().entries == 0
    assert count("后台任务") == 1


@pytest.mark.postgres
@pytest.mark.elasticsearch
@pytest.mark.django_db(transaction=True)
def test_search_sync_process_killed_mid_run_and_rerun_misses_and_duplicates_nothing(
    elasticsearch_settings,
):
    """A real ``manage.py search_sync`` process, SIGKILLed once it has finished at
    least one batch and while more wait (so, almost always, inside a batch's
    transaction or bulk request); the rerun leaves every organization indexed once."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.db import connection

    settings = elasticsearch_settings
    Organization.objects.bulk_create(
        OrganizationFactory.build(name=f"进程中断协会{i:04d}") for i in range(3000)
    )
    OutboxEntry.objects.all().delete()
    outbox_record(organization_ids=Organization.objects.values_list("id", flat=True))
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@"
            f"{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "ELASTICSEARCH_URL": settings.ELASTICSEARCH_URL,
        "SEARCH_INDEX_PREFIX": settings.SEARCH_INDEX_PREFIX,
    }
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen(  # noqa: S603 (this project's manage.py)
        [sys.executable, "manage.py", "search_sync", "--batch-size", "200"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and worker.poll() is None:
            if 0 < outbox_backlog().entries < 3000:
                break
            time.sleep(0.02)  # polling the database, not waiting for the engine
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(30)
        worker.stderr.close()
    left = outbox_backlog().entries
    assert 0 < left < 3000  # killed part-way
    report = search_sync(batch_size=500)
    get_backend().refresh()
    assert report.remaining == 0
    assert get_backend().status().documents == 3000  # none twice
    assert count("进程中断协会") == 3000  # none missing

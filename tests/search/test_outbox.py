"""The outbox: every change reaches the index, even across outages and crashes."""

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

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: connection refused at once


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
def test_writes_succeed_while_elasticsearch_is_down_and_sync_catches_up(
    elasticsearch_settings,
):
    settings = elasticsearch_settings
    Organization.objects.bulk_create(
        OrganizationFactory.build(name=f"停机测试协会{i:04d}") for i in range(1000)
    )
    get_backend().rebuild(chunk_size=500, progress=None)
    OutboxEntry.objects.all().delete()
    live_url = settings.ELASTICSEARCH_URL

    settings.ELASTICSEARCH_URL = UNREACHABLE
    with transaction.atomic():
        changed = list(Organization.objects.all())
        for org in changed:
            org.name = org.name.replace("停机测试", "恢复测试")
        Organization.objects.bulk_update(changed, ["name"])
        outbox_record(organization_ids=[org.id for org in changed])
    assert outbox_backlog().entries == 1000
    with pytest.raises(SearchUnavailable):
        search_sync(retries=2, sleep=no_sleep)
    assert outbox_backlog().entries == 1000

    settings.ELASTICSEARCH_URL = live_url
    report = search_sync(batch_size=300)
    get_backend().refresh()
    assert report.indexed == 1000 and report.remaining == 0
    assert count("恢复测试") == 1000
    assert count("停机测试") == 0


def test_sync_runs_as_a_background_task(settings):
    from search.tasks import search_sync_task

    settings.ELASTICSEARCH_URL = ""
    OrganizationFactory(name="后台任务协会")
    result = search_sync_task.enqueue(batch_size=10)
    assert result.return_value == 1
    assert outbox_backlog().entries == 0
    assert count("后台任务") == 1

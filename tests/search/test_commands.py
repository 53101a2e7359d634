"""search_index, search_sync and search_status."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from search.models import OutboxEntry
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_index_status_and_sync_tell_the_state_of_search(search_backend):
    OrganizationFactory.create_batch(3)
    assert "would index 3" in run("search_index", rebuild=True, dry_run=True)
    assert "indexed 3 organizations" in run("search_index", rebuild=True)
    OutboxEntry.objects.all().delete()
    search_backend.refresh()
    status = run("search_status")
    assert "documents      3" in status and "outbox         0 waiting" in status
    OrganizationFactory()
    assert "1 outbox entries waiting" in run("search_sync", dry_run=True)
    assert "indexed 1 organizations" in run("search_sync")
    search_backend.refresh()
    assert "documents      4" in run("search_status")


def test_sync_fails_loudly_and_keeps_the_outbox_when_the_engine_is_down(settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    OrganizationFactory()
    with pytest.raises(CommandError, match="outbox is kept"):
        run("search_sync", retries=0)
    assert OutboxEntry.objects.count() == 1
    assert "the index cannot be read" in run("search_status")


def test_index_without_rebuild_says_what_to_do():
    with pytest.raises(CommandError, match="--rebuild"):
        run("search_index")

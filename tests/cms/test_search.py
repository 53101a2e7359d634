"""Wagtail's own search over CMS pages: its database backend by default, Elasticsearch
8 when ELASTICSEARCH_URL is set (``portal.settings.base.wagtail_search_backends``)."""

import pytest
from django.core.management import call_command
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from cms.models import HomePage, StandardPage
from portal.settings.base import wagtail_search_backends

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    home = HomePage.objects.get()
    found = home.add_child(
        instance=StandardPage(
            title="How grades are given",
            slug="grades",
            body="<p>Every deduction cites its regulation: 慈善法 and MCA Order 60.</p>",
        )
    )
    home.add_child(
        instance=StandardPage(
            title="About the register", slug="about", body="<p>Who keeps it.</p>"
        )
    )
    draft = home.add_child(
        instance=StandardPage(
            title="Unpublished grades draft", slug="draft", live=False
        )
    )
    return found, draft


def titles(text):
    return [page.title for page in Page.objects.live().search(text)]


def test_settings_choose_wagtails_database_backend_without_elasticsearch():
    assert wagtail_search_backends("", index_prefix="x") == {
        "default": {"BACKEND": "wagtail.search.backends.database"}
    }
    chosen = wagtail_search_backends("http://127.0.0.1:9200", index_prefix="p")
    assert chosen["default"]["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    assert chosen["default"]["INDEX_PREFIX"] == "p-wagtail-"


def test_cms_page_is_found_through_wagtails_database_search(settings, pages):
    settings.WAGTAILSEARCH_BACKENDS = wagtail_search_backends("", index_prefix="t")
    assert type(get_search_backend()).__module__.startswith(
        "modelsearch.backends.database"
    )
    assert titles("deduction regulation") == ["How grades are given"]
    assert titles("grades") == ["How grades are given"]  # the draft is not live
    assert titles("nothing like this") == []


@pytest.mark.elasticsearch
def test_cms_page_is_found_through_wagtails_elasticsearch_backend(
    settings, private_elasticsearch, pages
):
    """On a private node: its analysis plugin has the ngram and asciifolding
    components Wagtail's index settings name (scripts/elasticsearch-analysis)."""
    prefix = f"cms-{private_elasticsearch.port}"
    settings.WAGTAILSEARCH_BACKENDS = wagtail_search_backends(
        private_elasticsearch.url, index_prefix=prefix
    )
    backend = get_search_backend()
    assert type(backend).__name__ == "Elasticsearch8SearchBackend"
    try:
        call_command("update_index", verbosity=0)
        backend.es.indices.refresh(index=f"{prefix}-wagtail-*")
        assert titles("deduction regulation") == ["How grades are given"]
        assert titles("grades") == ["How grades are given"]
        assert titles("nothing like this") == []
        autocomplete = Page.objects.live().autocomplete("regis")
        assert [page.title for page in autocomplete] == ["About the register"]
    finally:
        backend.es.indices.delete(
            index=f"{prefix}-wagtail-*", ignore_unavailable=True, allow_no_indices=True
        )

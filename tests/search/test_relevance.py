"""The judged query set (search/relevance.py) against both backends.

The figures are asserted as floors so a change that makes search worse fails here;
``manage.py search_benchmark`` prints the same figures for docs/benchmarks.md.
"""

import pytest
from django.db import connection

from orgs.models import FormerName
from search.relevance import QUERIES, REGISTRY, evaluate
from search.selectors import search_organizations
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged_registry():
    fields_by_key = {}
    for serial, fixture in enumerate(REGISTRY):
        fields = fixture.fields(serial)
        org = OrganizationFactory(**fields)
        FormerName.objects.bulk_create(
            FormerName(organization=org, name=name) for name in fixture.former_names
        )
        fields_by_key[fixture.key] = fields
    return fields_by_key


def test_the_judged_set_is_large_and_varied():
    assert len(QUERIES) >= 60
    assert len({q.kind for q in QUERIES}) >= 8


def test_relevance_of_each_backend(search_backend, judged_registry):
    search_backend.rebuild(chunk_size=500, progress=None)
    search_backend.refresh()

    def run(query):
        return [hit.org_id for hit in search_organizations(query).hits]

    typo_tolerant = not (
        search_backend.name == "database" and connection.vendor == "sqlite"
    )
    queries = [q for q in QUERIES if typo_tolerant or not q.typo]
    report = evaluate(run, judged_registry, queries)
    floor = 0.9 if search_backend.name == "elasticsearch" else 0.85
    assert report.mrr >= floor, report.misses
    assert report.recall_at_10 >= 0.95, report.misses

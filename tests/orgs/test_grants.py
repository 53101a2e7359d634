"""Grants on the profile: counts, totals per currency and the latest, in few queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Grant
from orgs.selectors import organization_grants

from ..factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def grant(number: int, *, recipient, funder, amount: str, currency: str = "GBP"):
    return Grant.objects.create(
        identifier=f"360G-TEST-{number}",
        title=f"Grant {number}",
        amount=Decimal(amount),
        currency=currency,
        award_date=dt.date(2020, 1, number),
        recipient=recipient,
        recipient_name=recipient.name if recipient else "Someone",
        funder=funder,
        funder_org_id=funder.org_id,
        funder_name=funder.name,
    )


def test_grants_received_and_made_are_counted_and_totalled_per_currency():
    funder, charity, other = OrganizationFactory.create_batch(3)
    grant(1, recipient=charity, funder=funder, amount="100.50")
    grant(2, recipient=charity, funder=funder, amount="200.00")
    grant(3, recipient=charity, funder=other, amount="50", currency="USD")
    grant(4, recipient=None, funder=charity, amount="7.25")

    summary = organization_grants(organization=charity, limit=2)

    received = summary["received"]
    assert received["count"] == 3
    assert received["totals"] == [
        {"currency": "GBP", "total": Decimal("300.50"), "count": 2},
        {"currency": "USD", "total": Decimal("50.00"), "count": 1},
    ]
    assert [g.identifier for g in received["latest"]] == ["360G-TEST-3", "360G-TEST-2"]
    assert summary["made"]["count"] == 1
    assert summary["made"]["totals"][0]["total"] == Decimal("7.25")
    assert organization_grants(organization=funder)["received"]["count"] == 0
    assert organization_grants(organization=funder)["made"]["count"] == 2


def test_an_organization_without_grants_costs_one_query():
    organization = OrganizationFactory()

    with CaptureQueriesContext(connection) as queries:
        summary = organization_grants(organization=organization)

    assert len(queries.captured_queries) == 1
    assert summary["received"] == {"count": 0, "totals": [], "latest": []}

"""Integrity the database itself enforces, whatever wrote the row."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orgs.models import Organization
from tests.factories import FilingFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field", ["income_donations", "expenses_management", "total_assets"]
)
def test_database_rejects_negative_amounts_the_form_forbids(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        FilingFactory(**{field: -1})


def test_negative_net_assets_and_investment_losses_are_kept_as_filed():
    filing = FilingFactory(net_assets=-5000, income_investment=-1200)
    filing.refresh_from_db()
    assert filing.net_assets == -5000
    assert filing.income_investment == -1200


def test_one_version_per_fiscal_year():
    first = FilingFactory(fiscal_year=2024)
    with pytest.raises(IntegrityError), transaction.atomic():
        FilingFactory(organization=first.organization, fiscal_year=2024)
    amended = FilingFactory(
        organization=first.organization, fiscal_year=2024, version=2
    )
    assert amended.pk != first.pk


def test_org_id_is_unique_across_registries():
    org = OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(
            registry="US-IRS",
            identifier="530196605",
            org_id=org.org_id,
            name="x",
            org_type="other",
        )


def test_clean_rejects_a_bad_check_character():
    org = OrganizationFactory.build(identifier="91350100M000100Y44")
    with pytest.raises(ValidationError) as excinfo:
        org.clean()
    assert "expected 3" in str(excinfo.value)


def test_totals_and_lateness():
    filing = FilingFactory(fiscal_year=2024, submitted_on="2025-06-02")
    filing.refresh_from_db()
    assert filing.total_income == 900000
    assert filing.total_expenses == 780000
    assert filing.is_late

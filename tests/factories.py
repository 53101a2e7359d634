"""factory-boy factories for the registry."""

import datetime as dt
import itertools
from decimal import Decimal

import factory

from orgs.identifiers import USCC_CHARSET, make_org_id, uscc_check_character
from orgs.models import (
    Filing,
    FilingForm,
    Organization,
    OrgType,
    Registry,
    RegulatoryEvent,
)

_TYPE_DIGIT = {
    OrgType.SOCIAL_GROUP: "1",
    OrgType.SOCIAL_SERVICE_AGENCY: "2",
    OrgType.FOUNDATION: "3",
}
_serial = itertools.count(1)


def make_uscc(org_type: str = OrgType.SOCIAL_GROUP, region: str = "440300") -> str:
    """A valid civil-affairs unified social credit code, unique per call."""
    n = next(_serial)
    body = ""
    for _ in range(9):
        n, digit = divmod(n, len(USCC_CHARSET))
        body = USCC_CHARSET[digit] + body
    first17 = "5" + _TYPE_DIGIT.get(org_type, "1") + region + body
    return first17 + uscc_check_character(first17)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    registry = Registry.CN_MCA
    org_type = OrgType.SOCIAL_GROUP
    region = "440300"
    identifier = factory.LazyAttribute(lambda o: make_uscc(o.org_type, o.region))
    org_id = factory.LazyAttribute(lambda o: make_org_id(o.registry, o.identifier))
    name = factory.Sequence(lambda n: f"深圳市第{n}公益促进会")
    registered_on = dt.date(2015, 3, 1)


class FilingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Filing

    organization = factory.SubFactory(OrganizationFactory)
    fiscal_year = 2024
    form = FilingForm.ANNUAL_REPORT
    due_on = factory.LazyAttribute(lambda f: dt.date(f.fiscal_year + 1, 5, 31))
    submitted_on = factory.LazyAttribute(lambda f: dt.date(f.fiscal_year + 1, 4, 20))
    income_donations = Decimal("800000.00")
    income_government_grants = Decimal("100000.00")
    expenses_programs = Decimal("700000.00")
    expenses_management = Decimal("80000.00")
    total_assets = Decimal("1500000.00")
    total_liabilities = Decimal("200000.00")
    net_assets = Decimal("1300000.00")


class RegulatoryEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegulatoryEvent

    organization = factory.SubFactory(OrganizationFactory)
    date = dt.date(2024, 6, 1)
    kind = "warning"
    authority = "深圳市民政局"
    reference = factory.Sequence(lambda n: f"深民罚〔2024〕{n}号")

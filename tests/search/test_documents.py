"""What the search document says of an organization: income bands and lists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q

from search.documents import organization_lists
from search.query import INCOME_BANDS, facet_label, income_band
from tests.factories import OrganizationFactory, RegulatoryEventFactory


@pytest.mark.parametrize(
    "amount, currency, band",
    [
        (None, "CNY", "none"),
        (Decimal("-3150.25"), "CNY", "CNY-under-100k"),  # investment losses
        (Decimal("0"), "CNY", "CNY-under-100k"),
        (Decimal("99999.99"), "CNY", "CNY-under-100k"),
        (Decimal("100000"), "CNY", "CNY-100k-1m"),
        (Decimal("999999.99"), "CNY", "CNY-100k-1m"),
        (Decimal("1000000"), "CNY", "CNY-1m-10m"),
        (Decimal("100000000"), "CNY", "CNY-100m-plus"),
        (Decimal("50000"), "USD", "USD-50k-200k"),
        (Decimal("49999"), "USD", "USD-under-50k"),
        (Decimal("10000000"), "USD", "USD-10m-plus"),
        (Decimal("9999"), "GBP", "GBP-under-10k"),
        (Decimal("1000000"), "GBP", "GBP-1m-10m"),
        (Decimal("5000"), "EUR", "other-currency"),
    ],
)
def test_income_band_boundaries(amount, currency, band):
    assert income_band(amount, currency) == band


def test_every_band_has_a_label_naming_its_currency_and_range():
    assert facet_label("income_band", "CNY-under-100k") == "CNY under 100,000"
    assert facet_label("income_band", "GBP-10m-plus") == "GBP 10,000,000 and over"
    assert facet_label("income_band", "none") == "no income reported"
    for band, (currency, _low, _high) in INCOME_BANDS.items():
        assert facet_label("income_band", band).startswith(currency)


@pytest.mark.django_db
def test_lists_replay_entries_and_exits_and_skip_events_naming_no_list():
    org = OrganizationFactory()

    def event(kind, day, detail, reference=""):
        RegulatoryEventFactory(
            organization=org,
            kind=kind,
            date=dt.date(2024, 1, day),
            detail=detail,
            reference=reference,
        )

    event("list_entry", 1, "列入活动异常名录")
    event("list_exit", 2, "移出活动异常名录")
    event("list_entry", 3, "", reference="Serious illegal and dishonest list 2024/7")
    event("list_entry", 4, "")  # which list is not said: left out, not guessed
    event("fine", 5, "活动异常")  # not a list event
    assert organization_lists(Q(organization_id=org.id)) == {
        org.id: {"serious-dishonest"}
    }
    event("list_exit", 6, "移出严重违法失信名单")
    assert organization_lists(Q(organization_id=org.id)) == {}


def test_list_and_band_labels_are_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert facet_label("lists", "serious-dishonest") == "严重违法失信名单"
        assert facet_label("income_band", "CNY-under-100k") == "CNY 100,000 以下"

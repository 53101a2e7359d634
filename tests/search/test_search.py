"""One suite of search cases, run against both backends (``search_backend``)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from orgs.models import FormerName
from search.query import InvalidSearch, SearchQuery
from search.selectors import search_organizations, suggest
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.django_db


def rebuilt(backend):
    backend.rebuild(chunk_size=50, progress=None)
    backend.refresh()
    return backend


def names(text="", **kwargs):
    return [h.name for h in search_organizations(SearchQuery(text=text, **kwargs)).hits]


def needs_typo_tolerance(backend):
    if backend.name == "database" and connection.vendor == "sqlite":
        pytest.xfail("SQLite FTS5 trigram search has no typo tolerance")


@pytest.fixture
def registry():
    orgs = {
        "charity": OrganizationFactory(
            name="深圳市慈善会", name_en="Shenzhen Charity Federation"
        ),
        "charity_vol": OrganizationFactory(name="深圳市慈善会志愿者协会"),
        "nanshan": OrganizationFactory(name="深圳市南山区慈善会", region="440305"),
        "redcross": OrganizationFactory(
            name="广州市红十字会",
            name_en="Guangzhou Red Cross Society",
            region="440100",
            org_type="foundation",
        ),
        "env_old": OrganizationFactory(
            name="南京市环境保护协会", region="320100", status="deregistered"
        ),
        "env": OrganizationFactory(name="南京市环境保护协会", region="320100"),
        "habitat": OrganizationFactory(
            registry="US-IRS",
            identifier="911914868",
            org_type="public_charity",
            region="GA",
            name="Habitat for Humanity International",
        ),
        "feeding": OrganizationFactory(
            registry="US-IRS",
            identifier="363673599",
            org_type="public_charity",
            region="IL",
            name="Feeding America",
        ),
    }
    FormerName.objects.create(
        organization=orgs["feeding"], name="America's Second Harvest"
    )
    FormerName.objects.create(organization=orgs["env"], name="南京市环保志愿者联合会")
    return orgs


def test_exact_name_ranks_before_longer_names_containing_it(search_backend, registry):
    rebuilt(search_backend)
    assert names("深圳市慈善会")[:2] == ["深圳市慈善会", "深圳市慈善会志愿者协会"]


def test_two_character_chinese_fragment_finds_every_name_with_it(
    search_backend, registry
):
    rebuilt(search_backend)
    assert set(names("慈善")) == {
        "深圳市慈善会",
        "深圳市慈善会志愿者协会",
        "深圳市南山区慈善会",
    }


def test_full_code_goes_straight_to_the_organization(search_backend, registry):
    rebuilt(search_backend)
    org = registry["nanshan"]
    for text in (org.identifier, org.identifier.lower(), org.org_id):
        assert names(text)[0] == org.name


def test_partial_code_finds_the_organization_first(search_backend, registry):
    rebuilt(search_backend)
    org = registry["redcross"]
    assert names(org.identifier[:15])[0] == org.name
    assert names(org.identifier[-7:])[0] == org.name
    assert names("91-1914868")[0] == "Habitat for Humanity International"


def test_former_name_finds_the_organization_and_is_highlighted(
    search_backend, registry
):
    rebuilt(search_backend)
    results = search_organizations(SearchQuery(text="Second Harvest"))
    assert results.hits[0].name == "Feeding America"
    assert "<mark>" in results.hits[0].highlight
    assert "Harvest" in results.hits[0].highlight


def test_active_organization_ranks_before_a_deregistered_namesake(
    search_backend, registry
):
    rebuilt(search_backend)
    results = search_organizations(SearchQuery(text="南京市环境保护协会"))
    assert [h.status for h in results.hits[:2]] == ["active", "deregistered"]


def test_english_words_in_any_case_and_order(search_backend, registry):
    rebuilt(search_backend)
    assert names("humanity HABITAT")[0] == "Habitat for Humanity International"


def test_every_word_of_a_query_must_match(search_backend, registry):
    """Words are ANDed on every backend (Elasticsearch's ``operator: and``): a query
    whose words each match a different organization, or one good word beside a word
    that matches nothing, finds nothing, typo tolerance included."""
    rebuilt(search_backend)
    assert names("Habitat America") == []  # each word names another organization
    assert names("Humanity zzzz") == []  # one good word does not carry the query
    assert names("Feeding 慈善会") == []
    assert names("南山 慈善会") == ["深圳市南山区慈善会"]
    assert names("america FEEDING") == ["Feeding America"]


def test_misspelt_word_beside_a_correct_one_is_found(search_backend, registry):
    needs_typo_tolerance(search_backend)
    rebuilt(search_backend)
    assert names("Humanty Habitat")[0] == "Habitat for Humanity International"
    assert names("Humanty zzzzz") == []


def test_full_width_query_matches_half_width_name(search_backend, registry):
    rebuilt(search_backend)
    assert names("Ｆｅｅｄｉｎｇ Ａｍｅｒｉｃａ")[0] == "Feeding America"


def test_misspelt_latin_name_is_found(search_backend, registry):
    needs_typo_tolerance(search_backend)
    rebuilt(search_backend)
    assert names("Habitat for Humanty")[0] == "Habitat for Humanity International"


def test_like_wildcards_in_a_query_match_literally(search_backend, registry):
    rebuilt(search_backend)
    assert names("%") == [] and names("_") == []
    if search_backend.name == "database":  # the engine drops punctuation instead
        assert names("慈%会") == []


def test_filters_narrow_and_several_values_of_one_filter_widen(
    search_backend, registry
):
    rebuilt(search_backend)
    assert set(names(registry=("US-IRS",))) == {
        "Habitat for Humanity International",
        "Feeding America",
    }
    assert names("慈善会", region=("440305",)) == ["深圳市南山区慈善会"]
    assert len(names(region=("440000",))) == 4  # province: its cities and districts
    assert len(names(region=("440300",))) == 3  # city: its districts too
    assert set(names(status=("deregistered",))) == {"南京市环境保护协会"}
    assert len(names(org_type=("foundation", "public_charity"))) == 3


def test_facet_counts_ignore_their_own_filter_only(search_backend, registry):
    rebuilt(search_backend)
    results = search_organizations(
        SearchQuery(registry=("CN-MCA",), status=("active",))
    )
    assert results.count == 5
    facets = {
        name: {v.value: v.count for v in values}
        for name, values in results.facets.items()
    }
    assert facets["registry"] == {"CN-MCA": 5, "US-IRS": 2}
    assert facets["status"] == {"active": 5, "deregistered": 1}
    assert facets["region"] == {"440000": 4, "320000": 1}
    labels = {v.value: v.label for v in results.facets["org_type"]}
    assert labels["foundation"].startswith("Foundation")


def test_sort_by_name_and_by_latest_income(search_backend, registry):
    FilingFactory(
        organization=registry["feeding"],
        fiscal_year=2024,
        income_donations=Decimal("900"),
        income_government_grants=None,
    )
    FilingFactory(
        organization=registry["feeding"],
        fiscal_year=2023,
        income_donations=Decimal("9000000"),
    )
    FilingFactory(organization=registry["habitat"], income_donations=Decimal("5000"))
    rebuilt(search_backend)
    by_income = names(registry=("US-IRS",), sort="income")
    assert by_income == ["Habitat for Humanity International", "Feeding America"]
    by_name = names(sort="name")
    assert by_name == sorted(by_name)


def test_pages_and_cursor_continue_without_overlap(search_backend, registry):
    rebuilt(search_backend)
    first = search_organizations(SearchQuery(page_size=3))
    second = search_organizations(SearchQuery(page_size=3, page=2))
    by_cursor = search_organizations(SearchQuery(page_size=3, cursor=first.next_cursor))
    assert first.count == 8 and len(first.hits) == 3
    assert [h.org_id for h in second.hits] == [h.org_id for h in by_cursor.hits]
    assert not {h.org_id for h in first.hits} & {h.org_id for h in second.hits}
    with pytest.raises(InvalidSearch):
        search_organizations(SearchQuery(page_size=3, page=4))


def test_highlight_escapes_html_in_names(search_backend):
    OrganizationFactory(name="<b>阳光</b>公益协会")
    rebuilt(search_backend)
    highlight = search_organizations(SearchQuery(text="阳光")).hits[0].highlight
    assert "<b>" not in highlight and "&lt;b&gt;" in highlight
    assert "<mark>阳光</mark>" in highlight


def test_empty_query_lists_everything_active_first(search_backend, registry):
    rebuilt(search_backend)
    results = search_organizations(SearchQuery())
    assert results.count == 8
    assert results.hits[-1].status == "deregistered"
    assert results.backend == search_backend.name


def test_suggest_completes_chinese_and_english_prefixes(search_backend, registry):
    rebuilt(search_backend)
    assert [s.name for s in suggest("深圳市慈")][:2] == [
        "深圳市慈善会",
        "深圳市慈善会志愿者协会",
    ]
    assert suggest("habit")[0].name == "Habitat for Humanity International"
    assert suggest("   ") == []


def test_changed_and_deleted_organizations_are_reindexed(search_backend, registry):
    rebuilt(search_backend)
    org = registry["charity_vol"]
    org.name = "深圳市义工联合会"
    org.save()
    gone = registry["redcross"]
    gone_id = gone.id
    gone.delete()
    search_backend.index_organizations([org.id, gone_id])
    search_backend.refresh()
    assert names("义工联合会") == ["深圳市义工联合会"]
    assert names("红十字") == []
    assert search_backend.status().documents == 7


def test_rebuild_keeps_answering_and_replaces_the_index(search_backend, registry):
    rebuilt(search_backend)
    before = search_backend.status().index
    OrganizationFactory(name="厦门市新增公益协会", region="350200")
    rebuilt(search_backend)
    assert names("新增公益") == ["厦门市新增公益协会"]
    assert search_backend.status().documents == 9
    if search_backend.name == "elasticsearch":
        assert search_backend.status().index != before
        assert len(search_backend._indices()) == 1


def test_grade_from_the_credit_module_is_searchable(search_backend, registry):
    from django.apps import apps

    if not apps.is_installed("credit"):
        pytest.skip("the credit module is not installed")
    score = apps.get_model("credit", "Score")
    fields = {f.name for f in score._meta.get_fields()}
    values = {  # the credit model is young: set the fields it has
        "organization": registry["charity"],
        "methodology_version": "test",
        "valid_from": dt.date(2025, 1, 1),
        "as_of": dt.date(2025, 1, 1),
        "score": 95,
        "grade": "A",
        "fingerprint": "test",
        "is_current": True,
    }
    score.objects.create(**{k: v for k, v in values.items() if k in fields})
    rebuilt(search_backend)
    results = search_organizations(SearchQuery(grade=("A",)))
    assert [h.name for h in results.hits] == ["深圳市慈善会"]
    assert results.hits[0].grade == "A"
    assert {v.value: v.count for v in results.facets["grade"]} == {"A": 1}
    assert names(sort="grade")[0] == "深圳市慈善会"


def facet_counts(results, facet):
    return {v.value: v.count for v in results.facets[facet]}


def test_income_band_filters_and_counts_in_the_filing_currency(
    search_backend, registry
):
    FilingFactory(  # CNY 900,000: the 100k-1m band
        organization=registry["charity"],
        income_donations=Decimal("800000"),
        income_government_grants=Decimal("100000"),
    )
    FilingFactory(  # CNY 25M
        organization=registry["redcross"], income_donations=Decimal("25000000")
    )
    FilingFactory(  # $150,000: the 990-EZ band, 50k-200k
        organization=registry["habitat"],
        currency="USD",
        income_donations=Decimal("150000"),
        income_government_grants=None,
    )
    rebuilt(search_backend)
    everything = search_organizations(SearchQuery())
    assert facet_counts(everything, "income_band") == {
        "none": 5,
        "CNY-100k-1m": 1,
        "CNY-10m-100m": 1,
        "USD-50k-200k": 1,
    }
    labels = {v.value: v.label for v in everything.facets["income_band"]}
    assert labels["USD-50k-200k"] == "USD 50,000–200,000"
    assert names(income_band=("CNY-10m-100m",)) == ["广州市红十字会"]
    both = search_organizations(
        SearchQuery(income_band=("CNY-100k-1m", "USD-50k-200k"), registry=("US-IRS",))
    )
    assert [h.name for h in both.hits] == ["Habitat for Humanity International"]
    # The band facet ignores its own filter but not the registry's.
    assert facet_counts(both, "income_band") == {"none": 1, "USD-50k-200k": 1}


def test_list_membership_filters_and_counts(search_backend, registry):
    RegulatoryEventFactory(
        organization=registry["env"],
        kind="list_entry",
        detail="列入活动异常名录：通过登记的住所无法与其取得联系",
    )
    RegulatoryEventFactory(
        organization=registry["nanshan"],
        kind="list_entry",
        date=dt.date(2023, 1, 5),
        detail="列入活动异常名录",
    )
    RegulatoryEventFactory(
        organization=registry["nanshan"],
        kind="list_entry",
        date=dt.date(2024, 3, 1),
        detail="列入严重违法失信名单",
    )
    RegulatoryEventFactory(  # left the abnormal list, still on the serious one
        organization=registry["nanshan"],
        kind="list_exit",
        date=dt.date(2024, 9, 1),
        detail="移出活动异常名录",
    )
    RegulatoryEventFactory(organization=registry["charity"], kind="warning")
    rebuilt(search_backend)
    everything = search_organizations(SearchQuery())
    assert facet_counts(everything, "lists") == {
        "abnormal": 1,
        "serious-dishonest": 1,
    }
    labels = {v.value: v.label for v in everything.facets["lists"]}
    assert labels["serious-dishonest"] == "Serious illegal and dishonest list"
    assert names(lists=("abnormal",)) == ["南京市环境保护协会"]
    assert names(lists=("serious-dishonest",)) == ["深圳市南山区慈善会"]
    assert sorted(names("协会", lists=("abnormal", "serious-dishonest"))) == [
        "南京市环境保护协会"
    ]
    assert names(lists=("illegal",)) == []


def test_list_change_reaches_the_index_through_the_outbox(search_backend, registry):
    from search.services import search_sync

    rebuilt(search_backend)
    RegulatoryEventFactory(
        organization=registry["feeding"],
        kind="list_entry",
        detail="Entered the abnormal activity list",
    )
    search_sync(backend=search_backend)
    search_backend.refresh()
    assert names(lists=("abnormal",)) == ["Feeding America"]


@pytest.mark.parametrize("sort", ["relevance", "name", "income", "grade"])
def test_cursor_walks_every_sort_to_the_end_without_repeats(
    search_backend, registry, sort
):
    FilingFactory(organization=registry["feeding"], income_donations=Decimal("900"))
    rebuilt(search_backend)
    seen, cursor = [], ""
    for _ in range(10):
        page = search_organizations(
            SearchQuery(text="", sort=sort, page_size=3, cursor=cursor)
        )
        seen += [hit.org_id for hit in page.hits]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8


def test_a_confirmed_list_entry_reaches_the_index(search_backend, registry):
    """Lists the portal keeps (credit.ListEntry, confirmed by a regulator) are
    searchable like those an imported register states."""
    from credit import review
    from credit.models import Flag
    from portal.models import User
    from search.services import search_sync

    rebuilt(search_backend)
    flag = Flag.objects.create(
        organization=registry["feeding"],
        kind="serious_dishonest",
        risk=0.8,
        source="test",
        raised_on=dt.date(2026, 1, 1),
    )
    staff = User.objects.create_user(username="root", is_superuser=True)
    review.flag_confirm(flag=flag, user=staff, note="fine of CNY 80,000")
    search_sync(backend=search_backend)
    search_backend.refresh()
    assert names(lists=("serious-dishonest",)) == ["Feeding America"]

"""/api/v1/search, /api/v1/search/suggest and the /search/ page."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(settings):
    settings.ELASTICSEARCH_URL = ""
    OrganizationFactory(name="深圳市慈善会", name_en="Shenzhen Charity Federation")
    OrganizationFactory(name="深圳市慈善会志愿者协会", status="revoked")
    call_command("search_index", rebuild=True, verbosity=0)


def test_search_answers_the_documented_contract(api_client, indexed):
    response = api_client.get(
        "/api/v1/search", {"q": "慈善会", "page_size": 1}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "count",
        "results",
        "facets",
        "backend",
        "took_ms",
        "next_cursor",
    }
    assert body["count"] == 2 and body["backend"] == "database"
    assert set(body["results"][0]) == {
        "org_id", "name", "name_en", "org_type", "region", "status", "grade", "highlight",
    }  # fmt: skip
    assert body["results"][0]["name"] == "深圳市慈善会"
    assert "<mark>慈善会</mark>" in body["results"][0]["highlight"]
    assert set(body["facets"]) == {
        "registry", "org_type", "region", "status", "grade", "income_band", "lists",
    }  # fmt: skip
    assert body["facets"]["status"] == [
        {"value": "active", "label": "Active", "count": 1},
        {"value": "revoked", "label": "Revoked (吊销)", "count": 1},
    ]
    assert body["next_cursor"]


def test_filters_take_several_values(api_client, indexed):
    response = api_client.get("/api/v1/search?status=active,revoked&type=social_group")
    assert response.json()["count"] == 2


@pytest.mark.parametrize(
    "params, message",
    [
        ({"registry": "XX"}, "Unknown registry"),
        ({"type": "cult"}, "Unknown type"),
        ({"status": "dead"}, "Unknown status"),
        ({"grade": "Z"}, "Unknown grade"),
        ({"region": "<script>"}, "Unknown region"),
        ({"list": "serious"}, "Unknown list"),
        ({"income_band": "CNY-1-2"}, "Unknown income_band"),
        ({"income_band": "none,huge"}, "Unknown income_band: huge"),
        ({"sort": "random"}, "Unknown sort"),
        ({"page_size": "101"}, "page_size is at most 100"),
        ({"page_size": "0"}, "page_size must be"),
        ({"page": "-1"}, "page must be"),
        ({"page": "abc"}, "page must be"),
        ({"page": "3"}, "beyond the last result"),
        ({"page": "501", "page_size": "20"}, "cursor"),
        ({"cursor": "not-a-cursor"}, "Invalid cursor"),
        ({"q": "慈" * 10_000}, "too long"),
    ],
)
def test_bad_parameters_answer_400_with_a_message(api_client, indexed, params, message):
    response = api_client.get("/api/v1/search", params)
    assert response.status_code == 400
    body = response.json()
    assert message in body["detail"]
    # The problem names the parameter at fault ("type" for org_type, and so on).
    [problem] = body["problems"]
    assert problem["field"] in params
    assert problem["message"] == body["detail"]


def test_income_band_and_list_filters_and_facets(api_client, settings):
    from tests.factories import FilingFactory, RegulatoryEventFactory

    settings.ELASTICSEARCH_URL = ""
    listed = OrganizationFactory(name="异常名录测试协会")
    RegulatoryEventFactory(
        organization=listed, kind="list_entry", detail="列入活动异常名录"
    )
    FilingFactory(organization=listed, income_donations=Decimal("2000000"))
    OrganizationFactory(name="另一个测试协会")
    call_command("search_index", rebuild=True, verbosity=0)

    body = api_client.get("/api/v1/search", {"list": "abnormal"}).json()
    assert [hit["name"] for hit in body["results"]] == ["异常名录测试协会"]
    body = api_client.get("/api/v1/search", {"income_band": "none"}).json()
    assert [hit["name"] for hit in body["results"]] == ["另一个测试协会"]
    facets = api_client.get("/api/v1/search", HTTP_ACCEPT_LANGUAGE="en").json()[
        "facets"
    ]
    assert facets["lists"] == [
        {"value": "abnormal", "label": "Abnormal activity list", "count": 1}
    ]
    assert {v["value"]: v["count"] for v in facets["income_band"]} == {
        "CNY-1m-10m": 1,
        "none": 1,
    }


def test_search_page_has_income_and_list_checkboxes(client, settings):
    from tests.factories import RegulatoryEventFactory

    settings.ELASTICSEARCH_URL = ""
    listed = OrganizationFactory(name="异常名录测试协会")
    RegulatoryEventFactory(
        organization=listed, kind="list_entry", detail="列入活动异常名录"
    )
    call_command("search_index", rebuild=True, verbosity=0)
    html = client.get(
        "/search/", {"list": "abnormal"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<legend>Lists</legend>" in html
    assert "<legend>Latest income</legend>" in html
    assert "no income reported" in html
    assert "Abnormal activity list ×" in html  # the active filter as a chip
    assert "checked> Abnormal activity list" in html


def test_engine_outage_answers_503(api_client, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    response = api_client.get("/api/v1/search", {"q": "慈善"})
    assert response.status_code == 503
    assert api_client.get("/api/v1/search/suggest", {"q": "慈善"}).status_code == 503


def test_suggest_completes_what_is_typed(api_client, indexed):
    response = api_client.get("/api/v1/search/suggest", {"q": "深圳市慈"})
    assert response.status_code == 200
    assert [s["name"] for s in response.json()["results"]] == [
        "深圳市慈善会",
        "深圳市慈善会志愿者协会",
    ]
    assert (
        api_client.get("/api/v1/search/suggest", {"q": "x" * 5000}).status_code == 400
    )


def test_search_page_shows_results_facets_and_chips(client, indexed):
    response = client.get("/search/", {"q": "慈善会", "status": "active"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>慈善会</mark>" in html
    assert 'type="checkbox"' in html and "checked" in html
    assert 'class="chip"' in html


def test_search_page_empty_state_suggests_what_to_try(client, indexed):
    response = client.get("/search/", {"q": "不存在的名字"})
    assert response.status_code == 200
    assert (
        "Search by code" in response.content.decode()
        or "代码" in response.content.decode()
    )


def test_search_page_reports_bad_parameters(client, indexed):
    assert client.get("/search/", {"page_size": "500"}).status_code == 400


def _cursor(value) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"status": "dead"}, "Unknown status: dead"),
        ({"income_band": "CNY-huge"}, "Unknown income_band"),
        ({"page": "2"}, "beyond the last result"),
        ({"page": "999999999"}, "cursor"),
        ({"page_size": "101"}, "page_size is at most 100"),
        ({"q": "x" * 10_240}, "too long"),
        ({"q": "慈" * 10_000}, "too long"),
        ({"cursor": "%%%"}, "Invalid cursor"),
        ({"cursor": _cursor({"offset": -5})}, "Invalid cursor"),
        ({"cursor": _cursor({"offset": "ten"})}, "Invalid cursor"),
        ({"cursor": _cursor(["a", "b", "c", "d", "e"])}, "Invalid cursor"),
        ({"cursor": _cursor([{"x": 1}])}, "Invalid cursor"),
    ],
)
def test_bad_parameters_answer_400_on_every_backend(
    api_client, search_backend, params, message
):
    OrganizationFactory(name="深圳市慈善会")
    search_backend.rebuild(chunk_size=50, progress=None)
    search_backend.refresh()
    response = api_client.get("/api/v1/search", params)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    "raw, found",
    [
        ("%E6%85%88%E5%96%84%00%E4%BC%9A", 1),  # 慈善<NUL>会: the NUL is dropped
        ("%00", 1),  # nothing left: every organization
        ("%E6%85%88%ED%A0%80%FF", 0),  # invalid UTF-8: replacement characters
        ("%01%1F%7F", 1),
    ],
)
def test_control_characters_and_bad_utf8_never_break_search(
    api_client, search_backend, raw, found
):
    OrganizationFactory(name="深圳市慈善会")
    search_backend.rebuild(chunk_size=50, progress=None)
    search_backend.refresh()
    response = api_client.get(f"/api/v1/search?q={raw}")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == found
    suggest = api_client.get(f"/api/v1/search/suggest?q={raw}")
    assert suggest.status_code == 200, suggest.content

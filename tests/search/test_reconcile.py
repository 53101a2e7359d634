"""The W3C Reconciliation API at /api/reconcile (what OpenRefine calls).

The scoring is pure and tested with tables; the endpoint runs against both search
backends (``search_backend``: the database one, and Elasticsearch when marked).
"""

import json

import pytest

from search.reconcile import (
    MATCH_THRESHOLD,
    Candidate,
    InvalidReconcile,
    normalise_name,
    reconcile_queries,
    reconcile_rank,
    reconcile_score,
)
from tests.factories import OrganizationFactory

URL = "/api/reconcile"


# Pure parts.


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Oxfam Ltd.", "oxfam"),
        ("OXFAM LIMITED", "oxfam"),
        ("The Oxfam, Inc", "oxfam"),
        ("ＯＸＦＡＭ　ＬＴＤ", "oxfam"),  # full-width letters and space
        ("深圳市（南山区）慈善会", "深圳市 南山区 慈善会"),  # full-width brackets
        ("上海某某科技有限公司", "上海某某科技"),
        ("Red-Cross   Society", "red cross society"),
        ("Save the Children Fund", "save children fund"),
        ("", ""),
    ],
)
def test_normalise_name_drops_width_case_punctuation_and_legal_forms(raw, normalised):
    assert normalise_name(raw) == normalised


def candidate(name, name_en="", org_id="CN-USCC-51440300MJ0000001X"):
    return Candidate(org_id=org_id, name=name, name_en=name_en, org_type="social_group")


@pytest.mark.parametrize(
    ("query", "found", "expected"),
    [
        ("深圳市慈善会", candidate("深圳市慈善会"), 100),
        ("ＯＸＦＡＭ LTD", candidate("乐施会", "Oxfam"), 100),
        (
            "Guangzhou Red Cross Society",
            candidate("x", "Red Cross Society Guangzhou"),
            100,
        ),
        ("CN-USCC-51440300MJ0000001X", candidate("any"), 100),
        ("cn-uscc-51440300mj0000001x", candidate("any"), 100),
        ("51440300MJ0000001X", candidate("any"), 100),
        ("51440300-MJ0000001X", candidate("any"), 100),
        ("12-3456789", candidate("any", org_id="US-EIN-123456789"), 100),
        ("深圳市慈善", candidate("深圳市慈善会"), 91),
        ("深圳市红十字会", candidate("深圳市慈善会"), 62),
        ("Habitat for Humanity", candidate("Habitat for Humanity International"), 74),
    ],
)
def test_reconcile_score(query, found, expected):
    assert reconcile_score(query, found) == expected


def test_an_identifier_one_digit_off_is_not_a_match():
    score = reconcile_score(
        "12-3456780", candidate("Any Charity", org_id="US-EIN-123456789")
    )
    assert score < MATCH_THRESHOLD


def test_reconcile_score_is_between_0_and_100_and_symmetric_in_case():
    for name in ("深圳市慈善会", "Oxfam", "x"):
        score = reconcile_score(name.upper(), candidate(name.lower()))
        assert 0 <= score <= 100


def test_match_needs_the_threshold_and_a_clear_lead():
    exact = candidate("深圳市慈善会", org_id="CN-USCC-A")
    near = candidate("深圳市慈善会志愿者协会", org_id="CN-USCC-B")
    twin = candidate("深圳市慈善会", org_id="CN-USCC-C")

    ranked = reconcile_rank("深圳市慈善会", [near, exact], limit=5)
    assert [(c.org_id, match) for c, _score, match in ranked] == [
        ("CN-USCC-A", True),
        ("CN-USCC-B", False),
    ]
    # Two organizations of the same name: neither is clearly the one.
    ranked = reconcile_rank("深圳市慈善会", [exact, twin], limit=5)
    assert [match for _c, _s, match in ranked] == [False, False]
    # Alone but below the threshold: a candidate, not a match.
    ranked = reconcile_rank("深圳市红十字会", [exact], limit=5)
    assert ranked[0][1] < MATCH_THRESHOLD and ranked[0][2] is False
    assert reconcile_rank("深圳市慈善会", [near, exact, twin], limit=1)[0][0] in (
        exact,
        twin,
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{bad", "queries is not valid JSON"),
        ("[]", "queries must be a JSON object"),
        ("{}", "queries must be a JSON object"),
        ('{"q0": "name"}', "queries.q0 must be an object"),
        ('{"q0": {}}', "queries.q0.query is required"),
        ('{"q0": {"query": 5}}', "queries.q0.query is required"),
        ('{"q0": {"query": "x", "limit": 0}}', "queries.q0.limit must be a positive"),
        ('{"q0": {"query": "x", "limit": "3"}}', "queries.q0.limit must be a positive"),
        ('{"q0": {"query": "x", "type": "church"}}', "queries.q0.type: unknown value"),
        (
            '{"q0": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}',
            "queries.q0.properties[0].pid must be one of registry, region",
        ),
        (
            '{"q0": {"query": "x", "properties": [{"pid": "registry", "v": "XX"}]}}',
            "queries.q0.properties[0].v: unknown value",
        ),
        (
            '{"q0": {"query": "x", "properties": [{"pid": "region", "v": "a/b"}]}}',
            "queries.q0.properties[0].v: a region is a code",
        ),
        (json.dumps({f"q{i}": {"query": "x"} for i in range(51)}), "at most 50"),
    ],
)
def test_bad_queries_name_what_is_wrong(raw, message):
    with pytest.raises(
        InvalidReconcile, match=message.replace("[", r"\[").replace("]", r"\]")
    ):
        reconcile_queries(raw)


def test_queries_accept_type_objects_lists_and_cap_the_limit():
    (query,) = reconcile_queries(
        json.dumps(
            {
                "q0": {
                    "query": "  x\x00 ",
                    "limit": 500,
                    "type": [{"id": "foundation"}, "social_group"],
                    "properties": [
                        {"pid": "registry", "v": "CN-MCA"},
                        {"pid": "region", "v": ["440300"]},
                    ],
                }
            }
        )
    )
    assert query.text == "x"
    assert query.limit == 25
    assert query.org_type == ("foundation", "social_group")
    assert query.registry == ("CN-MCA",)
    assert query.region == ("440300",)


# The endpoint, on each backend.


@pytest.fixture
def registry(db):
    return {
        "charity": OrganizationFactory(
            name="深圳市慈善会", name_en="Shenzhen Charity Federation"
        ),
        "charity_vol": OrganizationFactory(name="深圳市慈善会志愿者协会"),
        "foundation": OrganizationFactory(
            name="深圳市慈善基金会", org_type="foundation"
        ),
        "habitat": OrganizationFactory(
            registry="US-IRS",
            identifier="911914868",
            org_type="public_charity",
            region="GA",
            name="Habitat for Humanity International",
        ),
        "habitat_ga": OrganizationFactory(
            registry="US-IRS",
            identifier="581234567",
            org_type="public_charity",
            region="GA",
            name="Atlanta Habitat for Humanity",
        ),
    }


@pytest.fixture
def indexed(registry, search_backend):
    search_backend.rebuild(chunk_size=50, progress=None)
    search_backend.refresh()
    return registry


def reconcile(client, queries, method="get"):
    send = client.post if method == "post" else client.get
    response = send(URL, {"queries": json.dumps(queries)})
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_manifest_on_a_bare_get(db, client):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    assert "0.2" in manifest["versions"]
    assert manifest["name"]
    assert manifest["identifierSpace"] == "http://testserver/orgs/"
    assert manifest["schemaSpace"].startswith("http://testserver/data/")
    assert {"id": "foundation", "name": "Foundation (基金会)"} in manifest[
        "defaultTypes"
    ]
    assert manifest["view"]["url"] == "http://testserver/orgs/{{id}}/"


def test_preflight_allows_a_browser_app(db, client):
    response = client.options(URL, HTTP_ORIGIN="http://127.0.0.1:3333")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_single_query_finds_the_organization_as_a_match(indexed, client):
    answer = reconcile(client, {"q0": {"query": "深圳市慈善会"}})
    results = answer["q0"]["result"]
    assert results[0]["id"] == indexed["charity"].org_id
    assert results[0]["name"] == "深圳市慈善会"
    assert results[0]["score"] == 100 and results[0]["match"] is True
    assert results[0]["type"] == [
        {"id": "social_group", "name": "Social group (社会团体)"}
    ]
    assert all(r["match"] is False for r in results[1:])
    assert [r["score"] for r in results] == sorted(
        (r["score"] for r in results), reverse=True
    )


def test_batch_by_post_form_answers_every_key(indexed, client):
    answer = reconcile(
        client,
        {
            "q0": {"query": "SHENZHEN CHARITY FEDERATION LTD."},
            "q1": {"query": indexed["habitat"].org_id},
            "q2": {"query": "91-1914868"},
            "q3": {"query": "nothing like any name zzzz"},
        },
        method="post",
    )
    assert set(answer) == {"q0", "q1", "q2", "q3"}
    assert answer["q0"]["result"][0]["id"] == indexed["charity"].org_id
    assert answer["q0"]["result"][0]["match"] is True
    for key in ("q1", "q2"):
        top = answer[key]["result"][0]
        assert (top["id"], top["score"], top["match"]) == (
            indexed["habitat"].org_id,
            100,
            True,
        )
    assert all(r["match"] is False for r in answer["q3"]["result"])


def test_type_restricts_candidates(indexed, client):
    answer = reconcile(client, {"q0": {"query": "深圳市慈善", "type": "foundation"}})
    assert [r["id"] for r in answer["q0"]["result"]] == [indexed["foundation"].org_id]


def test_registry_and_region_properties_restrict_candidates(indexed, client):
    answer = reconcile(
        client,
        {
            "q0": {
                "query": "Habitat for Humanity",
                "properties": [{"pid": "registry", "v": "CN-MCA"}],
            },
            "q1": {
                "query": "Habitat for Humanity",
                "properties": [
                    {"pid": "registry", "v": "US-IRS"},
                    {"pid": "region", "v": "GA"},
                ],
                "limit": 1,
            },
        },
    )
    assert answer["q0"]["result"] == []
    assert len(answer["q1"]["result"]) == 1
    assert answer["q1"]["result"][0]["id"] in {
        indexed["habitat"].org_id,
        indexed["habitat_ga"].org_id,
    }


def test_bad_json_is_a_400_with_a_message_and_cors(db, client):
    response = client.post(URL, {"queries": "{not json"})
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "queries is not valid JSON" in response.json()["error"]
    response = client.get(
        URL, {"queries": json.dumps({"q0": {"query": "x", "type": "x"}})}
    )
    assert response.status_code == 400
    assert "queries.q0.type" in response.json()["error"]


def test_requests_beyond_the_rate_limit_are_refused_with_cors(db, client, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    refused = client.get(URL)
    assert refused.status_code == 429
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert int(refused["Retry-After"]) > 0

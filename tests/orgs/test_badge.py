"""The embeddable badge /orgs/<org_id>/badge.svg and its embed snippet on the profile."""

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from credit.models import ListEntry, Score
from orgs.opendata.badge import BadgeFacts, badge_svg, badge_texts, text_width
from tests.factories import OrganizationFactory

SVG = "{http://www.w3.org/2000/svg}"


def facts(**changes) -> BadgeFacts:
    values = {
        "org_id": "CN-USCC-X",
        "name": "深圳市慈善会",
        "status": "active",
        "status_label": "Active",
        "grade": "B",
        "lists": (),
    }
    values.update(changes)
    return BadgeFacts(**values)


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 (our own output, in a test)


def words(svg: str) -> list[str]:
    return [text.text for text in parsed(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("changes", "status", "grade"),
    [
        ({}, "Active", "Grade B"),
        ({"grade": "not_rated"}, "Active", "Not rated"),
        ({"grade": None}, "Active", "Not yet graded"),
        (
            {"status": "revoked", "status_label": "Revoked", "grade": "D"},
            "Revoked",
            "Grade D",
        ),
        (
            {"lists": ("Abnormal-activity list",)},
            "On the Abnormal-activity list",
            "Grade B",
        ),
    ],
)
def test_badge_says_status_and_grade_in_words(changes, status, grade):
    svg = badge_svg(facts(**changes))
    assert words(svg) == ["Sunshine", status, grade]
    assert badge_texts(facts(**changes)) == (status, grade)


def test_badge_is_an_accessible_image():
    root = parsed(badge_svg(facts()))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title").text
    assert "深圳市慈善会" in title and "Active" in title and "Grade B" in title
    assert root.get("aria-label") == title


def test_names_are_escaped_and_characters_xml_forbids_are_dropped():
    hostile = '<script>alert("x")</script> & Co\x00\x07'
    svg = badge_svg(facts(name=hostile, status_label="<b>"))
    root = parsed(svg)  # well-formed XML
    assert "<script>" not in svg and "<b>" not in svg
    assert root.find(f"{SVG}title").text.startswith('<script>alert("x")</script> & Co')
    assert "\x00" not in svg and "\x07" not in svg
    assert not list(root.iter(f"{SVG}script"))


def test_wide_characters_make_a_wider_badge():
    assert text_width("正常") > text_width("ok")
    narrow = parsed(badge_svg(facts(status_label="OK")))
    wide = parsed(badge_svg(facts(status_label="正常正常正常")))
    assert int(wide.get("width")) > int(narrow.get("width"))


# The view.


@pytest.fixture
def organization(db):
    organization = OrganizationFactory(name="深圳市<阳光>慈善会")
    Score.objects.create(
        organization=organization,
        methodology_version="2025.1",
        as_of=dt.date(2025, 6, 1),
        score=92,
        grade="A",
        fingerprint="a",
    )
    return organization


def badge(client, organization, **headers):
    return client.get(
        f"/orgs/{organization.org_id}/badge.svg", HTTP_ACCEPT_LANGUAGE="en", **headers
    )


def test_badge_view_draws_the_current_status_and_grade(client, organization):
    response = badge(client, organization)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = response.content.decode()
    assert words(svg) == ["Sunshine", "Active", "Grade A"]
    assert "深圳市&lt;阳光&gt;慈善会" in svg


def test_badge_is_current_on_each_request(client, organization):
    first = badge(client, organization)
    Score.objects.filter(organization=organization).update(is_current=False)
    Score.objects.create(
        organization=organization,
        methodology_version="2025.1",
        as_of=dt.date(2025, 7, 1),
        score=45,
        grade="D",
        fingerprint="d",
    )
    ListEntry.objects.create(
        list="abnormal",
        organization=organization,
        entered_on=timezone.localdate(),
        reason="r",
        legal_basis="b",
        exit_conditions="e",
    )
    second = badge(client, organization, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200  # the old ETag no longer matches
    assert second["ETag"] != first["ETag"]
    assert words(second.content.decode())[1:] == [
        "On the Abnormal-activity list (活动异常名录)",
        "Grade D",
    ]


def test_badge_has_short_caching_and_an_etag(client, organization):
    response = badge(client, organization)
    assert "max-age=300" in response["Cache-Control"]
    assert response["ETag"].startswith('"')
    assert "default-src 'none'" in response["Content-Security-Policy"]
    again = badge(client, organization, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_unknown_organization_has_no_badge(client, db):
    assert client.get("/orgs/CN-USCC-NOPE/badge.svg").status_code == 404


def test_profile_shows_the_embed_snippet_linking_back(client, organization):
    response = client.get(f"/orgs/{organization.org_id}/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    badge_url = f"http://testserver/orgs/{organization.org_id}/badge.svg"
    profile_url = f"http://testserver/orgs/{organization.org_id}/"
    assert f'<img src="/orgs/{organization.org_id}/badge.svg"' in page
    # The snippet is shown as text in a textarea: escaped once for the page.
    assert f"&lt;a href=&quot;{profile_url}&quot;&gt;" in page
    assert f"&lt;img src=&quot;{badge_url}&quot;" in page
    assert 'label for="badge-embed-code"' in page
    # The name inside the snippet's alt text is escaped for the snippet's own HTML.
    assert "深圳市&amp;lt;阳光&amp;gt;慈善会" in page

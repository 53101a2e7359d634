"""The permission matrix of the filing views and API: who reaches what. Anything a
user may not reach answers 404 (anonymous users are sent to sign in)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from orgs.models import Filing, ReviewState
from orgs.submissions import services
from orgs.submissions.validation import validate_filing

from .filing_setup import GOOD_FILING, PASSWORD, make_cast

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "preparer_a",
    "approver_a",
    "approver_b",
    "regulator_a",
    "regulator_elsewhere",
    "superuser",
)
LOGIN = "login"  # anonymous: redirected to sign in


@pytest.fixture
def world(client):
    cast = make_cast()
    checked = validate_filing(
        GOOD_FILING, organization=cast.org_a, today=dt.date(2025, 6, 1)
    )
    draft = services.filing_draft_save(
        organization=cast.org_a, user=cast.preparer_a, checked=checked
    )
    return cast, draft


def _as(client, cast, actor):
    if actor != "anonymous":
        assert client.login(username=getattr(cast, actor).username, password=PASSWORD)
    return client


def _status(response):
    if response.status_code == 302 and "/account/login/" in response["Location"]:
        return LOGIN
    return response.status_code


# (method, url builder, expected status per actor in ACTORS order)
MATRIX = {
    "dashboard": ("get", lambda c, f: reverse("account:dashboard"),
                  (LOGIN, 200, 200, 200, 200, 200, 200)),
    "filing detail": ("get", lambda c, f: reverse("account:filing", args=[f.pk]),
                      (LOGIN, 200, 200, 404, 200, 404, 200)),
    "filing edit": ("get", lambda c, f: reverse("account:filing-edit", args=[f.pk]),
                    (LOGIN, 200, 200, 404, 404, 404, 404)),
    "new filing": ("get",
                   lambda c, f: reverse("account:filing-new", args=[c.org_a.org_id]),
                   (LOGIN, 200, 200, 404, 404, 404, 404)),
    "attach": ("post",
               lambda c, f: reverse("account:filing-attachment", args=[f.pk]),
               (LOGIN, 302, 302, 404, 404, 404, 404)),
    "token": ("post",
              lambda c, f: reverse("account:token-create", args=[c.org_a.org_id]),
              (LOGIN, 404, 200, 404, 404, 404, 404)),
    "csv template": ("get",
                     lambda c, f: reverse("account:template-download",
                                          args=[c.org_a.org_id, "csv"]),
                     (LOGIN, 200, 200, 404, 404, 404, 404)),
    "xlsx template": ("get",
                      lambda c, f: reverse("account:template-download",
                                           args=[c.org_a.org_id, "xlsx"]),
                      (LOGIN, 200, 200, 404, 404, 404, 404)),
    "template upload": ("post",  # no file: members are sent back with a message
                        lambda c, f: reverse("account:template-upload",
                                             args=[c.org_a.org_id]),
                        (LOGIN, 302, 302, 404, 404, 404, 404)),
    "api state": ("get", lambda c, f: f"/api/v1/filings/{f.pk}",
                  (404, 200, 200, 404, 200, 404, 200)),
}  # fmt: skip


@pytest.mark.parametrize("endpoint", MATRIX)
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(client, world, endpoint, actor):
    cast, draft = world
    method, url, expected = MATRIX[endpoint]
    _as(client, cast, actor)
    response = getattr(client, method)(url(cast, draft))
    assert _status(response) == expected[ACTORS.index(actor)], (
        endpoint,
        actor,
        response.status_code,
    )


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("anonymous", LOGIN),
        ("preparer_a", ReviewState.DRAFT),  # refused with a message
        ("approver_a", ReviewState.SUBMITTED),
        ("approver_b", 404),
        ("regulator_a", 404),
        ("regulator_elsewhere", 404),
        ("superuser", 404),
    ],
)
def test_only_an_approver_of_the_organization_submits(client, world, actor, expected):
    cast, draft = world
    _as(client, cast, actor)
    response = client.post(reverse("account:filing-submit", args=[draft.pk]))
    state = Filing.objects.get(pk=draft.pk).review_state
    if expected in (LOGIN, 404):
        assert _status(response) == expected
        assert state == ReviewState.DRAFT
    else:
        assert state == expected


def test_admin_lists_only_the_regulators_jurisdiction(client, world):
    cast, draft_a = world
    checked = validate_filing(
        GOOD_FILING, organization=cast.org_b, today=dt.date(2025, 6, 1)
    )
    draft_b = services.filing_draft_save(
        organization=cast.org_b, user=cast.approver_b, checked=checked
    )
    services.filing_submit(filing=draft_a, user=cast.approver_a)
    services.filing_submit(filing=draft_b, user=cast.approver_b)
    url = reverse("wagtailsnippets_orgs_filing:list")
    edit_a = reverse("wagtailsnippets_orgs_filing:edit", args=[draft_a.pk])
    edit_b = reverse("wagtailsnippets_orgs_filing:edit", args=[draft_b.pk])

    _as(client, cast, "regulator_a")
    page = client.get(url).content.decode()
    assert str(cast.org_a) in page and str(cast.org_b) not in page
    assert client.get(edit_a).status_code == 200
    assert client.get(edit_b).status_code != 200

    client.logout()
    _as(client, cast, "regulator_elsewhere")
    page = client.get(url).content.decode()
    assert str(cast.org_a) not in page and str(cast.org_b) not in page
    assert client.get(edit_a).status_code != 200


def test_the_admin_editor_shows_a_filing_read_only(client, world):
    cast, draft = world
    services.filing_submit(filing=draft, user=cast.approver_a)
    _as(client, cast, "regulator_a")
    page = client.get(
        reverse("wagtailsnippets_orgs_filing:edit", args=[draft.pk])
    ).content.decode()
    assert "1300000" in page.replace(",", "")  # the figures are shown
    assert 'name="net_assets"' not in page and 'name="review_state"' not in page

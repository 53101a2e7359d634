"""Sign-in: throttled failures; the demo accounts."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from orgs.models import Membership, Regulator
from portal.models import User
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_repeated_failed_sign_ins_are_throttled(client):
    User.objects.create_user(username="ann", password="right password 123")
    for _attempt in range(5):
        response = client.post(
            "/account/login/", {"username": "ann", "password": "wrong"}
        )
        assert response.status_code == 200
    # Now even the right password is refused for a while.
    response = client.post(
        "/account/login/", {"username": "ann", "password": "right password 123"}
    )
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_sign_in_lands_on_the_account_page(client):
    User.objects.create_user(username="bob", password="right password 123")
    response = client.post(
        "/account/login/", {"username": "bob", "password": "right password 123"}
    )
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_demo_accounts_get_a_regulator_and_members_of_one_organization(
    settings, tmp_path, capsys
):
    settings.BASE_DIR = tmp_path
    (tmp_path / "var").mkdir()
    organization = OrganizationFactory(region="440305", registration_level="municipal")
    call_command("demo_admin")
    out = capsys.readouterr().out
    assert "user regulator" in out and "user approver" in out
    regulator = Regulator.objects.get(user__username="regulator")
    assert regulator.region == "440305"
    assert Membership.objects.filter(
        organization=organization, user__username="approver", role="approver"
    ).exists()

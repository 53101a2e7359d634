"""Two-factor sign-in for regulators and staff when TWO_FACTOR_REQUIRED is on."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.models import Regulator
from portal.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "right password 123"  # noqa: S105


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6):06d}"


def test_a_regulator_sets_up_and_then_enters_a_code(client, required):
    user = User.objects.create_user(username="reg", password=PASSWORD)
    Regulator.objects.create(user=user, region="440300", registration_level="municipal")
    client.login(username="reg", password=PASSWORD)
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/account/2fa/"
    )
    page = client.get("/account/2fa/").content.decode()
    assert "Key" in page  # first time: set up
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        "/account/2fa/", {"code": _code(device), "next": "/account/"}
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_staff_cannot_reach_the_admin_without_a_code(client, required):
    User.objects.create_user(
        username="root", password=PASSWORD, is_staff=True, is_superuser=True
    )
    client.login(username="root", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/account/2fa/" in response["Location"]


def test_organization_members_are_not_asked(client, required):
    User.objects.create_user(username="member", password=PASSWORD)
    client.login(username="member", password=PASSWORD)
    assert client.get("/account/").status_code == 200


def test_off_by_default_outside_production(client, settings):
    assert settings.TWO_FACTOR_REQUIRED is False
    User.objects.create_user(username="root", password=PASSWORD, is_staff=True)
    client.login(username="root", password=PASSWORD)
    assert client.get("/account/").status_code == 200


def test_the_next_address_cannot_leave_the_site(client, required):
    user = User.objects.create_user(username="reg2", password=PASSWORD, is_staff=True)
    client.login(username="reg2", password=PASSWORD)
    client.get("/account/2fa/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        "/account/2fa/", {"code": _code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_wrong_code_is_refused(client, required):
    user = User.objects.create_user(username="reg3", password=PASSWORD, is_staff=True)
    client.login(username="reg3", password=PASSWORD)
    client.get("/account/2fa/")
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/account/2fa/", {"code": wrong})
    assert "not right" in response.content.decode()
    assert client.get("/account/").status_code == 302

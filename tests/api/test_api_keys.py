"""Free API keys: the self-service pages under /account/api-keys/, the key on a
request (X-API-Key or Bearer), 401 for unknown and revoked keys, and the rate
limits (per address without a key, per key and higher with one, 429 + Retry-After)."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.apikeys import services
from orgs.apikeys.authentication import AnonymousRateThrottle, ApiKeyRateThrottle
from orgs.models import ApiKey
from portal.models import User
from tests.api.test_endpoints import assert_error
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return User.objects.create_user(username="dev", password="pw-dev-123456")


@pytest.fixture
def raw_key(user):
    return services.api_key_create(user=user, name="my app")[1]


# --- pages ---------------------------------------------------------------------------


def test_the_keys_page_needs_sign_in(client):
    response = client.get("/account/api-keys/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(client, user):
    client.force_login(user)

    made = client.post("/account/api-keys/", {"name": "Research"})

    assert made.status_code == 200
    raw = made.context["raw"]
    assert raw.startswith("sak_") and raw in made.content.decode()
    api_key = ApiKey.objects.get(user=user)
    assert api_key.name == "Research"
    assert raw not in {api_key.key_hash, api_key.key_prefix}
    assert raw.startswith(api_key.key_prefix)
    later = client.get("/account/api-keys/").content.decode()
    assert "Research" in later and raw not in later


def test_revoking_a_key_takes_a_post_and_stops_it(client, user, raw_key):
    client.force_login(user)
    api_key = ApiKey.objects.get(user=user)
    url = f"/account/api-keys/{api_key.pk}/revoke/"

    assert client.get(url).status_code == 405
    response = client.post(url)

    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert "Revoked" in client.get("/account/api-keys/").content.decode()


def test_nobody_revokes_someone_elses_key(client, raw_key):
    other = User.objects.create_user(username="other", password="pw-other-123456")
    client.force_login(other)
    api_key = ApiKey.objects.get()
    assert client.post(f"/account/api-keys/{api_key.pk}/revoke/").status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_the_key_forms_need_a_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/account/api-keys/", {"name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_live_keys_are_capped(client, user):
    client.force_login(user)
    for n in range(services.MAX_LIVE_KEYS):
        client.post("/account/api-keys/", {"name": f"k{n}"})
    refused = client.post("/account/api-keys/", {"name": "one too many"})
    assert refused.status_code == 400
    assert "revoke one" in refused.content.decode()
    assert ApiKey.objects.count() == services.MAX_LIVE_KEYS


# --- the key on a request --------------------------------------------------------------


@pytest.mark.parametrize("how", ["X-API-Key", "Bearer"])
def test_a_valid_key_is_accepted_and_its_use_noted(api_client, raw_key, how):
    headers = (
        {"HTTP_X_API_KEY": raw_key}
        if how == "X-API-Key"
        else {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    )
    assert api_client.get("/api/v1/orgs", **headers).status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": "sak_not-a-key"},
        {"HTTP_X_API_KEY": "nonsense"},
        {"HTTP_AUTHORIZATION": "Bearer sak_not-a-key"},
        {"HTTP_AUTHORIZATION": "Bearer nonsense"},
    ],
)
def test_an_unknown_key_is_a_401(api_client, headers):
    response = api_client.get("/api/v1/orgs", **headers)
    assert_error(response, 401, "invalid_api_key")
    assert response["WWW-Authenticate"]


def test_a_revoked_key_is_a_401(api_client, user, raw_key):
    services.api_key_revoke(api_key=ApiKey.objects.get(), user=user)
    assert_error(
        api_client.get("/api/v1/orgs", HTTP_X_API_KEY=raw_key), 401, "invalid_api_key"
    )


def test_a_deactivated_users_key_is_a_401(api_client, user, raw_key):
    user.is_active = False
    user.save()
    response = api_client.get("/api/v1/orgs", HTTP_X_API_KEY=raw_key)
    assert_error(response, 401, "invalid_api_key")


def test_a_filing_token_on_a_public_read_is_not_taken_for_a_key(api_client):
    response = api_client.get("/api/v1/orgs", HTTP_AUTHORIZATION="Bearer sfk_whatever")
    assert response.status_code == 200


# --- rate limits ---------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"apikey": "4/minute"})


def test_anonymous_callers_get_429_with_retry_after_per_address(api_client, low_rates):
    OrganizationFactory()
    statuses = [api_client.get("/api/v1/orgs").status_code for _ in range(2)]
    refused = api_client.get("/api/v1/orgs")

    assert statuses == [200, 200]
    body = assert_error(refused, 429, "throttled")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "available in" in body["detail"]
    # Another address is not held back.
    assert api_client.get("/api/v1/orgs", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(api_client, low_rates):
    for n in range(2):
        api_client.get("/api/v1/orgs", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    refused = api_client.get("/api/v1/orgs", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert refused.status_code == 429


def test_a_key_gets_its_own_higher_limit(api_client, low_rates, raw_key):
    for _ in range(2):
        api_client.get("/api/v1/orgs")
    assert api_client.get("/api/v1/orgs").status_code == 429  # the address is spent

    keyed = [
        api_client.get("/api/v1/orgs", HTTP_X_API_KEY=raw_key).status_code
        for _ in range(5)
    ]

    assert keyed == [200, 200, 200, 200, 429]


def test_rates_come_from_the_environment(monkeypatch):
    import importlib

    import portal.settings.base as base

    monkeypatch.setenv("API_ANON_RATE", "7/minute")
    monkeypatch.setenv("API_KEY_RATE", "70/minute")
    monkeypatch.setenv("API_NUM_PROXIES", "1")
    try:
        reloaded = importlib.reload(base)
        rates = reloaded.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        assert (rates["anon"], rates["apikey"]) == ("7/minute", "70/minute")
        assert reloaded.REST_FRAMEWORK["NUM_PROXIES"] == 1
    finally:
        monkeypatch.undo()
        importlib.reload(base)


# --- staff ---------------------------------------------------------------------------


def test_staff_see_keys_and_revoke_one_but_never_add_or_delete(api_client, raw_key):
    api_key = ApiKey.objects.get()
    staff = User.objects.create_superuser("boss", "boss@example.org", "pw-boss-123456")
    client = Client()
    client.force_login(staff)

    listing = client.get("/admin/snippets/orgs/apikey/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert api_key.key_prefix in html
    assert api_key.key_hash not in html  # the hash is never shown
    for url in (
        "/admin/snippets/orgs/apikey/add/",
        f"/admin/snippets/orgs/apikey/delete/{api_key.pk}/",
    ):
        assert client.get(url).status_code in (302, 403), url

    edit = f"/admin/snippets/orgs/apikey/edit/{api_key.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"revoked_at": "2026-11-30 10:00"})
    assert response.status_code == 302, response.content.decode()[:2000]

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key.name == "my app"  # read-only fields stay as they were
    assert_error(
        api_client.get("/api/v1/orgs", HTTP_X_API_KEY=raw_key), 401, "invalid_api_key"
    )


def test_a_user_without_admin_access_cannot_reach_the_keys_list(client, user):
    client.force_login(user)
    response = client.get("/admin/snippets/orgs/apikey/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

"""How the API recognises a key and how fast it lets each caller go.

``ApiKeyAuthentication`` reads ``X-API-Key: sak_…`` or ``Authorization: Bearer
sak_…``. A request without a key is anonymous; one with a key that is unknown or
revoked is refused with 401, so a caller never silently falls back to the lower
anonymous rate. Filing tokens (``Bearer sfk_…``) are left to the filing API.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from ..models import ApiKey
from ..submissions.services import TOKEN_PREFIX as FILING_TOKEN_PREFIX
from .services import api_key_find

HEADER = "X-API-Key"


def presented_key(request) -> str | None:
    """The key a request carries, or None when it carries none."""
    key = request.headers.get(HEADER)
    if key is not None:
        return key.strip()
    header = authentication.get_authorization_header(request).decode(
        "latin-1", "replace"
    )
    scheme, _space, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    if value.startswith(FILING_TOKEN_PREFIX):
        return None
    return value


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw = presented_key(request)
        if raw is None:
            return None
        api_key = api_key_find(raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed(
                "invalid or revoked API key", code="invalid_api_key"
            )
        return api_key.user, api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the key in the OpenAPI schema (header form; Bearer works too)."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": HEADER,
            "description": (
                "Optional. A free key made on /account/api-keys/ raises the rate "
                "limit; also accepted as `Authorization: Bearer <key>`. Without a "
                "key the API is open at a lower rate per address."
            ),
        }


class AnonymousRateThrottle(throttling.AnonRateThrottle):
    """The per-address rate of callers without an API key (signed-in or not)."""

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """The higher rate of a caller with a key, counted per key, not per address."""

    scope = "apikey"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

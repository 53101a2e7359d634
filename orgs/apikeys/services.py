"""Making, finding and revoking API keys. Only a SHA-256 of a key is stored: the key
is returned once, by ``api_key_create``, for the page that shows it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ApiKey

KEY_PREFIX = "sak_"  # noqa: S105 (a prefix, not a secret)
# Keys are free; a cap keeps anyone from multiplying the keyed rate limit.
MAX_LIVE_KEYS = 5
# last_used_at is a hint for the owner, not an audit log: at most one write a minute.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_keys_of(*, user) -> QuerySet[ApiKey]:
    """The user's keys, live and revoked, newest first."""
    return ApiKey.objects.filter(user=user)


def api_key_create(*, user, name: str) -> tuple[ApiKey, str]:
    """A new key for ``user``; returns the row and the key itself, never stored."""
    live = api_keys_of(user=user).filter(revoked_at__isnull=True).count()
    if live >= MAX_LIVE_KEYS:
        raise ValidationError(
            _("You have %(n)d keys already: revoke one before making another.")
            % {"n": live}
        )
    name = name.strip()[:100] or _("API key")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        key_prefix=raw[: len(KEY_PREFIX) + 6],
        key_hash=_key_hash(raw),
    )
    return api_key, raw


def api_key_revoke(*, api_key: ApiKey, user) -> None:
    """Revoke for good; only the owner may. Revoking twice changes nothing."""
    if api_key.user_id != user.pk:
        raise PermissionDenied
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def api_key_find(raw: str) -> ApiKey | None:
    """The live key a request presents, or None (unknown, malformed or revoked)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    api_key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=_key_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (
        now - api_key.last_used_at >= LAST_USED_RESOLUTION
    ):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key

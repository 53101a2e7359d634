"""Test settings: fast hashing, no throttling surprises, a fixed test secret."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, os

DEBUG = False
# Tests assert English messages unless they ask for Chinese; the portal's default
# language (zh-hans) is tested on its own.
LANGUAGE_CODE = "en"
SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-insecure-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute",
        "apikey": "100000/minute",
        "filing": "100000/minute",
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

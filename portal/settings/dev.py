"""Local development and the demo: debug on, a fixed dev-only secret."""

from .base import *  # noqa: F403
from .base import env_bool, os

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-not-for-production"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

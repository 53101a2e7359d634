"""Settings shared by every environment.

The environment is read here and nowhere else. dev/test/production override.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")  # empty: embedded search
# Authentication and TLS for a real cluster: user:password can also go in the URL.
ELASTICSEARCH_OPTIONS = {
    key: value
    for key, value in {
        "api_key": os.environ.get("ELASTICSEARCH_API_KEY") or None,
        "ca_certs": os.environ.get("ELASTICSEARCH_CA_CERTS") or None,
        "verify_certs": env_bool("ELASTICSEARCH_VERIFY_CERTS", True),
        "request_timeout": float(os.environ.get("ELASTICSEARCH_TIMEOUT", "10")),
    }.items()
    if value is not None
}
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "sunshine")
SEARCH_INDEX_SHARDS = int(os.environ.get("SEARCH_INDEX_SHARDS", "1"))
SEARCH_INDEX_REPLICAS = int(os.environ.get("SEARCH_INDEX_REPLICAS", "0"))


def wagtail_search_backends(url: str, *, index_prefix: str) -> dict:
    """Wagtail's own search (CMS pages, images, documents) on the engine search/ uses:
    Elasticsearch 8 (``wagtail.search.backends.elasticsearch8``, with the same
    authentication, TLS, timeout, shards and replicas) when ``url`` is set, else
    Wagtail's database backend. Both choices follow ELASTICSEARCH_URL, read once
    above; tests that point search/ elsewhere call this with the same URL."""
    if not url:
        return {"default": {"BACKEND": "wagtail.search.backends.database"}}
    options = {k: v for k, v in ELASTICSEARCH_OPTIONS.items() if k != "request_timeout"}
    return {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [url],
            "INDEX_PREFIX": f"{index_prefix}-wagtail-",
            "TIMEOUT": ELASTICSEARCH_OPTIONS["request_timeout"],
            "OPTIONS": options,
            "INDEX_SETTINGS": {
                "settings": {
                    "index": {
                        "number_of_shards": SEARCH_INDEX_SHARDS,
                        "number_of_replicas": SEARCH_INDEX_REPLICAS,
                    }
                }
            },
        }
    }


(BASE_DIR / "var").mkdir(exist_ok=True)  # the embedded database and media live here

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL")
        or f"sqlite:///{BASE_DIR / 'var' / 'sunshine.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )

INSTALLED_APPS = [
    "portal",
    "orgs",
    "search",
    "credit",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.api.CorsMiddleware",
    "portal.middleware.RejectNullCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.api.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.twofactor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "/account/login/"
# Regulators and staff must enter a TOTP code after their password (on in production).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
LOGIN_REDIRECT_URL = "/account/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
SESSION_COOKIE_HTTPONLY = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
# The bulk downloads of /data/ (manage.py export_open_data writes them).
OPEN_DATA_DIR = Path(os.environ.get("OPEN_DATA_DIR", BASE_DIR / "var" / "open-data"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

WAGTAIL_SITE_NAME = "Sunshine"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = wagtail_search_backends(
    ELASTICSEARCH_URL, index_prefix=SEARCH_INDEX_PREFIX
)
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt", "xlsx", "xml", "json", "jsonl"]

API_DESCRIPTION = """\
Public register of social organizations: their registration, annual filings,
regulatory events, credit grades with reasons, the public lists, and search.

**Access.** Every read is open without a key, at a limited rate per address. A free
API key (make one on /account/api-keys/ once signed in) raises the limit; send it as
`X-API-Key: sak_…` or `Authorization: Bearer sak_…`. An unknown or revoked key is
refused (401) rather than ignored. Organizations file through `POST /api/v1/filings`
with a filing token (`Authorization: Bearer sfk_…`).

**Errors** all have one shape: `{"status": 404, "code": "not_found", "detail": "…",
"problems": [{"field": "page", "message": "…"}]}`. `problems` names each parameter or
field at fault. A 429 carries `Retry-After` (seconds).

**Try it** in the browser at /api/v1/docs/try; the schema itself is /api/v1/schema.

**CORS.** Public reads answer any origin (`Access-Control-Allow-Origin: *`, no
credentials); filing and regulator endpoints do not.
"""

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Public reads: anonymous, or with a free API key for a higher rate. Views that
    # act for someone (filing tokens, regulators' sessions) name their own.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "orgs.apikeys.authentication.ApiKeyAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "orgs.apikeys.authentication.AnonymousRateThrottle",
        "orgs.apikeys.authentication.ApiKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        "apikey": os.environ.get("API_KEY_RATE", "1200/minute"),
        "filing": os.environ.get("API_FILING_RATE", "600/minute"),
    },
    # How many reverse proxies of ours stand before the app: the per-address rate
    # counts the address they saw. 0 trusts no X-Forwarded-For (a client could
    # otherwise pick a new address per request).
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sunshine registry API",
    "DESCRIPTION": API_DESCRIPTION,
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["orgs.api.public_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema_add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrganizationStatusEnum": "orgs.models.Status",
        "FlagStatusEnum": "credit.models.FlagStatus",
    },
    # The docs page's scripts are served by the app (drf-spectacular-sidecar), not a CDN.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI would otherwise send the schema to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


def require_secret_key() -> None:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment.")

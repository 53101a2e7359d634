"""Settings read the environment in one place and refuse unsafe production setups."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check({"DJANGO_SETTINGS_MODULE": "portal.settings.production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_the_deploy_checklist():
    result = run_check(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "k" * 20 + "a-long-random-looking-secret-for-tests-9f8e7d",
            "ALLOWED_HOSTS": "sunshine.example.org",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_defaults_to_off():
    from portal.settings import base

    assert base.env_bool("SUNSHINE_UNSET_VARIABLE_FOR_TEST") is False


def test_pages_speak_chinese_by_default_and_english_on_request(client, db, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the portal's default; test settings use en
    chinese = client.get("/orgs/").content.decode()
    english = client.get("/orgs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "社会组织" in chinese and "筛选" in chinese
    assert "Organizations" in english and "Filter" in english
    assert "筛选" not in english

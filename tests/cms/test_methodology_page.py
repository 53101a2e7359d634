"""The methodology page: editors' text around the rules as the scoring code has them."""

import io

import pytest
from django.core.management import call_command

from cms.models import MethodologyPage, NewsIndexPage
from credit import methodology as m
from credit.rules import RULES

pytestmark = pytest.mark.django_db


def test_cms_pages_creates_the_standing_pages_once():
    out = io.StringIO()
    call_command("cms_pages", stdout=out)
    assert "/methodology/" in out.getvalue()
    assert "/notices/" in out.getvalue()
    call_command("cms_pages", stdout=out)
    assert MethodologyPage.objects.count() == NewsIndexPage.objects.count() == 1


def test_the_page_lists_every_rule_with_its_points_and_source(client):
    call_command("cms_pages", stdout=io.StringIO())
    page = MethodologyPage.objects.get()
    page.intro = "<p>Written by the editors.</p>"
    page.save_revision().publish()

    html = client.get("/methodology/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Written by the editors." in html
    assert f"version {m.METHODOLOGY_VERSION}" in html
    for code, rule in RULES.items():
        assert f'id="{code}"' in html
        assert rule.title.en in html
    late = m.DEDUCTIONS["FILING_LATE"]
    assert f"{late.points} per reason, at most {late.cap} in all" in html
    assert "Treas. Reg. 1.6081-9" in html  # the US extension figure's source
    assert "US_AUTOMATIC_EXTENSION_MONTHS" in html


def test_the_page_follows_the_language(client):
    call_command("cms_pages", stdout=io.StringIO())
    html = client.get("/methodology/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert RULES["FILING_LATE"].title.zh in html
    assert RULES["FILING_LATE"].title.en not in html

"""The published methodology is generated from the rule table and cannot drift."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from credit import methodology as m
from credit.methodology_page import methodology_markdown
from credit.rules import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "methodology.md"


def test_docs_methodology_is_the_generated_page():
    assert DOC.read_text(encoding="utf-8") == methodology_markdown(), (
        "docs/methodology.md is out of date: run "
        "python manage.py credit_methodology > docs/methodology.md"
    )


def test_the_page_lists_every_rule_with_its_titles_and_sources():
    page = methodology_markdown()
    for code, rule in RULES.items():
        assert f"### `{code}`" in page
        assert rule.title.zh in page and rule.title.en in page
        for source in rule.sources.values():
            assert source.en in page


def test_the_page_marks_every_guess():
    page = methodology_markdown()
    for name, figure in m.all_figures():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{name}`"))
        assert ("GUESS" in row) is figure.guess


def test_credit_methodology_command_prints_the_page():
    out = StringIO()
    call_command("credit_methodology", stdout=out)
    assert out.getvalue() == methodology_markdown()

""" "Why is this empty?": every fiscal year without a filing says why, by the
registry's due-date rule (orgs.profile.fiscal_year_explain, then on the page)."""

import datetime as dt

import pytest

from orgs.models import Status
from orgs.profile import (
    AFTER_END,
    BEFORE_REGISTRATION,
    NO_DUE_DATE,
    NOT_YET_DUE,
    OVERDUE,
    fiscal_year_explain,
    fiscal_years,
)
from orgs.submissions.services import filing_due_on
from tests.factories import FilingFactory, OrganizationFactory

D = dt.date


@pytest.mark.parametrize(
    ("fiscal_year", "registered_on", "status", "changed_on", "today", "expected"),
    [
        # Due 31 May 2025: on the due date it is not yet late, the day after it is.
        (2024, D(2015, 3, 1), Status.ACTIVE, None, D(2025, 5, 31), (NOT_YET_DUE, None)),
        (2024, D(2015, 3, 1), Status.ACTIVE, None, D(2025, 6, 1), (OVERDUE, 1)),
        (2023, D(2015, 3, 1), Status.ACTIVE, None, D(2025, 6, 1), (OVERDUE, 366)),
        # Registered during or after the year: nothing owed for it.
        (2024, D(2024, 3, 1), Status.ACTIVE, None, D(2026, 1, 1), (BEFORE_REGISTRATION, None)),
        (2022, D(2024, 3, 1), Status.ACTIVE, None, D(2026, 1, 1), (BEFORE_REGISTRATION, None)),
        (2025, D(2024, 3, 1), Status.ACTIVE, None, D(2026, 7, 1), (OVERDUE, 31)),
        # Revoked before the report fell due: not owed; revoked after: still overdue.
        (2024, D(2015, 3, 1), Status.REVOKED, D(2025, 2, 1), D(2026, 1, 1), (AFTER_END, None)),
        (2023, D(2015, 3, 1), Status.REVOKED, D(2025, 2, 1), D(2026, 1, 1), (OVERDUE, 580)),
        # Suspended is not an end: the report is still owed.
        (2024, D(2015, 3, 1), Status.SUSPENDED, D(2025, 2, 1), D(2025, 6, 2), (OVERDUE, 2)),
    ],
    ids=[
        "due-today", "one-day-late", "a-year-late", "registered-in-year",
        "registered-after", "first-year-owed", "revoked-before-due",
        "revoked-after-due", "suspended-still-owes",
    ],
)  # fmt: skip
def test_fiscal_year_explain(
    fiscal_year, registered_on, status, changed_on, today, expected
):
    due_on = filing_due_on(
        organization=OrganizationFactory.build(), fiscal_year=fiscal_year
    )
    assert due_on == D(fiscal_year + 1, 5, 31)  # the CN-MCA rule, from credit
    assert (
        fiscal_year_explain(
            fiscal_year=fiscal_year,
            registered_on=registered_on,
            status=status,
            status_changed_on=changed_on,
            due_on=due_on,
            today=today,
        )
        == expected
    )


def test_a_registry_without_a_due_date_rule_says_so():
    assert fiscal_year_explain(
        fiscal_year=2024,
        registered_on=None,
        status=Status.ACTIVE,
        status_changed_on=None,
        due_on=None,
        today=D(2026, 1, 1),
    ) == (NO_DUE_DATE, None)


@pytest.mark.django_db
def test_years_list_the_window_and_every_filed_year_latest_first():
    org = OrganizationFactory(registered_on=D(2010, 1, 1))
    old = FilingFactory(organization=org, fiscal_year=2012)
    recent = FilingFactory(organization=org, fiscal_year=2023)
    rows = fiscal_years(
        organization=org,
        filings=[old, recent],
        due_rule=lambda year: filing_due_on(organization=org, fiscal_year=year),
        today=D(2026, 3, 1),
    )
    assert [r.fiscal_year for r in rows] == [2025, 2024, 2023, 2022, 2021, 2012]
    states = {r.fiscal_year: r.state for r in rows}
    assert states == {
        2025: NOT_YET_DUE, 2024: OVERDUE, 2023: "filed", 2022: OVERDUE,
        2021: OVERDUE, 2012: "filed",
    }  # fmt: skip
    assert rows[0].due_on == D(2026, 5, 31)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "Overdue by"),
        ({"registered_on": D(2099, 1, 1)}, "Not required: the organization was registered"),
        (
            {"status": Status.REVOKED, "status_changed_on": D(2000, 1, 1)},
            "before this report fell due",
        ),
    ],
    ids=["overdue", "registered-after", "revoked-before"],
)  # fmt: skip
def test_profile_page_explains_the_missing_year(client, changes, text):
    org = OrganizationFactory(**changes)
    html = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    assert "No filing." in html
    assert text in html


@pytest.mark.django_db
def test_profile_page_says_when_the_last_year_is_not_yet_due(client, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2026, 3, 1))
    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2024)
    html = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    assert "Not yet due: due on May 31, 2026." in html.decode()

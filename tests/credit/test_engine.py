"""The engine against a database: bulk scoring, history, single rescoring, names."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit import engine, selectors, services
from credit.models import NameFinding, Reason, Score, ScoringRun
from orgs.models import UnregisteredName
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 15)


def clean_org(**fields):
    org = OrganizationFactory(**fields)
    for year in range(2016, 2025):
        FilingFactory(organization=org, fiscal_year=year)
    return org


def late_org():
    org = clean_org()
    org.filings.filter(fiscal_year=2024).update(submitted_on=dt.date(2025, 6, 1))
    return org


def current(org):
    return Score.objects.current().get(organization=org)


def test_score_orgs_writes_a_score_and_its_reasons_per_organization():
    clean, late = clean_org(), late_org()
    zombie = OrganizationFactory()
    for year in range(2016, 2022):
        FilingFactory(organization=zombie, fiscal_year=year)
    RegulatoryEventFactory(organization=zombie, kind="fine", amount=80_000)

    report = engine.score_orgs(as_of=AS_OF)

    assert report.organizations == report.changed == 3
    assert (current(clean).score, current(clean).grade) == (100, "A")
    assert list(current(clean).reasons.all()) == []
    (reason,) = current(late).reasons.all()
    filing_2024 = late.filings.get(fiscal_year=2024)
    assert (reason.code, reason.fiscal_year, reason.points) == ("FILING_LATE", 2024, 10)
    assert reason.evidence == {
        "filing_id": filing_2024.pk,
        "due_on": "2025-05-31",
        "submitted_on": "2025-06-01",
        "days_late": 1,
    }
    assert reason.rule.title.en == "Annual report filed late"
    codes = list(current(zombie).reasons.values_list("code", flat=True))
    assert codes == [
        "FILING_MISSING", "FILING_MISSING", "FILING_MISSING", "ZOMBIE_NO_FILING_2Y",
        "PENALTY_MAJOR",
    ]  # fmt: skip
    assert current(zombie).score == 0  # 45 (three missing, capped) + 30 + 40
    assert report.reasons["FILING_MISSING"] == 3
    assert report.grades == {"A": 2, "D": 1}


def test_rescoring_unchanged_data_writes_nothing_but_the_run():
    org = late_org()
    engine.score_orgs(as_of=AS_OF)
    first = current(org)

    with CaptureQueriesContext(connection) as queries:
        report = engine.score_orgs(as_of=dt.date(2025, 7, 1))

    assert (report.changed, report.unchanged) == (0, 1)
    assert not [q for q in queries if q["sql"].startswith(("UPDATE", "DELETE"))]
    assert Score.objects.filter(organization=org).count() == 1
    first.refresh_from_db()
    assert (first.as_of, first.is_current) == (AS_OF, True)
    run = ScoringRun.objects.latest_completed()
    assert (run.as_of, run.organizations, run.changed) == (dt.date(2025, 7, 1), 1, 0)
    assert first.holds_as_of(run) == dt.date(2025, 7, 1)


def test_history_gets_a_new_row_only_when_the_result_changes():
    org = clean_org()
    engine.score_orgs(as_of=AS_OF)
    org.filings.filter(fiscal_year=2024).delete()
    FilingFactory(organization=org, fiscal_year=2024, submitted_on=dt.date(2025, 6, 3))

    engine.score_orgs(as_of=dt.date(2025, 6, 20))
    engine.score_orgs(as_of=dt.date(2025, 6, 21))

    history = list(selectors.score_history(organization=org))
    assert [(s.grade, s.score, s.is_current) for s in history] == [
        ("A", 90, True),
        ("A", 100, False),
    ]
    assert [s.as_of for s in history] == [dt.date(2025, 6, 20), AS_OF]
    assert Reason.objects.filter(score=history[1]).count() == 0


def test_a_report_becomes_missing_the_day_after_its_due_date():
    org = clean_org()
    org.filings.filter(fiscal_year=2024).delete()
    engine.score_orgs(as_of=dt.date(2025, 5, 31))
    assert current(org).score == 100
    engine.score_orgs(as_of=dt.date(2025, 6, 1))
    assert current(org).score == 85
    assert Score.objects.filter(organization=org).count() == 2


def test_scoring_an_earlier_date_than_the_stored_scores_is_refused():
    clean_org()
    engine.score_orgs(as_of=AS_OF)
    with pytest.raises(engine.ScoringError):
        engine.score_orgs(as_of=dt.date(2025, 1, 1))


def test_dry_run_counts_but_writes_nothing():
    clean_org()
    late_org()
    report = engine.score_orgs(as_of=AS_OF, dry_run=True)
    assert report.changed == 2
    assert report.reasons["FILING_LATE"] == 1
    assert not Score.objects.exists()
    assert not ScoringRun.objects.exists()


def test_chunks_do_not_change_results():
    orgs = [clean_org(), late_org(), OrganizationFactory(), late_org(), clean_org()]
    engine.score_orgs(as_of=AS_OF, chunk_size=2)
    by_chunks = {s.organization_id: s.fingerprint for s in Score.objects.all()}
    Score.objects.all().delete()
    ScoringRun.objects.all().delete()
    engine.score_orgs(as_of=AS_OF, chunk_size=1000)
    at_once = {s.organization_id: s.fingerprint for s in Score.objects.all()}
    assert by_chunks == at_once
    assert set(at_once) == {org.pk for org in orgs}


def test_score_organization_rescores_one_organization_after_a_filing_changes():
    org, other = clean_org(), clean_org()
    engine.score_orgs(as_of=AS_OF)
    org.filings.filter(fiscal_year=2023).update(
        total_assets=2_000_000, total_liabilities=100_000, net_assets=1_000_000
    )

    with CaptureQueriesContext(connection) as queries:
        score = services.organization_rescore(organization=org, as_of=AS_OF)

    assert score.is_current and score.score == 90
    assert [r.code for r in score.reasons.all()] == ["ACCOUNTS_INCONSISTENT"]
    assert Score.objects.filter(organization=other).count() == 1
    assert len(queries) <= 15


def test_single_and_bulk_scoring_agree():
    org = late_org()
    RegulatoryEventFactory(organization=org, kind="warning", date=dt.date(2025, 1, 2))
    single = engine.score_organization(org, as_of=AS_OF)
    Score.objects.all().delete()
    engine.score_orgs(as_of=AS_OF)
    assert current(org).fingerprint == single.fingerprint


def test_revoked_organization_is_not_rated_but_keeps_its_reasons():
    org = clean_org(status="revoked", status_changed_on=dt.date(2024, 3, 1))
    engine.score_orgs(as_of=AS_OF)
    score = current(org)
    assert (score.score, score.grade, score.not_rated_reason) == (
        None,
        "not_rated",
        "ended",
    )
    (reason,) = score.reasons.all()
    assert reason.code == "OPERATING_AFTER_REVOCATION"
    assert [f["fiscal_year"] for f in reason.evidence["filings"]] == [2023, 2024]


def test_unregistered_look_alike_names_are_found_on_the_name():
    original = OrganizationFactory(name="深圳市阳光助学促进会")
    look_alike = UnregisteredName.objects.create(
        name="深圳市阳光助学发展中心", source="public_report", reference="r1"
    )
    national = UnregisteredName.objects.create(
        name="中华慈爱救助总会", source="published_list", reference="l1"
    )
    UnregisteredName.objects.create(
        name="杭州市绿色环保协会", source="watch_list", reference="w1"
    )

    report = engine.screen_unregistered_names(as_of=AS_OF)

    assert (report.names, report.findings, report.added) == (3, 2, 2)
    match = NameFinding.objects.get(unregistered_name=look_alike)
    assert (match.organization, match.similarity) == (original, 1.0)
    assert match.code == "NAME_IMPERSONATION"
    word = NameFinding.objects.get(unregistered_name=national)
    assert word.organization is None and word.evidence["words"] == ["中华"]

    again = engine.screen_unregistered_names(as_of=AS_OF)
    assert (again.added, again.kept, again.removed) == (0, 2, 0)
    national.delete()
    look_alike.name = "杭州市西湖区书法协会"
    look_alike.save()
    gone = engine.screen_unregistered_names(as_of=AS_OF)
    assert (gone.added, gone.removed) == (0, 1)
    assert not NameFinding.objects.exists()


def test_the_original_organization_loses_nothing_to_a_look_alike():
    original = clean_org(name="深圳市阳光助学促进会")
    UnregisteredName.objects.create(
        name="深圳市阳光助学总会", source="public_report", reference="r1"
    )
    services.registry_score(as_of=AS_OF)
    assert current(original).score == 100
    assert NameFinding.objects.filter(organization=original).count() == 1


def test_score_orgs_command_prints_a_summary():
    clean_org()
    late_org()
    out = StringIO()
    call_command("score_orgs", "--as-of", "2025-06-15", stdout=out)
    text = out.getvalue()
    assert "Scored 2 organizations as of 2025-06-15" in text
    assert "FILING_LATE" in text
    assert "Unregistered names: 0 screened" in text
    assert Score.objects.count() == 2


def test_score_orgs_command_dry_run_and_bad_date():
    clean_org()
    out = StringIO()
    call_command("score_orgs", "--as-of", "2025-06-15", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not Score.objects.exists()
    with pytest.raises(CommandError, match="--as-of"):
        call_command("score_orgs", "--as-of", "15/06/2025")
    engine.score_orgs(as_of=AS_OF)
    with pytest.raises(CommandError, match="cannot score an earlier date"):
        call_command("score_orgs", "--as-of", "2025-01-01")


@pytest.mark.django_db
def test_a_new_grade_is_queued_for_the_search_index_and_an_unchanged_one_is_not():
    import datetime as dt

    from credit.services import organization_rescore
    from search.models import OutboxEntry
    from tests.factories import FilingFactory, OrganizationFactory

    org = OrganizationFactory()
    FilingFactory(organization=org, fiscal_year=2024)
    OutboxEntry.objects.all().delete()

    organization_rescore(organization=org, as_of=dt.date(2025, 12, 1))
    assert list(OutboxEntry.objects.values_list("organization_id", flat=True)) == [
        org.pk
    ]

    OutboxEntry.objects.all().delete()
    organization_rescore(organization=org, as_of=dt.date(2025, 12, 1))
    assert not OutboxEntry.objects.exists()

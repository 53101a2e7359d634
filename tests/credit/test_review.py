"""The regulator's review: flags raised from reasons, decisions within the
jurisdiction, public lists with legal basis, appeals, timed exits, the audit log;
suspected flags are never public."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from wagtail.models import ModelLogEntry

from credit import engine, review
from credit.lists import FlagKind, PublicList
from credit.models import Appeal, Flag, FlagStatus, ListEntry, Score
from tests.orgs.filing_setup import PASSWORD, make_cast

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def cast():
    return make_cast()


def _flag(org, kind=FlagKind.ZOMBIE, risk=0.7):
    return Flag.objects.create(
        organization=org,
        kind=kind,
        risk=risk,
        evidence=[{"code": "ZOMBIE_NO_FILING_2Y", "fiscal_year": 2025, "evidence": {}}],
        source="rules: ZOMBIE_NO_FILING_2Y",
        raised_on=AS_OF,
    )


def test_flags_are_raised_from_reasons_once(cast):
    engine.score_orgs(as_of=AS_OF)  # organizations with no filing at all: zombies
    raised = review.flags_raise(today=AS_OF)
    kinds = set(
        Flag.objects.filter(organization=cast.org_a).values_list("kind", flat=True)
    )
    assert raised >= 2 and {FlagKind.ZOMBIE, FlagKind.ABNORMAL_LIST} <= kinds
    zombie = Flag.objects.get(organization=cast.org_a, kind=FlagKind.ZOMBIE)
    assert zombie.status == FlagStatus.SUSPECTED
    assert {e["code"] for e in zombie.evidence} == {"ZOMBIE_NO_FILING_2Y"}
    assert review.flags_raise(today=AS_OF) == 0  # open flags are not raised twice
    review.flag_dismiss(flag=zombie, user=cast.regulator_a, note="merged into X")
    assert review.flags_raise(today=AS_OF) == 0  # nor dismissed ones, same evidence


def test_confirming_lists_the_organization_caps_its_grade_and_tells_it(
    cast, client, django_capture_on_commit_callbacks
):
    engine.score_orgs(as_of=AS_OF)
    flag = _flag(cast.org_a)
    with django_capture_on_commit_callbacks(execute=True):
        entry = review.flag_confirm(
            flag=flag, user=cast.regulator_a, note="No report for 2024 and 2025."
        )
    assert entry.list == PublicList.ABNORMAL
    assert "Order 60" in entry.legal_basis and "6 months" in entry.exit_conditions
    assert any("abnormal" in m.subject.lower() for m in mail.outbox)
    body = client.get(f"/api/v1/orgs/{cast.org_a.org_id}/credit").json()
    assert body["lists"] == [
        {"list": "abnormal", "entered_on": str(entry.entered_on),
         "reason": "No report for 2024 and 2025."}
    ]  # fmt: skip
    page = client.get("/lists/abnormal/").content.decode()
    assert cast.org_a.name in page and "Order 60" in page
    api = client.get("/api/v1/lists/abnormal").json()
    assert api["count"] == 1 and api["results"][0]["org_id"] == cast.org_a.org_id
    assert ModelLogEntry.objects.filter(action="sunshine.flag.confirmed").exists()
    assert ModelLogEntry.objects.filter(action="sunshine.list.enter").exists()


def test_a_decision_needs_a_note_and_the_jurisdiction(cast):
    flag = _flag(cast.org_a)
    with pytest.raises(review.ReviewError):
        review.flag_confirm(flag=flag, user=cast.regulator_a, note="  ")
    with pytest.raises(PermissionDenied):
        review.flag_confirm(flag=flag, user=cast.regulator_elsewhere, note="x")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.SUSPECTED
    assert not ListEntry.objects.exists()


def test_suspected_flags_are_never_public(cast, client):
    _flag(cast.org_a)
    credit = client.get(f"/api/v1/orgs/{cast.org_a.org_id}/credit").json()
    assert credit["lists"] == []
    assert cast.org_a.name not in client.get("/lists/abnormal/").content.decode()
    assert client.get("/api/v1/regulator/flags").status_code == 404
    assert client.get("/regulator/flags/").status_code == 404


@pytest.mark.parametrize(
    ("actor", "queue", "flag_a", "api"),
    [
        ("preparer_a", 404, 404, 404),
        ("approver_b", 404, 404, 404),
        ("regulator_a", 200, 200, 200),
        ("regulator_elsewhere", 200, 404, 200),
        ("superuser", 200, 200, 200),
    ],
)
def test_review_pages_permission_matrix(cast, client, actor, queue, flag_a, api):
    flag = _flag(cast.org_a)
    assert client.login(username=getattr(cast, actor).username, password=PASSWORD)
    response = client.get("/regulator/flags/")
    assert response.status_code == queue
    if queue == 200:
        shown = cast.org_a.name in response.content.decode()
        assert shown == (actor in ("regulator_a", "superuser"))
    assert client.get(f"/regulator/flags/{flag.pk}/").status_code == flag_a
    response = client.get("/api/v1/regulator/flags")
    assert response.status_code == api
    if api == 200:
        ids = [f["id"] for f in response.json()["results"]]
        assert (flag.pk in ids) == (actor in ("regulator_a", "superuser"))


def test_bulk_decisions_refuse_flags_outside_the_jurisdiction(cast, client):
    mine, other = _flag(cast.org_a), _flag(cast.org_b)
    client.login(username="regulator_a", password=PASSWORD)
    response = client.post(
        "/regulator/flags/bulk/",
        {"flag": [mine.pk, other.pk], "action": "dismiss", "note": "x"},
    )
    assert response.status_code == 404
    assert Flag.objects.filter(status=FlagStatus.SUSPECTED).count() == 2
    client.post(
        "/regulator/flags/bulk/",
        {"flag": [mine.pk], "action": "dismiss", "note": "duplicate record"},
    )
    mine.refresh_from_db()
    assert mine.status == FlagStatus.DISMISSED and mine.decided_by == cast.regulator_a


def test_appeal_upheld_removes_the_entry(cast, client):
    entry = review.flag_confirm(
        flag=_flag(cast.org_a), user=cast.regulator_a, note="no reports"
    )
    client.login(username="approver_b", password=PASSWORD)
    assert client.get(f"/lists/entries/{entry.pk}/appeal/").status_code == 404
    client.login(username="approver_a", password=PASSWORD)
    client.post(
        f"/lists/entries/{entry.pk}/appeal/",
        {"grounds": "We filed both reports on 2026-10-30."},
    )
    appeal = Appeal.objects.get()
    client.login(username="regulator_elsewhere", password=PASSWORD)
    response = client.post(
        "/regulator/appeals/", {"appeal": appeal.pk, "decision": "uphold", "note": "x"}
    )
    assert response.status_code == 404
    client.login(username="regulator_a", password=PASSWORD)
    client.post(
        "/regulator/appeals/",
        {"appeal": appeal.pk, "decision": "uphold", "note": "reports verified"},
    )
    entry.refresh_from_db()
    assert entry.exited_on is not None and "appeal upheld" in entry.exit_reason
    assert cast.org_a.name not in client.get("/lists/abnormal/").content.decode()


def test_two_years_on_the_abnormal_list_moves_to_the_serious_list(cast):
    entry = review.flag_confirm(
        flag=_flag(cast.org_a), user=cast.regulator_a, note="n",
        today=dt.date(2024, 10, 1),
    )  # fmt: skip
    counts = review.lists_update(today=dt.date(2026, 10, 1))
    entry.refresh_from_db()
    assert counts["escalated"] == 1 and entry.exited_on == dt.date(2026, 10, 1)
    serious = ListEntry.objects.get(list=PublicList.SERIOUS, exited_on__isnull=True)
    assert serious.organization == cast.org_a


def test_an_entry_with_nothing_outstanding_expires_after_six_months(cast):
    entry = review.flag_confirm(
        flag=_flag(cast.org_a), user=cast.regulator_a, note="n",
        today=dt.date(2026, 1, 1),
    )  # fmt: skip
    assert review.lists_update(today=dt.date(2026, 6, 30))["expired"] == 0
    assert review.lists_update(today=dt.date(2026, 7, 2))["expired"] == 1
    entry.refresh_from_db()
    assert entry.exited_on == dt.date(2026, 7, 2)


def test_an_entry_with_a_reason_outstanding_stays(cast):
    engine.score_orgs(as_of=AS_OF)  # org_a has missing reports: outstanding
    assert Score.objects.filter(organization=cast.org_a).exists()
    review.flag_confirm(
        flag=_flag(cast.org_a), user=cast.regulator_a, note="n",
        today=dt.date(2026, 1, 1),
    )  # fmt: skip
    assert review.lists_update(today=dt.date(2026, 11, 2))["expired"] == 0


def test_list_csv_neutralises_formulas(cast, client):
    cast.org_a.name = "=HYPERLINK(evil)"
    cast.org_a.save()
    review.flag_confirm(flag=_flag(cast.org_a), user=cast.regulator_a, note="@cmd")
    response = client.get("/lists/abnormal/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(evil)" and rows[1][4] == "'@cmd"


def test_unknown_list_and_bad_dates(client):
    assert client.get("/lists/nope/").status_code == 404
    assert client.get("/api/v1/lists/nope").status_code == 404
    response = client.get("/api/v1/lists/abnormal?since=yesterday")
    assert response.status_code == 400
    assert [p["field"] for p in response.json()["problems"]] == ["since"]


def test_the_profile_shows_the_list_entry_at_a_glance(cast, client):
    review.flag_confirm(
        flag=_flag(cast.org_a), user=cast.regulator_a, note="no reports 2024-2025"
    )
    page = client.get(cast.org_a.get_absolute_url()).content.decode()
    assert "On the Abnormal-activity list" in page and "no reports 2024-2025" in page


def test_learned_signals_raise_flags_for_review_only(cast, client):
    from credit.models import RiskKind, RiskSignal

    model = None  # a signal's stored model is optional; the flag names the version
    RiskSignal.objects.create(
        organization=cast.org_a, kind=RiskKind.ZOMBIE, detector="zombie",
        score=0.8, model=model, model_version="test", as_of=AS_OF,
        factors=["no annual report for 2025"],
    )  # fmt: skip
    RiskSignal.objects.create(
        organization=cast.org_b, kind=RiskKind.ZOMBIE, detector="zombie",
        score=0.2, model=model, model_version="test", as_of=AS_OF,
    )  # fmt: skip
    assert review.flags_raise_from_signals(today=AS_OF) == 1
    flag = Flag.objects.get()
    assert flag.organization == cast.org_a and flag.kind == FlagKind.ZOMBIE
    assert flag.risk == pytest.approx(0.8) and flag.source.startswith("model test")
    assert review.flags_raise_from_signals(today=AS_OF) == 0
    assert client.get(f"/api/v1/orgs/{cast.org_a.org_id}/credit").json()["lists"] == []

"""Following organizations: public sign-up, follow and unfollow, and the emails a
follower gets (filed, overdue, grade changed, list entered or left), each once and
only to followers; the notify_followers command."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credit import engine, review
from credit.lists import FlagKind
from credit.models import Flag, Score
from orgs.follows import filing_followers_notify, follow_add
from orgs.models import Follow, FollowNotice, FollowNoticeKind, Organization
from orgs.submissions import services
from orgs.submissions.validation import validate_filing
from portal.models import User
from tests.factories import FilingFactory, OrganizationFactory

from .filing_setup import GOOD_FILING, PASSWORD, make_cast

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "sunlit-orchard-41-kettle"  # noqa: S105 (a test account)


def _signup(client, email="New.Person@Example.org", password=GOOD_PASSWORD, **extra):
    return client.post(
        reverse("signup"),
        {"email": email, "password1": password, "password2": password, **extra},
    )


def _member_of_public(email="donor@example.org") -> User:
    return User.objects.create_user(username=email, email=email, password=PASSWORD)


# Sign-up


def test_signup_creates_an_account_signs_in_and_goes_to_following(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/account/following/"
    user = User.objects.get()
    assert user.username == user.email == "new.person@example.org"
    assert user.check_password(GOOD_PASSWORD)
    assert client.get("/account/following/").status_code == 200
    # and signs in with the address, whatever its case
    other = Client()
    assert other.login(username="new.person@example.org", password=GOOD_PASSWORD)


def test_signup_follows_a_safe_next_only(client):
    response = _signup(client, next="/orgs/")
    assert response["Location"] == "/orgs/"
    response = _signup(
        Client(), email="second@example.org", next="https://evil.example.com/"
    )
    assert response["Location"] == "/account/following/"


@pytest.mark.parametrize(
    ("email", "password1", "password2", "field", "message"),
    [
        ("not-an-address", GOOD_PASSWORD, GOOD_PASSWORD, "email", "valid email"),
        ("", GOOD_PASSWORD, GOOD_PASSWORD, "email", "required"),
        ("a@example.org", GOOD_PASSWORD, GOOD_PASSWORD + "x", "password2", "differ"),
        ("a@example.org", "short1", "short1", "password1", "too short"),
        ("a@example.org", "password123", "password123", "password1", "too common"),
        ("a@example.org", "4815162342108", "4815162342108", "password1", "numeric"),
        (
            "kettlebellmaster@example.org",
            "kettlebellmaster",
            "kettlebellmaster",
            "password1",
            "too similar",
        ),
    ],
)
def test_signup_refuses_bad_input_and_says_which_field(
    client, email, password1, password2, field, message
):
    response = client.post(
        reverse("signup"),
        {"email": email, "password1": password1, "password2": password2},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field]).lower()
    assert not User.objects.exists()


def test_signup_refuses_an_address_taken_in_another_case(client):
    _member_of_public("donor@example.org")
    response = _signup(client, email="DONOR@Example.ORG")
    assert response.status_code == 200
    assert "exists already" in " ".join(response.context["form"].errors["email"])
    assert User.objects.count() == 1


def test_signup_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert _signup(client).status_code == 403
    assert not User.objects.exists()


def test_signup_is_throttled_per_address(client):
    for n in range(10):
        _signup(client, email=f"bad{n}", password="x")
    response = _signup(client, email="late@example.org")
    assert response.status_code == 200
    assert "Too many sign-ups" in response.content.decode()
    assert not User.objects.exists()


def test_sign_in_page_links_to_signup_with_next(client):
    page = client.get("/account/login/?next=/orgs/x/").content.decode()
    assert 'href="/account/signup/?next=/orgs/x/"' in page


# Follow and unfollow


@pytest.fixture
def organization():
    return OrganizationFactory(name="深圳市关注测试协会")


def test_anonymous_follow_goes_to_sign_in_and_comes_back_to_confirm(
    client, organization
):
    profile = client.get(organization.get_absolute_url()).content.decode()
    assert "Follow 深圳市关注测试协会" in profile
    follow_url = reverse("follows:follow", args=[organization.org_id])
    response = client.post(follow_url)
    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next={follow_url}"
    assert not Follow.objects.exists()
    user = _member_of_public()
    client.force_login(user)
    page = client.get(follow_url)  # where sign-in sends them: a confirmation
    assert page.status_code == 200 and not Follow.objects.exists()
    response = client.post(follow_url, {"next": organization.get_absolute_url()})
    assert response["Location"] == organization.get_absolute_url()
    assert Follow.objects.get().user == user


def test_follow_and_unfollow_from_the_profile_and_the_following_page(
    client, organization
):
    user = _member_of_public()
    client.force_login(user)
    client.post(
        reverse("follows:follow", args=[organization.org_id]),
        {"next": organization.get_absolute_url()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    client.post(reverse("follows:follow", args=[organization.org_id]))  # twice: once
    follow = Follow.objects.get(user=user, organization=organization)
    assert follow.language == "en"
    profile = client.get(organization.get_absolute_url()).content.decode()
    assert "You follow this organization." in profile
    assert "Stop following 深圳市关注测试协会" in profile
    following = client.get("/account/following/").content.decode()
    assert organization.name in following and organization.org_id in following
    response = client.post(
        reverse("follows:unfollow", args=[organization.org_id]),
        {"next": "/account/following/"},
    )
    assert response["Location"] == "/account/following/"
    assert not Follow.objects.exists()
    assert "You follow no organization yet" in (
        client.get("/account/following/").content.decode()
    )


def test_follow_needs_a_post_with_the_csrf_token(organization):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_member_of_public())
    url = reverse("follows:follow", args=[organization.org_id])
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 200  # a GET only asks
    assert not Follow.objects.exists()
    follow_add(user=User.objects.get(), organization=organization)
    unfollow = reverse("follows:unfollow", args=[organization.org_id])
    assert client.post(unfollow).status_code == 403
    assert client.get(unfollow).status_code == 302
    assert Follow.objects.count() == 1


def test_following_an_unknown_organization_is_404(client):
    client.force_login(_member_of_public())
    assert client.post("/account/following/CN-USCC-NOPE/follow/").status_code == 404


def test_a_member_of_the_public_finds_following_from_the_account_page(client):
    client.force_login(_member_of_public())
    page = client.get("/account/").content.decode()
    assert 'href="/account/following/"' in page
    assert "<h1>Your account</h1>" in page


def test_the_unfollow_link_of_an_email_asks_then_stops(client, organization):
    from orgs.follows import unfollow_token

    follow = follow_add(user=_member_of_public(), organization=organization)
    url = reverse("follows:unfollow-link", args=[unfollow_token(follow)])
    page = client.get(url)  # no sign-in needed; a GET (a mail scanner) changes nothing
    assert page.status_code == 200 and Follow.objects.exists()
    assert client.post(url).status_code == 200
    assert not Follow.objects.exists()
    assert client.get(url).status_code == 404  # used up
    assert client.get("/account/following/stop/forged:token/").status_code == 404


# Notifications


@pytest.fixture
def cast():
    return make_cast()


@pytest.fixture
def followers(cast):
    """A follower of org_a, a follower of org_b; nobody else follows."""
    fan_a = _member_of_public("fan_a@example.org")
    fan_b = _member_of_public("fan_b@example.org")
    follow_add(user=fan_a, organization=cast.org_a)
    follow_add(user=fan_b, organization=cast.org_b)
    return {"a": fan_a, "b": fan_b}


def _mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def _accept(filing, regulator):
    services.filing_submit(filing=filing, user=None)
    filing.refresh_from_db()
    task_state = filing.current_workflow_task_state
    task_state.task.specific.on_action(task_state, regulator, "approve")
    filing.refresh_from_db()
    return filing


def test_an_accepted_filing_is_told_once_to_its_followers_only(
    cast, followers, django_capture_on_commit_callbacks
):
    checked = validate_filing(
        GOOD_FILING, organization=cast.org_a, today=dt.date(2025, 5, 1)
    )
    filing = services.filing_draft_save(
        organization=cast.org_a, user=cast.approver_a, checked=checked
    )
    with django_capture_on_commit_callbacks(execute=True):
        _accept(filing, cast.regulator_a)
    [message] = _mail_to("fan_a@example.org")
    assert message.subject == f"{cast.org_a.name} filed its annual report for 2024"
    assert f"/orgs/{cast.org_a.org_id}/" in message.body
    assert "/account/following/stop/" in message.body
    assert not _mail_to("fan_b@example.org")
    # the members hear of it as before, not as followers
    assert not any("filed its annual report" in m.subject for m in _mail_to(
        "approver_a@example.org"))  # fmt: skip
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        filing_followers_notify(filing=filing)  # the same event again
    assert not mail.outbox
    assert FollowNotice.objects.filter(kind=FollowNoticeKind.FILED).count() == 1


def test_a_grade_change_in_a_bulk_run_is_recorded_then_sent_by_the_command(
    cast, followers
):
    engine.score_orgs(as_of=dt.date(2025, 7, 1))  # first scores: no change to tell
    assert not FollowNotice.objects.exists()
    before = Score.objects.current().get(organization=cast.org_a).grade
    for year in (2022, 2023, 2024):
        FilingFactory(organization=cast.org_a, fiscal_year=year)
    engine.score_orgs(as_of=dt.date(2025, 7, 2))
    after = Score.objects.current().get(organization=cast.org_a).grade
    assert before != after
    notice = FollowNotice.objects.get()
    assert notice.kind == FollowNoticeKind.GRADE and notice.sent_at is None
    assert notice.follow.user == followers["a"]
    assert not mail.outbox  # a bulk run does not wait on the mail server
    out = StringIO()
    call_command("notify_followers", "--today", "2025-07-02", stdout=out)
    [message] = mail.outbox
    assert message.to == ["fan_a@example.org"]
    labels = {"not_rated": "not rated"}
    assert (
        f"changed from {labels.get(before, before)} to {labels.get(after, after)}"
        in message.body
    )
    assert "grade: 1" in out.getvalue()
    call_command("notify_followers", "--today", "2025-07-02", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_a_bulk_run_asks_about_follows_once_per_chunk_not_per_organization(cast):
    organizations = [cast.org_a, cast.org_b] + [OrganizationFactory() for _ in range(8)]
    follow_add(user=_member_of_public(), organization=organizations[3])
    engine.score_orgs(as_of=dt.date(2025, 7, 1), chunk_size=5)
    for organization in organizations:
        for year in (2022, 2023, 2024):
            FilingFactory(organization=organization, fiscal_year=year)
    with CaptureQueriesContext(connection) as queries:
        engine.score_orgs(as_of=dt.date(2025, 7, 2), chunk_size=5)
    follow_queries = [
        q["sql"] for q in queries if re.search(r'FROM "orgs_follow"', q["sql"])
    ]
    assert len(follow_queries) == 2  # two chunks of five, every grade changed
    assert FollowNotice.objects.count() == 1


def test_rescoring_one_organization_tells_its_followers_on_commit(
    cast, followers, django_capture_on_commit_callbacks
):
    engine.score_orgs(as_of=dt.date(2025, 7, 1))
    for year in (2022, 2023, 2024):
        FilingFactory(organization=cast.org_a, fiscal_year=year)
    with django_capture_on_commit_callbacks(execute=True):
        engine.score_organization(cast.org_a, as_of=dt.date(2025, 7, 2))
    [message] = mail.outbox
    assert message.to == ["fan_a@example.org"]
    assert "credit grade" in message.subject
    with django_capture_on_commit_callbacks(execute=True):
        engine.score_organization(cast.org_a, as_of=dt.date(2025, 7, 3))
    assert len(mail.outbox) == 1  # the same grade: nothing to tell


def test_entering_and_leaving_a_list_is_told_to_followers_only(
    cast, followers, django_capture_on_commit_callbacks
):
    flag = Flag.objects.create(
        organization=cast.org_a,
        kind=FlagKind.ZOMBIE,
        risk=0.7,
        evidence=[],
        source="rules",
        raised_on=dt.date(2025, 7, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        entry = review.flag_confirm(
            flag=flag, user=cast.regulator_a, note="No report for two years."
        )
    entered = [
        m for m in _mail_to("fan_a@example.org") if "was put on the" in m.subject
    ]
    assert len(entered) == 1
    assert "No report for two years." in entered[0].body
    assert not _mail_to("fan_b@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        review.list_entry_remove(
            entry=entry, user=cast.regulator_a, reason="Filed and verified."
        )
    left = [m for m in _mail_to("fan_a@example.org") if " left the " in m.subject]
    assert len(left) == 1 and "Filed and verified." in left[0].body
    kinds = sorted(
        FollowNotice.objects.exclude(kind=FollowNoticeKind.GRADE).values_list(
            "kind", flat=True
        )
    )
    assert kinds == [FollowNoticeKind.LIST_ENTERED, FollowNoticeKind.LIST_LEFT]
    assert not _mail_to("fan_b@example.org")


def test_emails_are_written_in_the_followers_language(cast):
    from django.utils import translation

    from orgs.follows import notice_text

    with translation.override("zh-hans"):
        follow = follow_add(user=_member_of_public(), organization=cast.org_a)
    assert follow.language == "zh-hans"
    notice = FollowNotice(
        follow=follow,
        kind=FollowNoticeKind.GRADE,
        subject="score:1",
        details={"old": "B", "new": "not_rated"},
    )
    with translation.override("en"):  # whatever the sender's language
        _subject, body = notice_text(notice)
    assert "未评级" in body and "not rated" not in body
    follow.language = "en"
    _subject, body = notice_text(notice)
    assert "changed from B to not rated" in body


# Overdue: the notify_followers command


def _run(*args) -> str:
    out = StringIO()
    call_command("notify_followers", *args, stdout=out)
    return out.getvalue()


def _followed_on(follow: Follow, day: dt.date) -> None:
    Follow.objects.filter(pk=follow.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    )


def test_overdue_is_told_once_and_dry_run_records_nothing(cast):
    overdue = cast.org_a
    filed = cast.org_b
    FilingFactory(organization=filed, fiscal_year=2024)
    late_fan = _member_of_public("late@example.org")
    fan = _member_of_public()
    for organization in (overdue, filed):
        _followed_on(
            follow_add(user=fan, organization=organization), dt.date(2025, 1, 1)
        )
    # following after the due date passed: nothing new to tell
    _followed_on(follow_add(user=late_fan, organization=overdue), dt.date(2025, 6, 15))
    unfollowed = OrganizationFactory()  # overdue too, but nobody follows it
    assert unfollowed.pk

    output = _run("--today", "2025-06-10", "--dry-run")
    assert "1 overdue notices would be recorded" in output
    assert not FollowNotice.objects.exists() and not mail.outbox

    output = _run("--today", "2025-06-10")
    assert "1 overdue notices recorded" in output and "overdue: 1" in output
    [message] = mail.outbox
    assert message.to == ["donor@example.org"]
    assert message.subject == (
        f"{overdue.name} has not filed its annual report for 2024"
    )
    assert "was due on 2025-05-31" in message.body

    output = _run("--today", "2025-06-11")
    assert "0 overdue notices recorded" in output and "0 emails sent" in output
    assert len(mail.outbox) == 1
    assert _run("--today", "2025-06-11", "--dry-run").count("0 overdue") == 1


def test_a_failed_send_is_retried_by_the_next_run(cast, settings, monkeypatch):
    fan = _member_of_public()
    _followed_on(follow_add(user=fan, organization=cast.org_a), dt.date(2025, 1, 1))
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with pytest.raises(Exception, match="could not be sent"):
        _run("--today", "2025-06-10")
    assert FollowNotice.objects.get().sent_at is None
    monkeypatch.undo()
    _run("--today", "2025-06-10")
    assert len(mail.outbox) == 1
    assert FollowNotice.objects.get().sent_at is not None


def test_organization_delete_removes_its_follows(cast):
    follow_add(user=_member_of_public(), organization=cast.org_a)
    Organization.objects.filter(pk=cast.org_a.pk).delete()
    assert not Follow.objects.exists()


def test_an_imported_filing_is_recorded_for_followers_and_sent_by_the_command(
    tmp_path,
):
    from orgs.exchange import registry_import
    from tests.orgs.test_exchange import organization as exchange_line
    from tests.orgs.test_exchange import write

    registry_import(path=write(tmp_path, exchange_line(), name="first.jsonl"))
    imported = Organization.objects.get()
    _followed_on(
        follow_add(user=_member_of_public(), organization=imported),
        dt.date(2026, 1, 1),
    )
    again = exchange_line()
    again["filings"].append({**again["filings"][0], "fiscal_year": 2024})
    registry_import(path=write(tmp_path, again, name="second.jsonl"))
    registry_import(path=write(tmp_path, again, name="third.jsonl"))  # nothing new
    notice = FollowNotice.objects.get()
    assert (notice.kind, notice.subject) == (FollowNoticeKind.FILED, "filing:2024:v1")
    assert not mail.outbox  # an import waits on no mail server
    _run("--today", "2026-02-01")
    [message] = mail.outbox
    assert message.subject == f"{imported.name} filed its annual report for 2024"

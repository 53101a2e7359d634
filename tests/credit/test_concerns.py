"""Concerns from the public: the report form and its guards (field errors, honeypot,
minimum time, rate limit), the public status page, and the regulators' queue: who
sees which concern, review and close, the watch list and flags."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from wagtail.models import ModelLogEntry

from credit import engine, review, selectors
from credit.forms import form_started_token
from credit.lists import FlagKind
from credit.models import Concern, ConcernStatus, Flag, NameFinding
from credit.views import CONCERNS_PER_HOUR
from orgs.models import NameSource, Regulator, UnregisteredName
from portal.models import User
from tests.factories import OrganizationFactory
from tests.orgs.filing_setup import PASSWORD, make_cast

pytestmark = pytest.mark.django_db

REPORT = {
    "reported_name": "深圳市阳光助学发展中心",
    "seen_where": "street",
    "seen_detail": "Outside Nanshan station, collecting cash",
    "seen_url": "",
    "what_happened": "Two people asked for donations for school children.",
    "region": "440300",
    "contact_email": "reporter@example.net",
    "org_id": "",
    "website": "",
}


def _form(**changes) -> dict:
    return {**REPORT, "started": form_started_token(at=time.time() - 30), **changes}


def _post(client, address="203.0.113.7", **changes):
    return client.post("/report/", _form(**changes), REMOTE_ADDR=address)


@pytest.fixture
def cast():
    return make_cast()


def _regulator(name: str, region: str, level: str) -> User:
    user = User.objects.create_user(username=name, password=PASSWORD)
    Regulator.objects.create(user=user, region=region, registration_level=level)
    return user


def _concern(**fields) -> Concern:
    values = {
        "reported_name": "某某爱心会",
        "seen_where": "website",
        "what_happened": "Asked for money.",
        **fields,
    }
    return review.concern_submit(**values)


# The form ------------------------------------------------------------------------


def test_a_report_is_received_with_a_reference_and_an_email(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client)
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response.url == f"/report/{concern.reference}/"
    assert re.fullmatch(r"C-[2-9A-HJKMNP-Z]{10}", concern.reference)
    assert concern.status == ConcernStatus.RECEIVED
    assert concern.reported_name == REPORT["reported_name"]
    assert (concern.seen_where, concern.region) == ("street", "440300")
    assert concern.organization is None
    # Only a keyed hash of the address: not the address, not its plain SHA-256.
    assert len(concern.submitter_hash) == 64
    assert "203.0.113.7" not in concern.submitter_hash
    assert concern.submitter_hash == review.submitter_hash("203.0.113.7")
    assert concern.submitter_hash != review.submitter_hash("203.0.113.8")
    (email,) = mail.outbox
    assert email.to == ["reporter@example.net"]
    assert concern.reference in email.subject
    assert f"/report/{concern.reference}/" in email.body


def test_references_differ_between_reports(client):
    references = {_concern().reference for _ in range(20)}
    assert len(references) == 20


def test_the_form_prefills_a_registered_organization_and_links_it(client):
    org = OrganizationFactory(name="深圳市第九公益促进会", region="440305")
    page = client.get(f"/report/?org={org.org_id}").content.decode()
    assert f'value="{org.org_id}"' in page and "深圳市第九公益促进会" in page
    response = _post(client, org_id=org.org_id, region="")
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.organization == org
    assert concern.region == "440305"  # the organization's, for routing


def test_the_form_is_accessible_by_label_and_has_a_honeypot_hidden_from_everyone(
    client,
):
    page = client.get("/report/").content.decode()
    for field in ("reported_name", "seen_where", "what_happened", "contact_email"):
        assert f'<label for="id_{field}">' in page
    assert '<div hidden><label for="id_website">' in page
    assert 'name="started"' in page
    assert 'href="/report/"' in page  # the header link


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reported_name", "", "This field is required."),
        ("reported_name", "x" * 256, "at most 255 characters"),
        ("seen_where", "", "This field is required."),
        ("seen_where", "carrier pigeon", "Select a valid choice"),
        ("what_happened", "   ", "This field is required."),
        ("what_happened", "y" * 4001, "at most 4000 characters (it has 4001)"),
        ("contact_email", "not-an-address", "Enter a valid email address."),
        ("seen_url", "javascript:alert(1)", "Enter a valid URL."),
        ("region", "999999", "Select a valid choice"),
        ("org_id", "CN-USCC-NOPE", "No registered organization has the identifier"),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_the_rest_is_kept(
    client, field, value, message
):
    response = _post(client, **{field: value})
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page or (
        f'aria-describedby="id_{field}_error"' in page
    )
    assert 'aria-invalid="true"' in page
    # The other answers are still there.
    kept = "Outside Nanshan station" if field != "seen_detail" else "reporter@"
    assert kept in page
    assert not Concern.objects.exists()


def test_a_filled_honeypot_is_refused(client):
    response = _post(client, website="http://spam.example")
    assert response.status_code == 400
    assert "looks automated and was not sent" in response.content.decode()
    assert not Concern.objects.exists()


def test_a_form_sent_too_fast_is_refused_with_a_fresh_start_time(client):
    response = _post(client, started=form_started_token())
    page = response.content.decode()
    assert response.status_code == 400
    assert "sent too quickly" in page
    assert "Outside Nanshan station" in page  # kept to send again
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("started", "message"),
    [
        ("", "could not be checked"),
        ("1700000000:forged", "could not be checked"),
        ("two days ago", "more than a day"),
    ],
)
def test_a_missing_forged_or_stale_start_time_is_refused(client, started, message):
    if started == "two days ago":
        started = form_started_token(at=time.time() - 2 * 24 * 3600)
    response = _post(client, started=started)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Concern.objects.exists()


def test_reports_are_rate_limited_per_address(client):
    for _ in range(CONCERNS_PER_HOUR):
        assert _post(client).status_code == 302
    response = _post(client)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many reports have been sent from your connection" in page
    assert "Outside Nanshan station" in page
    assert Concern.objects.count() == CONCERNS_PER_HOUR
    assert _post(client, address="198.51.100.1").status_code == 302


def test_bot_like_posts_count_towards_the_rate_limit(client):
    for _ in range(CONCERNS_PER_HOUR):
        assert _post(client, website="x").status_code == 400
    assert _post(client).status_code == 429
    assert not Concern.objects.exists()


def test_the_form_needs_a_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/report/", _form()).status_code == 403
    assert not Concern.objects.exists()


# The status page ------------------------------------------------------------------


def test_the_status_page_shows_status_and_outcome_but_nothing_private(
    client, cast, django_capture_on_commit_callbacks
):
    concern = _concern(
        region="440305",
        contact_email="private@example.net",
        seen_detail="Flat 3, 12 Secret Road",
        what_happened="My neighbour Mr Wang told me.",
    )
    page = client.get(f"/report/{concern.reference}/").content.decode()
    assert "Received" in page and concern.reference in page
    review.concern_review_start(concern=concern, user=cast.regulator_a)
    assert (
        "Under review" in client.get(f"/report/{concern.reference}/").content.decode()
    )
    review.concern_close(
        concern=concern,
        user=cast.regulator_a,
        outcome="The organization was banned.",
        internal_note="Informant is the landlord; do not publish.",
    )
    page = client.get(f"/report/{concern.reference}/").content.decode()
    assert "Closed" in page and "The organization was banned." in page
    for private in ("private@example.net", "landlord", "Secret Road", "Mr Wang",
                    "regulator_a"):  # fmt: skip
        assert private not in page


def test_an_unknown_reference_is_not_found(client):
    _concern()
    assert client.get("/report/C-2222222222/").status_code == 404


# Who sees which concern ------------------------------------------------------------


def test_regulators_see_concerns_of_their_jurisdiction_and_region(client, cast):
    about_a = _concern(organization=cast.org_a)  # 440305, municipal
    about_b = _concern(organization=cast.org_b)  # 110105, municipal
    unnamed_shenzhen = _concern(region="440305")
    unnamed_shanghai = _concern(region="310101")
    unnamed_nowhere = _concern()
    national = _regulator("national", "100000", "national")
    provincial = _regulator("guangdong", "440000", "provincial")

    def seen(user):
        return set(selectors.concerns_reviewable_by(user=user))

    assert seen(cast.regulator_a) == {about_a, unnamed_shenzhen}
    assert seen(cast.regulator_elsewhere) == {unnamed_shanghai}
    # A province's authority routes the unnamed ones in its province, but org_a is
    # registered at city level: not its jurisdiction.
    assert seen(provincial) == {unnamed_shenzhen}
    assert seen(national) == {unnamed_shenzhen, unnamed_shanghai, unnamed_nowhere}
    assert seen(cast.superuser) == {
        about_a, about_b, unnamed_shenzhen, unnamed_shanghai, unnamed_nowhere
    }  # fmt: skip
    assert seen(cast.preparer_a) == set()


def test_the_queue_and_detail_answer_404_to_everyone_else(client, cast):
    concern = _concern(organization=cast.org_a)
    queue, detail = "/regulator/concerns/", f"/regulator/concerns/{concern.reference}/"
    for response in (client.get(queue), client.get(detail)):
        assert response.status_code == 404  # anonymous
    for user in (cast.preparer_a, cast.approver_a, cast.regulator_elsewhere):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        post = client.post(detail, {"action": "start"})
        assert post.status_code == 404
    client.force_login(cast.regulator_elsewhere)
    assert concern.reference not in client.get(queue).content.decode()
    client.force_login(cast.preparer_a)
    assert client.get(queue).status_code == 404
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED
    with pytest.raises(PermissionDenied):
        review.concern_review_start(concern=concern, user=cast.regulator_elsewhere)


QUEUE_QUERIES = 6  # measured: 5 (session, user, regulator, count, page)


def test_the_queue_lists_newest_first_filters_by_status_and_pages(
    client, cast, django_assert_max_num_queries
):
    old = _concern(organization=cast.org_a, reported_name="Oldest")
    Concern.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=3)
    )
    new = _concern(region="440305", reported_name="Newest")
    closed = _concern(region="440300", reported_name="Finished")
    review.concern_close(concern=closed, user=cast.regulator_a, outcome="Done.")
    client.force_login(cast.regulator_a)
    page = client.get("/regulator/concerns/").content.decode()
    assert page.index(new.reference) < page.index(old.reference)
    assert closed.reference not in page  # open ones by default
    page = client.get("/regulator/concerns/?status=closed").content.decode()
    assert closed.reference in page and new.reference not in page
    page = client.get("/regulator/concerns/?status=all").content.decode()
    assert all(c.reference in page for c in (old, new, closed))
    Concern.objects.bulk_create(
        [
            Concern(
                reported_name=f"n{i}",
                seen_where="other",
                what_happened="x",
                region="440305",
            )
            for i in range(60)
        ]  # fmt: skip
    )
    with django_assert_max_num_queries(QUEUE_QUERIES):  # none per row
        first = client.get("/regulator/concerns/").content.decode()
    assert "Page 1 of 2" in first and "62 concerns" in first
    assert "Page 2 of 2" in client.get("/regulator/concerns/?page=2").content.decode()


# Review, close, watch list, flags --------------------------------------------------


def test_review_and_close_through_the_pages_with_emails(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = _concern(region="440305", contact_email="r@example.net")
    detail = f"/regulator/concerns/{concern.reference}/"
    client.force_login(cast.regulator_a)
    page = client.get(detail).content.decode()
    assert "r@example.net" in page and "Asked for money." in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail, {"action": "start"})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.UNDER_REVIEW
    assert concern.handled_by == cast.regulator_a and concern.review_started_at
    assert "under review" in mail.outbox[-1].subject
    again = client.post(detail, {"action": "start"}, follow=True).content.decode()
    assert "already under review" in again
    no_outcome = client.post(detail, {"action": "close", "outcome": " "}, follow=True)
    assert "closing needs a published outcome" in no_outcome.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            detail,
            {
                "action": "close",
                "outcome": "Warned and removed the stall.",
                "internal_note": "Police case 42.",
            },  # fmt: skip
        )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED and concern.closed_at
    assert concern.internal_note == "Police case 42."
    closing = mail.outbox[-1]
    assert "closed" in closing.subject
    assert "Warned and removed the stall." in closing.body
    assert "Police case 42." not in closing.body
    assert len(mail.outbox) == 3  # received, under review, closed
    assert ModelLogEntry.objects.filter(action="sunshine.concern.close").exists()
    with pytest.raises(review.ReviewError):
        review.concern_close(concern=concern, user=cast.regulator_a, outcome="Again")


def test_no_email_without_a_contact(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        concern = _concern(region="440305")
        review.concern_review_start(concern=concern, user=cast.regulator_a)
    assert mail.outbox == []


def test_an_unregistered_name_goes_on_the_watch_list_and_is_screened(client, cast):
    original = OrganizationFactory(name="深圳市阳光助学促进会")
    concern = _concern(
        reported_name="深圳市阳光助学发展中心", region="440305",
        seen_detail="Nanshan", seen_url="https://example.net/post/1",
    )  # fmt: skip
    client.force_login(cast.regulator_a)
    client.post(f"/regulator/concerns/{concern.reference}/", {"action": "watch"})
    name = UnregisteredName.objects.get()
    assert (name.name, name.source, name.reference, name.region) == (
        "深圳市阳光助学发展中心", NameSource.PUBLIC_REPORT, concern.reference, "440305"
    )  # fmt: skip
    assert "Nanshan" in name.seen_where and "example.net/post/1" in name.seen_where
    concern.refresh_from_db()
    assert concern.unregistered_name == name
    # Twice is the same entry.
    assert review.concern_watch_name(concern=concern, user=cast.regulator_a) == name
    assert UnregisteredName.objects.count() == 1
    # The NAME_IMPERSONATION screen reads it on its next run.
    engine.screen_unregistered_names(as_of=timezone.localdate())
    finding = NameFinding.objects.get(unregistered_name=name)
    assert finding.code == "NAME_IMPERSONATION" and finding.organization == original


def test_a_registered_organization_gets_a_flag_not_a_watch_list_entry(client, cast):
    first = _concern(organization=cast.org_a)
    second = _concern(organization=cast.org_a, reported_name="again")
    with pytest.raises(review.ReviewError):
        review.concern_watch_name(concern=first, user=cast.regulator_a)
    client.force_login(cast.regulator_a)
    detail = f"/regulator/concerns/{first.reference}/"
    bad = client.post(detail, {"action": "flag", "kind": "zombie"}, follow=True)
    assert "choose what kind of flag" in bad.content.decode()
    client.post(detail, {"action": "flag", "kind": FlagKind.ILLEGAL})
    flag = Flag.objects.get()
    assert (flag.organization, flag.kind, flag.status) == (
        cast.org_a, FlagKind.ILLEGAL, "suspected"
    )  # fmt: skip
    assert flag.evidence[0]["evidence"] == {"concern": first.reference}
    # A second concern joins the open flag's evidence.
    review.concern_flag_raise(
        concern=second, user=cast.regulator_a, kind=FlagKind.ILLEGAL
    )
    flag.refresh_from_db()
    assert Flag.objects.count() == 1
    assert [e["evidence"]["concern"] for e in flag.evidence] == [
        first.reference, second.reference
    ]  # fmt: skip
    first.refresh_from_db()
    assert first.flag == flag
    unnamed = _concern(region="440305")
    with pytest.raises(review.ReviewError):
        review.concern_flag_raise(
            concern=unnamed, user=cast.regulator_a, kind=FlagKind.ILLEGAL
        )

"""Attachments: PDF by content, at most 20 MB, private until the filing is accepted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.submissions import services
from orgs.submissions.validation import PDF_MAX_BYTES, validate_filing

from .filing_setup import GOOD_FILING, PASSWORD, make_cast

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def setup(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cast = make_cast()
    checked = validate_filing(
        GOOD_FILING, organization=cast.org_a, today=dt.date(2025, 6, 1)
    )
    draft = services.filing_draft_save(
        organization=cast.org_a, user=cast.approver_a, checked=checked
    )
    assert client.login(username="approver_a", password=PASSWORD)
    return cast, draft


def _attach(client, draft, name, content):
    return client.post(
        reverse("account:filing-attachment", args=[draft.pk]),
        {"attachment": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_a_pdf_is_attached_and_private_until_accepted(client, setup):
    cast, draft = setup
    _attach(client, draft, "report.pdf", PDF)
    draft.refresh_from_db()
    assert draft.attachment is not None
    url = reverse("orgs:filing-document", args=[cast.org_a.org_id, draft.pk])
    assert client.get(url).status_code == 200  # the member sees it
    client.logout()
    assert client.get(url).status_code == 404  # the public does not, yet
    assert client.get(draft.attachment.url).status_code != 200  # nor via Wagtail
    services.filing_submit(filing=draft, user=cast.approver_a)
    draft.refresh_from_db()
    task_state = draft.current_workflow_task_state
    task_state.task.specific.on_action(task_state, cast.regulator_a, "approve")
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "is not a PDF"),
        ("report.pdf", b"\x7fELF\x02\x01" + b"\x00" * 200, "is not a PDF"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (PDF_MAX_BYTES + 1), "at most 20 MB"),
    ],
)
def test_bad_attachments_are_refused(client, setup, name, content, message):
    _cast, draft = setup
    response = _attach(client, draft, name, content)
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.attachment is None

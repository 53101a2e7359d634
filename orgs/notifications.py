"""Emails to an organization's members (filings returned or accepted, list entries,
requests for information). Sent after the transaction commits, so a rolled-back
decision tells nobody."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from .models import Membership


def members_notify(*, organization_id: int, subject: str, body: str) -> None:
    """Email every member of the organization who has an address, on commit."""
    recipients = list(
        Membership.objects.filter(organization_id=organization_id)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if recipients:
        transaction.on_commit(
            lambda: send_mail(subject, body, None, recipients, fail_silently=False)
        )

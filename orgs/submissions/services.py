"""Writes of the filing lifecycle: save a draft, submit, review, publish, return.

Every channel (form, upload, API) ends here after ``validation.validate_filing``.
The regulator's side runs through Wagtail's workflow (``RegulatorReviewTask``); the
signal handlers at the end keep ``Filing.review_state`` in step with it and tell the
organization what happened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import (
    Workflow,
    WorkflowContentType,
    WorkflowState,
    WorkflowTask,
)
from wagtail.signals import published, workflow_approved, workflow_rejected

from credit.rules.base import DUE_DATE_RULES

from ..access import user_may_prepare, user_may_submit
from ..follows import filing_followers_notify
from ..models import (
    ApiSubmission,
    Filing,
    FilingToken,
    Organization,
    RegulatorReviewTask,
    ReviewState,
)
from ..notifications import members_notify
from .validation import Checked

logger = logging.getLogger(__name__)

REVIEW_WORKFLOW_NAME = "Filing review"
EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.RETURNED)


class FilingStateError(Exception):
    """The filing is not in a state that allows what was asked."""


def filing_due_on(*, organization: Organization, fiscal_year: int, period_end=None):
    """The due date of an annual report, by the registry's rule (credit.rules)."""
    rule = DUE_DATE_RULES.get(organization.registry)
    return rule(fiscal_year, period_end) if rule else None


def review_workflow() -> Workflow:
    """The workflow filings go through; made on first use, so a fresh database and
    the demo need no setup step."""
    content_type = ContentType.objects.get_for_model(Filing)
    assigned = (
        WorkflowContentType.objects.filter(content_type=content_type)
        .select_related("workflow")
        .first()
    )
    if assigned is not None:
        return assigned.workflow
    with transaction.atomic():
        workflow = Workflow.objects.create(name=REVIEW_WORKFLOW_NAME)
        task = RegulatorReviewTask.objects.create(name=_("Regulator review"))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowContentType.objects.create(content_type=content_type, workflow=workflow)
    return workflow


def _model_values(checked: Checked) -> dict[str, object]:
    return {
        k: v
        for k, v in checked.values.items()
        if k not in ("income_total", "expenses_total")
    }


@transaction.atomic
def filing_draft_save(
    *,
    organization: Organization,
    user,
    checked: Checked,
    filing: Filing | None = None,
) -> Filing:
    """Create or update a draft from validated values.

    A first filing for a year is version 1; once a year has an accepted filing, a new
    one is the next version (an amendment) and goes through review again.
    """
    if not checked.ok:
        raise ValueError("only validated values can be saved")
    if user is not None and not user_may_prepare(user=user, organization=organization):
        raise PermissionDenied
    values = _model_values(checked)
    if filing is None:
        last = Filing.objects.filter(
            organization=organization, fiscal_year=values["fiscal_year"]
        ).aggregate(version=Max("version"))["version"]
        filing = Filing(
            organization=organization,
            version=(last or 0) + 1,
            live=False,
            review_state=ReviewState.DRAFT,
            prepared_by=user if user is not None and user.is_authenticated else None,
        )
    elif filing.organization_id != organization.pk:
        raise PermissionDenied
    elif filing.review_state not in EDITABLE_STATES:
        raise FilingStateError(
            _("a filing that is %(state)s cannot be edited")
            % {"state": filing.get_review_state_display()}
        )
    for name, value in values.items():
        setattr(filing, name, value)
    filing.due_on = filing_due_on(
        organization=organization,
        fiscal_year=filing.fiscal_year,
        period_end=filing.period_end,
    )
    filing.source = "portal"
    filing.save()
    # validate_filing has checked the values; the constraints are the database's.
    # (Wagtail's own full_clean here cost a query per constraint, twice a filing.)
    filing.save_revision(user=user, log_action=True, clean=False)
    return filing


@transaction.atomic
def filing_submit(*, filing: Filing, user, today: dt.date | None = None) -> Filing:
    """Send a draft (or a returned filing, fixed) to the regulator.

    Only an approver of the organization submits. Late submission is allowed: the
    submission date is recorded and the filing shows as late.
    """
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if user is not None and not user_may_submit(
        user=user, organization=filing.organization
    ):
        raise PermissionDenied
    if filing.review_state not in EDITABLE_STATES:
        raise FilingStateError(
            _("a filing that is %(state)s cannot be submitted")
            % {"state": filing.get_review_state_display()}
        )
    resubmission = filing.review_state == ReviewState.RETURNED
    filing.review_state = ReviewState.SUBMITTED
    filing.submitted_on = today or timezone.localdate()
    filing.submitted_at = timezone.now()
    filing.save(update_fields=["review_state", "submitted_on", "submitted_at"])
    filing.save_revision(user=user, clean=False)
    state = filing.current_workflow_state
    if resubmission and state is not None:
        state.resume(user=user)
    else:
        review_workflow().start(filing, user)
    return filing


def filing_review_start(*, filing: Filing, user) -> None:
    """A regulator takes a submitted filing into review (the organization sees it)."""
    Filing.objects.filter(pk=filing.pk, review_state=ReviewState.SUBMITTED).update(
        review_state=ReviewState.UNDER_REVIEW
    )
    filing.review_state = ReviewState.UNDER_REVIEW
    log(instance=filing, action="sunshine.filing.review_start", user=user)


def _notify(filing: Filing, subject: str, body: str) -> None:
    members_notify(organization_id=filing.organization_id, subject=subject, body=body)


@receiver(published, sender=Filing)
def _filing_published(sender, instance: Filing, **kwargs) -> None:
    """Accepted: the filing is public, earlier versions of its year are superseded,
    the organization's record changes for search and scoring, and its followers are
    told."""
    from search.services import outbox_record

    Filing.objects.filter(pk=instance.pk).update(review_state=ReviewState.ACCEPTED)
    instance.review_state = ReviewState.ACCEPTED
    Filing.objects.filter(
        organization_id=instance.organization_id,
        fiscal_year=instance.fiscal_year,
        version__lt=instance.version,
        live=True,
    ).update(superseded=True)
    outbox_record(organization_ids=[instance.organization_id])
    filing_followers_notify(filing=instance)
    from credit.services import organization_rescore_on_commit

    organization_rescore_on_commit(organization_id=instance.organization_id)


@receiver(workflow_approved, sender=WorkflowState)
def _workflow_approved(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    filing = instance.content_object
    if not isinstance(filing, Filing):
        return
    _notify(
        filing,
        _("Your annual report for %(year)s was accepted")
        % {"year": filing.fiscal_year},
        _(
            "The regulator accepted the annual report of %(name)s for %(year)s "
            "(version %(version)s). It is now public on its profile."
        )
        % {
            "name": filing.organization.name,
            "year": filing.fiscal_year,
            "version": filing.version,
        },
    )


@receiver(workflow_rejected, sender=WorkflowState)
def _workflow_rejected(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    filing = instance.content_object
    if not isinstance(filing, Filing):
        return
    Filing.objects.filter(pk=filing.pk).update(review_state=ReviewState.RETURNED)
    comment = (
        instance.current_task_state.get_comment() if instance.current_task_state else ""
    )
    _notify(
        filing,
        _("Your annual report for %(year)s was returned")
        % {"year": filing.fiscal_year},
        _(
            "The regulator returned the annual report of %(name)s for %(year)s with "
            "these reasons:\n\n%(comment)s\n\nFix it and submit it again from your "
            "account page."
        )
        % {
            "name": filing.organization.name,
            "year": filing.fiscal_year,
            "comment": comment,
        },
    )


def filing_return_reasons(filing: Filing) -> list[dict]:
    """The regulator's comments on a filing, newest first (for its organization)."""
    from wagtail.models import TaskState

    states = (
        TaskState.objects.filter(
            workflow_state__base_content_type=ContentType.objects.get_for_model(Filing),
            workflow_state__object_id=str(filing.pk),
        )
        .exclude(comment="")
        .order_by("-finished_at")
    )
    return [
        {"status": s.status, "comment": s.comment, "finished_at": s.finished_at}
        for s in states
    ]


TOKEN_PREFIX = "sfk_"  # noqa: S105 (a prefix, not a secret)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def filing_token_create(*, organization: Organization, user, name: str):
    """A new API token for the organization's accounting software; returns the
    token row and the token itself, which is never stored and shown only now."""
    if not user_may_submit(user=user, organization=organization):
        raise PermissionDenied
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = FilingToken.objects.create(
        organization=organization,
        name=name,
        key_prefix=raw[: len(TOKEN_PREFIX) + 4],
        key_hash=_token_hash(raw),
        created_by=user,
    )
    log(
        instance=organization,
        action="sunshine.token.create",
        user=user,
        data={"token": token.name, "prefix": token.key_prefix},
    )
    return token, raw


def filing_token_revoke(*, token: FilingToken, user) -> None:
    if not user_may_submit(user=user, organization=token.organization):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log(
            instance=token.organization,
            action="sunshine.token.revoke",
            user=user,
            data={"token": token.name, "prefix": token.key_prefix},
        )


def filing_token_find(raw: str) -> FilingToken | None:
    """The live token a request presents, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        FilingToken.objects.select_related("organization")
        .filter(key_hash=_token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        FilingToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different body."""


def api_filing_submit(
    *,
    token: FilingToken,
    idempotency_key: str,
    body: bytes,
    raw: dict,
    submit: bool,
    today: dt.date | None = None,
) -> tuple[Filing | None, Checked | None, bool]:
    """A filing sent by an organization's software: validate, save, submit.

    Returns (filing, checked, replayed). With problems nothing is written and the
    filing is None. The same key with the same body answers the filing made the
    first time (replayed); with another body it raises IdempotencyConflict.
    """
    from .validation import validate_filing

    today = today or timezone.localdate()
    organization = token.organization
    digest = hashlib.sha256(body).hexdigest()
    previous = (
        ApiSubmission.objects.filter(
            organization=organization, idempotency_key=idempotency_key
        )
        .select_related("filing")
        .first()
    )
    if previous is not None:
        if previous.body_sha256 != digest:
            raise IdempotencyConflict
        return previous.filing, None, True
    checked = validate_filing(raw, organization=organization, today=today)
    if not checked.ok:
        return None, checked, False
    try:
        with transaction.atomic():
            filing = filing_draft_save(
                organization=organization, user=None, checked=checked
            )
            if submit:
                filing = filing_submit(filing=filing, user=None, today=today)
            ApiSubmission.objects.create(
                organization=organization,
                idempotency_key=idempotency_key,
                body_sha256=digest,
                filing=filing,
            )
            log(
                instance=filing,
                action="sunshine.filing.api_submit",
                user=None,
                data={"token": token.key_prefix, "idempotency_key": idempotency_key},
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer its filing.
        previous = ApiSubmission.objects.get(
            organization=organization, idempotency_key=idempotency_key
        )
        if previous.body_sha256 != digest:
            raise IdempotencyConflict from None
        return previous.filing, None, True
    return filing, checked, False

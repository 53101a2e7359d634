"""Writes of the regulator's review: raise flags, decide them, keep the public lists.

* ``flags_raise`` turns the current scores' reasons into suspected flags (one open
  flag per organization and kind; a decided flag is not raised again for the same
  evidence).
* ``flag_confirm`` / ``flag_dismiss`` / ``flag_request_info``: a regulator's decision,
  only within their jurisdiction, with a note; confirming a listing kind puts the
  organization on its public list with the legal basis and exit conditions.
* ``list_entry_remove``, ``appeal_submit`` / ``appeal_decide`` and ``lists_update``
  (the timed exits and the move from the abnormal to the serious list).
* Concerns from the public: ``concern_submit`` (the public form), then a regulator's
  ``concern_review_start`` / ``concern_close``, and what they may do with one:
  ``concern_watch_name`` (an unregistered name onto the watch list the
  ``NAME_IMPERSONATION`` screen reads) or ``concern_flag_raise`` (a suspected flag on
  the registered organization it names). The reporter is emailed on each change of
  status when they left an address.

Every decision is written to Wagtail's audit log (who, when, why) and the
organization's members are told by email (its followers too when a list entry opens
or ends, ``orgs.follows``); the organization is rescored on commit,
because list membership caps its grade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from orgs.access import user_may_review
from orgs.follows import list_followers_notify
from orgs.models import Membership, NameSource, Organization, UnregisteredName
from orgs.notifications import members_notify

from .lists import FLAG_OF_REASON, LIST_OF_FLAG, LIST_RULES, FlagKind, PublicList
from .models import (
    OPEN_FLAG_STATUSES,
    Appeal,
    AppealStatus,
    Concern,
    ConcernStatus,
    Flag,
    FlagStatus,
    ListEntry,
    Reason,
    Score,
)


class ReviewError(Exception):
    """The flag, entry or appeal is not in a state that allows what was asked."""


# Risk of a rule-raised flag: how strongly the rule alone points at the finding.
RULE_RISK = {
    FlagKind.ILLEGAL: 0.9,
    FlagKind.SERIOUS_DISHONEST: 0.8,
    FlagKind.ZOMBIE: 0.7,
    FlagKind.ABNORMAL_LIST: 0.5,
    FlagKind.ANOMALY: 0.3,
}


def flags_raise(*, today: dt.date | None = None, batch_size: int = 5000) -> int:
    """Suspected flags from the current scores' reasons; returns how many were new.

    An organization already carrying an open flag of a kind is not flagged again;
    one whose flag of that kind was decided is flagged again only for evidence
    newer than the decision (a later fiscal year).
    """
    today = today or timezone.localdate()
    wanted: dict[tuple[int, str], list[dict]] = {}
    reasons = (
        Reason.objects.filter(
            score__in=Score.objects.current(), code__in=list(FLAG_OF_REASON)
        )
        .values_list("score__organization_id", "code", "fiscal_year", "evidence")
        .iterator(chunk_size=batch_size)
    )
    for org_id, code, year, evidence in reasons:
        wanted.setdefault((org_id, FLAG_OF_REASON[code]), []).append(
            {"code": code, "fiscal_year": year, "evidence": evidence}
        )
    if not wanted:
        return 0
    open_or_decided: dict[tuple[int, str], dt.date | None] = {}
    for org_id, kind, status, decided in Flag.objects.filter(
        organization_id__in={org for org, _kind in wanted}
    ).values_list("organization_id", "kind", "status", "decided_at"):
        key = (org_id, kind)
        if status in OPEN_FLAG_STATUSES:
            open_or_decided[key] = None
        elif key not in open_or_decided or (
            open_or_decided[key] is not None
            and decided
            and decided.date() > open_or_decided[key]
        ):
            open_or_decided[key] = decided.date() if decided else None
    new = []
    for (org_id, kind), evidence in wanted.items():
        key = (org_id, kind)
        if key in open_or_decided:
            decided_on = open_or_decided[key]
            if decided_on is None:
                continue  # open already
            newest = max((e["fiscal_year"] or 0) for e in evidence)
            if newest <= decided_on.year - 1:
                continue  # nothing newer than the decision
        new.append(
            Flag(
                organization_id=org_id,
                kind=kind,
                risk=RULE_RISK[kind],
                evidence=evidence,
                source="rules: " + ", ".join(sorted({e["code"] for e in evidence})),
                raised_on=today,
            )
        )
    Flag.objects.bulk_create(new, batch_size=batch_size)
    return len(new)


def _locked_for_review(flag: Flag, *, user) -> Flag:
    """The flag's row, locked for a decision by a regulator of its jurisdiction."""
    flag = (
        Flag.objects.select_for_update().select_related("organization").get(pk=flag.pk)
    )
    if not user_may_review(user=user, organization=flag.organization):
        raise PermissionDenied
    return flag


def _decide(flag: Flag, *, user, status: str, note: str) -> Flag:
    if not note.strip():
        raise ReviewError(_("say why: a decision needs a note"))
    flag = _locked_for_review(flag, user=user)
    if flag.status not in OPEN_FLAG_STATUSES:
        raise ReviewError(
            _("this flag was already decided (%(status)s)")
            % {"status": flag.get_status_display()}
        )
    flag.status = status
    flag.decided_by = user
    flag.decided_at = timezone.now()
    flag.decision_note = note.strip()
    flag.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    log(
        instance=flag,
        action=f"sunshine.flag.{status}",
        user=user,
        data={"kind": flag.kind, "note": flag.decision_note},
    )
    return flag


@transaction.atomic
def flag_confirm(
    *, flag: Flag, user, note: str, today: dt.date | None = None
) -> ListEntry | None:
    """Confirm a flag; a listing kind puts the organization on its public list."""
    flag = _decide(flag, user=user, status=FlagStatus.CONFIRMED, note=note)
    listing = LIST_OF_FLAG[flag.kind]
    if listing is None:
        return None
    entry = _list_enter(
        organization=flag.organization,
        listing=listing,
        reason=note.strip(),
        on=today or timezone.localdate(),
        user=user,
        flag=flag,
    )
    return entry


@transaction.atomic
def flag_dismiss(*, flag: Flag, user, note: str) -> Flag:
    """Dismiss a flag, saying why (a label for the next model training)."""
    return _decide(flag, user=user, status=FlagStatus.DISMISSED, note=note)


@transaction.atomic
def flag_request_info(*, flag: Flag, user, note: str) -> Flag:
    """Ask the organization for information before deciding."""
    note = note.strip()
    if not note:
        raise ReviewError(_("say what information is needed"))
    flag = _locked_for_review(flag, user=user)
    if flag.status != FlagStatus.SUSPECTED:
        raise ReviewError(_("information can be requested only on a suspected flag"))
    flag.status = FlagStatus.INFO_REQUESTED
    flag.decision_note = note
    flag.save(update_fields=["status", "decision_note"])
    log(instance=flag, action="sunshine.flag.info_requested", user=user,
        data={"note": note})  # fmt: skip
    _notify(
        flag.organization_id,
        _("The registering authority asks %(name)s for information")
        % {"name": flag.organization.name},
        note,
    )
    return flag


def _list_enter(
    *, organization: Organization, listing: str, reason: str, on: dt.date, user, flag
) -> ListEntry:
    existing = ListEntry.objects.filter(
        organization=organization, list=listing, exited_on__isnull=True
    ).first()
    if existing is not None:
        return existing  # already listed: the new trigger is in the flag's record
    rule = LIST_RULES[listing]
    entry = ListEntry.objects.create(
        list=listing,
        organization=organization,
        entered_on=on,
        reason=reason,
        legal_basis=str(rule.legal_basis),
        exit_conditions=str(rule.exit_conditions),
        flag=flag,
        decided_by=user,
    )
    log(instance=entry, action="sunshine.list.enter", user=user,
        data={"list": listing, "reason": reason})  # fmt: skip
    list_followers_notify(entry=entry, entered=True)
    _notify(
        organization.pk,
        _("%(name)s was put on the %(list)s")
        % {"name": organization.name, "list": PublicList(listing).label},
        _(
            "Reason: %(reason)s\nLegal basis: %(basis)s\nHow to leave the list: "
            "%(exit)s\nYou may appeal from your account page."
        )
        % {"reason": reason, "basis": entry.legal_basis, "exit": entry.exit_conditions},
    )
    _after_list_change(organization.pk)
    return entry


@transaction.atomic
def list_entry_remove(
    *, entry: ListEntry, user, reason: str, on: dt.date | None = None
) -> ListEntry:
    """Take an organization off a list (e.g. rectified and verified)."""
    entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.organization_id and not user_may_review(
        user=user, organization=entry.organization
    ):
        raise PermissionDenied
    if not reason.strip():
        raise ReviewError(_("say why the entry is removed"))
    if entry.exited_on is not None:
        raise ReviewError(_("this entry has already ended"))
    _end(entry, on=on or timezone.localdate(), reason=reason.strip(), user=user)
    return entry


def _end(entry: ListEntry, *, on: dt.date, reason: str, user) -> None:
    entry.exited_on = on
    entry.exit_reason = reason
    entry.save(update_fields=["exited_on", "exit_reason"])
    log(instance=entry, action="sunshine.list.exit", user=user,
        data={"list": entry.list, "reason": reason})  # fmt: skip
    list_followers_notify(entry=entry, entered=False)
    if entry.organization_id:
        _notify(
            entry.organization_id,
            _("%(name)s left the %(list)s")
            % {"name": entry.organization.name, "list": entry.get_list_display()},
            reason,
        )
        _after_list_change(entry.organization_id)


@transaction.atomic
def appeal_submit(*, entry: ListEntry, user, grounds: str) -> Appeal:
    """An organization member objects to a list entry."""
    if not Membership.objects.filter(
        user=user, organization_id=entry.organization_id
    ).exists():
        raise PermissionDenied
    if not grounds.strip():
        raise ReviewError(_("say on what grounds you appeal"))
    if entry.exited_on is not None:
        raise ReviewError(_("this entry has already ended"))
    if entry.appeals.filter(status=AppealStatus.OPEN).exists():
        raise ReviewError(_("an appeal against this entry is already open"))
    appeal = Appeal.objects.create(
        list_entry=entry, submitted_by=user, grounds=grounds.strip()
    )
    log(instance=entry, action="sunshine.appeal.submit", user=user,
        data={"appeal": appeal.pk})  # fmt: skip
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, user, uphold: bool, note: str) -> Appeal:
    """A regulator decides an appeal: upheld removes the entry, rejected keeps it."""
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("list_entry__organization")
        .get(pk=appeal.pk)
    )
    entry = appeal.list_entry
    if not user_may_review(user=user, organization=entry.organization):
        raise PermissionDenied
    if appeal.status != AppealStatus.OPEN:
        raise ReviewError(_("this appeal was already decided"))
    if not note.strip():
        raise ReviewError(_("say why: a decision needs a note"))
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    appeal.decided_by = user
    appeal.decided_at = timezone.now()
    appeal.decision_note = note.strip()
    appeal.save()
    log(instance=entry, action="sunshine.appeal.decide", user=user,
        data={"appeal": appeal.pk, "status": appeal.status, "note": note})  # fmt: skip
    if uphold and entry.exited_on is None:
        _end(entry, on=timezone.localdate(), reason=_("appeal upheld: ") + note.strip(),
             user=user)  # fmt: skip
    return appeal


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 - months, 12)
    year += day.year
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # noqa: S101


@transaction.atomic
def lists_update(*, today: dt.date | None = None) -> dict[str, int]:
    """The timed rules of the lists, run daily: two years on the abnormal list moves
    an organization to the serious list; an abnormal entry whose flag was decided
    and that has nothing outstanding (no open flag of a listing kind, no current
    reason that lists) leaves automatically after the set months."""
    today = today or timezone.localdate()
    counts = {"escalated": 0, "expired": 0}
    abnormal = PublicList.ABNORMAL
    rule = LIST_RULES[abnormal]
    escalate_before = _months_before(today, rule.escalate_after_months)
    for entry in ListEntry.objects.filter(
        list=abnormal, exited_on__isnull=True, entered_on__lte=escalate_before
    ).select_related("organization"):
        _end(entry, on=today, reason=str(_("moved to the serious list after 2 years")),
             user=None)  # fmt: skip
        _list_enter(
            organization=entry.organization,
            listing=PublicList.SERIOUS,
            reason=str(_("two years on the abnormal-activity list")),
            on=today,
            user=None,
            flag=entry.flag,
        )
        counts["escalated"] += 1
    expire_before = _months_before(today, rule.automatic_exit_months)
    outstanding = set(
        Reason.objects.filter(
            score__in=Score.objects.current(),
            code__in=[c for c, k in FLAG_OF_REASON.items()
                      if LIST_OF_FLAG[k] == abnormal],
        ).values_list("score__organization_id", flat=True)
    )  # fmt: skip
    for entry in ListEntry.objects.filter(
        list=abnormal, exited_on__isnull=True, entered_on__lte=expire_before
    ).select_related("organization"):
        if entry.organization_id in outstanding:
            continue
        _end(entry, on=today, reason=str(_("automatic exit: nothing outstanding")),
             user=None)  # fmt: skip
        counts["expired"] += 1
    return counts


def list_memberships(
    *, on: dt.date | None = None, organization_ids: Iterable[int] | None = None
) -> dict[int, set[str]]:
    """Organization pk → the lists it is on: what scoring's list overrides read."""
    entries = ListEntry.objects.listed(on).filter(organization__isnull=False)
    if organization_ids is not None:
        entries = entries.filter(organization_id__in=list(organization_ids))
    memberships: dict[int, set[str]] = {}
    for org_id, listing in entries.values_list("organization_id", "list"):
        memberships.setdefault(org_id, set()).add(listing)
    return memberships


def _notify(organization_id: int, subject: str, body: str) -> None:
    members_notify(organization_id=organization_id, subject=subject, body=body)


def _after_list_change(organization_id: int) -> None:
    from search.services import outbox_record

    from .services import organization_rescore_on_commit

    outbox_record(organization_ids=[organization_id])
    organization_rescore_on_commit(organization_id=organization_id)


# Learned signals only prioritise review: a zombie probability at or above this, or
# any anomaly a detector reports, becomes a suspected flag for the regulator. They
# never change a grade and are never public unless a regulator confirms the flag.
ZOMBIE_SIGNAL_THRESHOLD = 0.5


def flags_raise_from_signals(
    *, today: dt.date | None = None, zombie_threshold: float = ZOMBIE_SIGNAL_THRESHOLD
) -> int:
    """Suspected ``zombie`` and ``anomaly`` flags from the latest learned signals, with
    their contributing factors in words as evidence; returns how many were new.
    Organizations with an open flag of the kind are left as they are."""
    from django.db.models import Q

    from .models import RiskKind, RiskSignal

    today = today or timezone.localdate()
    signals = RiskSignal.objects.filter(
        Q(kind=RiskKind.ZOMBIE, score__gte=zombie_threshold) | Q(kind=RiskKind.ANOMALY)
    ).values_list("organization_id", "kind", "detector", "score", "model_version",
                  "factors")  # fmt: skip
    best: dict[tuple[int, str], tuple] = {}
    for org_id, kind, detector, score, version, factors in signals.iterator(
        chunk_size=5000
    ):
        flag_kind = FlagKind.ZOMBIE if kind == RiskKind.ZOMBIE else FlagKind.ANOMALY
        key = (org_id, flag_kind)
        if key not in best or score > best[key][0]:
            best[key] = (score, detector, version, factors)
    if not best:
        return 0
    open_flags = set(
        Flag.objects.filter(
            status__in=OPEN_FLAG_STATUSES,
            organization_id__in={org for org, _kind in best},
        ).values_list("organization_id", "kind")
    )
    new = [
        Flag(
            organization_id=org_id,
            kind=kind,
            risk=min(max(float(score), 0.0), 1.0),
            evidence=[
                {
                    "code": f"model:{detector}",
                    "fiscal_year": None,
                    "evidence": {"factors": factors},
                }
            ],
            source=f"model {version} ({detector})"[:100],
            raised_on=today,
        )  # fmt: skip
        for (org_id, kind), (score, detector, version, factors) in best.items()
        if (org_id, kind) not in open_flags
    ]
    Flag.objects.bulk_create(new, batch_size=5000)
    return len(new)


# Concerns from the public ---------------------------------------------------------


def submitter_hash(address: str) -> str:
    """A keyed hash (HMAC-SHA256 under ``SECRET_KEY``) of a submitter's address.

    Keyed, because a plain hash of an IPv4 address is undone by hashing all 2³² of
    them; the hash still tells the same address again, for rate limits and floods.
    """
    import hashlib
    import hmac

    if not address:
        return ""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"concern:{address}".encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def concern_submit(
    *,
    reported_name: str,
    seen_where: str,
    what_happened: str,
    seen_detail: str = "",
    seen_url: str = "",
    contact_email: str = "",
    region: str = "",
    organization: Organization | None = None,
    submitter_address: str = "",
) -> Concern:
    """Record a concern from the public (status ``received``); the reporter gets its
    reference by email when they left an address.

    Raises ``django.core.exceptions.ValidationError`` naming each bad field; nothing
    is written then. Only a keyed hash of ``submitter_address`` is stored. Without a
    region of its own, a concern about a registered organization takes the
    organization's, so the queue can show and filter it the same way.
    """
    concern = Concern(
        organization=organization,
        reported_name=reported_name.strip(),
        seen_where=seen_where,
        seen_detail=seen_detail.strip(),
        seen_url=seen_url.strip(),
        what_happened=what_happened.strip(),
        contact_email=contact_email.strip(),
        region=region.strip() or (organization.region if organization else ""),
        language=translation.get_language() or "",
        submitter_hash=submitter_hash(submitter_address),
    )
    concern.full_clean()
    concern.save()
    _concern_notify(
        concern,
        subject=lambda: (
            _("We received your report %(reference)s")
            % {"reference": concern.reference}
        ),
        body=lambda: (
            _(
                "Thank you. The registering authority will look at your report about "
                "%(name)s.\nFollow its status at %(link)s"
            )
            % {"name": concern.reported_name, "link": _concern_link(concern)}
        ),
    )
    return concern


def _locked_concern(concern: Concern, *, user) -> Concern:
    """The concern's row, locked for a regulator who may handle it (see
    ``credit.selectors.concerns_reviewable_by``)."""
    from .selectors import concerns_reviewable_by

    locked = (
        concerns_reviewable_by(user=user)
        .select_for_update(of=("self",))
        .filter(pk=concern.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    return locked


@transaction.atomic
def concern_review_start(*, concern: Concern, user) -> Concern:
    """A regulator takes up a received concern: under review, and handled by them."""
    concern = _locked_concern(concern, user=user)
    if concern.status != ConcernStatus.RECEIVED:
        raise ReviewError(
            _("this concern is already %(status)s")
            % {"status": concern.get_status_display().lower()}
        )
    concern.status = ConcernStatus.UNDER_REVIEW
    concern.handled_by = user
    concern.review_started_at = timezone.now()
    concern.save(update_fields=["status", "handled_by", "review_started_at"])
    log(instance=concern, action="sunshine.concern.review", user=user,
        data={"reference": concern.reference})  # fmt: skip
    _concern_notify(
        concern,
        subject=lambda: (
            _("Your report %(reference)s is under review")
            % {"reference": concern.reference}
        ),
        body=lambda: (
            _(
                "The registering authority is now looking at your report about "
                "%(name)s.\nFollow its status at %(link)s"
            )
            % {"name": concern.reported_name, "link": _concern_link(concern)}
        ),
    )
    return concern


@transaction.atomic
def concern_close(
    *, concern: Concern, user, outcome: str, internal_note: str = ""
) -> Concern:
    """Close a concern with the outcome the reporter and the public may read, and a
    note kept for regulators. A received concern may be closed directly (e.g. a
    duplicate); it is then recorded as handled by the one who closed it."""
    outcome, internal_note = outcome.strip(), internal_note.strip()
    if not outcome:
        raise ReviewError(_("say what came of it: closing needs a published outcome"))
    concern = _locked_concern(concern, user=user)
    if concern.status == ConcernStatus.CLOSED:
        raise ReviewError(_("this concern is already closed"))
    now = timezone.now()
    concern.status = ConcernStatus.CLOSED
    concern.outcome = outcome
    concern.internal_note = internal_note
    concern.handled_by = user
    concern.review_started_at = concern.review_started_at or now
    concern.closed_at = now
    concern.save(
        update_fields=["status", "outcome", "internal_note", "handled_by",
                       "review_started_at", "closed_at"]
    )  # fmt: skip
    log(instance=concern, action="sunshine.concern.close", user=user,
        data={"reference": concern.reference, "outcome": outcome,
              "note": internal_note})  # fmt: skip
    _concern_notify(
        concern,
        subject=lambda: (
            _("Your report %(reference)s is closed") % {"reference": concern.reference}
        ),
        body=lambda: (
            _(
                "The registering authority has closed your report about %(name)s.\n\n"
                "Outcome: %(outcome)s\n\nDetails: %(link)s"
            )
            % {
                "name": concern.reported_name,
                "outcome": outcome,
                "link": _concern_link(concern),
            }
        ),  # fmt: skip
    )
    return concern


@transaction.atomic
def concern_watch_name(*, concern: Concern, user) -> UnregisteredName:
    """Put the name a concern reports onto the unregistered-names watch list (source
    ``public_report``, the concern's reference), where the next registry run's
    ``NAME_IMPERSONATION`` screen (``credit.engine.screen_unregistered_names``)
    compares it with the register. Only for a concern that names no registered
    organization; asking twice returns the same entry."""
    concern = _locked_concern(concern, user=user)
    if concern.organization_id is not None:
        raise ReviewError(
            _("this concern names a registered organization: raise a flag instead")
        )
    name, _created = UnregisteredName.objects.get_or_create(
        name=concern.reported_name,
        source=NameSource.PUBLIC_REPORT,
        reference=concern.reference,
        defaults={
            "seen_where": _seen_where_text(concern)[:500],
            "seen_on": timezone.localdate(concern.created_at),
            "region": concern.region,
        },
    )
    if concern.unregistered_name_id != name.pk:
        concern.unregistered_name = name
        concern.save(update_fields=["unregistered_name"])
        log(instance=concern, action="sunshine.concern.watch", user=user,
            data={"reference": concern.reference, "name": name.name})  # fmt: skip
    return name


CONCERN_FLAG_KINDS = (FlagKind.ILLEGAL, FlagKind.SERIOUS_DISHONEST, FlagKind.ANOMALY)


@transaction.atomic
def concern_flag_raise(
    *, concern: Concern, user, kind: str, today: dt.date | None = None
) -> Flag:
    """A suspected flag of ``kind`` on the registered organization a concern names,
    with the concern as evidence, for the ordinary flag review (confirm, dismiss,
    request information). An open flag of that kind is not raised twice (one per
    organization and kind): the concern is added to its evidence instead."""
    if kind not in CONCERN_FLAG_KINDS:
        raise ReviewError(_("choose what kind of flag to raise"))
    concern = _locked_concern(concern, user=user)
    if concern.organization_id is None:
        raise ReviewError(
            _("this concern names no registered organization: put the name on the "
              "watch list instead")
        )  # fmt: skip
    evidence = {
        "code": "PUBLIC_REPORT",
        "fiscal_year": None,
        "evidence": {"concern": concern.reference},
    }
    flag = (
        Flag.objects.select_for_update()
        .filter(organization_id=concern.organization_id, kind=kind,
                status__in=OPEN_FLAG_STATUSES)
        .first()
    )  # fmt: skip
    if flag is None:
        flag = Flag.objects.create(
            organization_id=concern.organization_id,
            kind=kind,
            risk=RULE_RISK[kind],
            evidence=[evidence],
            source=f"public report {concern.reference}",
            raised_on=today or timezone.localdate(),
        )
    elif evidence not in flag.evidence:
        flag.evidence = [*flag.evidence, evidence]
        flag.save(update_fields=["evidence"])
    concern.flag = flag
    concern.save(update_fields=["flag"])
    log(instance=concern, action="sunshine.concern.flag", user=user,
        data={"reference": concern.reference, "flag": flag.pk})  # fmt: skip
    return flag


def _seen_where_text(concern: Concern) -> str:
    parts = [str(concern.get_seen_where_display()), concern.seen_detail,
             concern.seen_url]  # fmt: skip
    return "; ".join(part for part in parts if part)


def _concern_link(concern: Concern) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "concern-status", kwargs={"reference": concern.reference}
    )


def _concern_notify(concern: Concern, *, subject, body) -> None:
    """Email the reporter, in the language they reported in, once the change
    commits. ``subject`` and ``body`` are called under that language."""
    if not concern.contact_email:
        return
    with translation.override(concern.language or settings.LANGUAGE_CODE):
        subject_text, body_text = str(subject()), str(body())
    recipient = concern.contact_email
    transaction.on_commit(lambda: send_mail(subject_text, body_text, None, [recipient]))

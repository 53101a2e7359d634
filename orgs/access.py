"""Who may see and act on what: the one place the portal's object permissions live.

Views, the API and the Wagtail admin all ask here; anything a user may not see is
answered with 404 by the caller, so codes cannot be probed.

* Organization members (``Membership``) reach their own organizations' drafts,
  filings and documents. Preparers draft; approvers also submit and amend.
* Regulators (``Regulator``) reach organizations registered in their jurisdiction:
  same registry, same registration level, region within theirs.
* Superusers reach everything. Plain staff without a regulator post reach nothing
  here beyond what the public sees.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import (
    Filing,
    MemberRole,
    Membership,
    Organization,
    RegistrationLevel,
    Regulator,
)
from .selectors import region_prefix


def jurisdiction_filter(regulator: Regulator) -> Q:
    """Organizations a regulator's jurisdiction covers, as a filter."""
    q = Q(
        registry=regulator.registry,
        registration_level=regulator.registration_level,
    )
    if regulator.registration_level != RegistrationLevel.NATIONAL:
        q &= Q(region__startswith=region_prefix(regulator.region))
    return q


def is_regulator(user) -> bool:
    """An active signed-in user with a regulator post (superusers are not asked)."""
    return user.is_active and _regulator(user) is not None


def may_use_review_pages(user) -> bool:
    """Regulators and superusers reach the review pages; everyone else gets 404."""
    return user.is_authenticated and (user.is_superuser or is_regulator(user))


def _regulator(user) -> Regulator | None:
    if not user.is_authenticated:
        return None
    try:
        return user.regulator
    except Regulator.DoesNotExist:
        return None


def organizations_reviewable_by(*, user) -> QuerySet[Organization]:
    if user.is_authenticated and user.is_superuser:
        return Organization.objects.all()
    regulator = _regulator(user)
    if regulator is None:
        return Organization.objects.none()
    return Organization.objects.filter(jurisdiction_filter(regulator))


def filings_reviewable_by(*, user) -> QuerySet[Filing]:
    if user.is_authenticated and user.is_superuser:
        return Filing.objects.all()
    regulator = _regulator(user)
    if regulator is None:
        return Filing.objects.none()
    return Filing.objects.filter(
        organization__in=Organization.objects.filter(jurisdiction_filter(regulator))
    )


def user_may_review(*, user, organization: Organization) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    regulator = _regulator(user)
    return regulator is not None and (
        Organization.objects.filter(pk=organization.pk)
        .filter(jurisdiction_filter(regulator))
        .exists()
    )


def memberships_of(*, user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organization")


def organizations_filed_by(*, user, role: str | None = None) -> QuerySet[Organization]:
    """The organizations a user is a member of (with at least ``role``)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    memberships = Membership.objects.filter(user=user)
    if role == MemberRole.APPROVER:
        memberships = memberships.filter(role=MemberRole.APPROVER)
    return Organization.objects.filter(pk__in=memberships.values("organization"))


def filings_visible_to(*, user) -> QuerySet[Filing]:
    """Every filing a signed-in user may open, drafts included: their own
    organizations' filings and those in their jurisdiction."""
    if not user.is_authenticated:
        return Filing.objects.none()
    if user.is_superuser:
        return Filing.objects.all()
    q = Q(organization__in=organizations_filed_by(user=user))
    regulator = _regulator(user)
    if regulator is not None:
        q |= Q(
            organization__in=Organization.objects.filter(jurisdiction_filter(regulator))
        )
    return Filing.objects.filter(q)


def user_may_submit(*, user, organization: Organization) -> bool:
    return (
        organizations_filed_by(user=user, role=MemberRole.APPROVER)
        .filter(pk=organization.pk)
        .exists()
    )


def user_may_prepare(*, user, organization: Organization) -> bool:
    return organizations_filed_by(user=user).filter(pk=organization.pk).exists()

"""The cast of the filing tests: two organizations, their members, two regulators
and a superuser."""

from __future__ import annotations

from dataclasses import dataclass

from orgs.models import MemberRole, Membership, Organization, Regulator
from portal.models import User
from tests.factories import OrganizationFactory

PASSWORD = "correct horse battery staple 42"  # noqa: S105 (test accounts)

GOOD_FILING = {
    "fiscal_year": "2024",
    "currency": "CNY",
    "income_donations": "800000",
    "income_government_grants": "100000",
    "income_total": "900000",
    "expenses_programs": "700000",
    "expenses_management": "80000",
    "expenses_total": "780000",
    "total_assets": "1500000",
    "total_liabilities": "200000",
    "net_assets": "1300000",
}


@dataclass
class Cast:
    org_a: Organization
    org_b: Organization
    preparer_a: User
    approver_a: User
    approver_b: User
    regulator_a: User
    regulator_elsewhere: User
    superuser: User


def _user(name: str, **extra) -> User:
    return User.objects.create_user(
        username=name, email=f"{name}@example.org", password=PASSWORD, **extra
    )


def make_cast() -> Cast:
    org_a = OrganizationFactory(region="440305", registration_level="municipal")
    org_b = OrganizationFactory(region="110105", registration_level="municipal")
    cast = Cast(
        org_a=org_a,
        org_b=org_b,
        preparer_a=_user("preparer_a"),
        approver_a=_user("approver_a"),
        approver_b=_user("approver_b"),
        regulator_a=_user("regulator_a"),
        regulator_elsewhere=_user("regulator_elsewhere"),
        superuser=_user("root", is_superuser=True, is_staff=True),
    )
    Membership.objects.create(
        user=cast.preparer_a, organization=org_a, role=MemberRole.PREPARER
    )
    Membership.objects.create(
        user=cast.approver_a, organization=org_a, role=MemberRole.APPROVER
    )
    Membership.objects.create(
        user=cast.approver_b, organization=org_b, role=MemberRole.APPROVER
    )
    for user, region in (
        (cast.regulator_a, "440300"),
        (cast.regulator_elsewhere, "310000"),
    ):
        Regulator.objects.create(
            user=user, region=region, registration_level="municipal"
        )
    from django.contrib.auth.models import Permission

    admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for user in (cast.regulator_a, cast.regulator_elsewhere):
        user.user_permissions.add(admin)
    return cast

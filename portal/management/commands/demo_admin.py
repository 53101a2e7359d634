"""Create (or keep) the demo's accounts and print how to sign in.

The demo runs on loopback only; its password is generated once, stored under var/
(which git ignores) and printed each time so a newcomer can sign in: the staff
account (/admin/), a regulator of the busiest municipal jurisdiction (reviews in
/admin/), and an approver and a preparer of one active organization there
(/account/). All share the one generated password.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the demo admin account if missing and print its login."

    def handle(self, *args, **options):
        password_file = settings.BASE_DIR / "var" / "demo-admin-password.txt"
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if not user.check_password(password):
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo admin: http://127.0.0.1:8000/admin/  user {USERNAME}  password {password}"
            )
        )
        for line in demo_accounts(password):
            self.stdout.write(self.style.SUCCESS(line))


def demo_accounts(password: str) -> list[str]:
    """A regulator and two members of one organization in the regulator's region."""
    from django.contrib.auth.models import Permission
    from django.db.models import Count

    from orgs.models import (
        MemberRole,
        Membership,
        Organization,
        Registry,
        Regulator,
        Status,
    )

    organizations = Organization.objects.filter(
        registry=Registry.CN_MCA, status=Status.ACTIVE, registration_level="municipal"
    )
    busiest = (
        organizations.values("region").annotate(n=Count("id")).order_by("-n").first()
    )
    if busiest is None:
        return []
    organization = organizations.filter(region=busiest["region"]).order_by("pk").first()
    users = get_user_model().objects
    lines = []
    regulator, _ = users.get_or_create(username="regulator")
    Regulator.objects.get_or_create(
        user=regulator,
        defaults={"region": busiest["region"], "registration_level": "municipal"},
    )
    regulator.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    lines.append(
        f"Demo regulator ({busiest['region']}): http://127.0.0.1:8000/admin/  "
        f"user regulator  password {password}"
    )
    for username, role in (
        ("approver", MemberRole.APPROVER),
        ("preparer", MemberRole.PREPARER),
    ):
        user, _ = users.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
        lines.append(
            f"Demo {role} of {organization.name}: http://127.0.0.1:8000/account/  "
            f"user {username}  password {password}"
        )
    for username in ("regulator", "approver", "preparer"):
        user = users.get(username=username)
        if not user.check_password(password):
            user.set_password(password)
            user.save()
    return lines

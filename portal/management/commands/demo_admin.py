"""Create (or keep) the demo's staff account and print how to sign in.

The demo runs on loopback only; its password is generated once, stored under var/
(which git ignores) and printed each time so a newcomer can sign in to /admin/.
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

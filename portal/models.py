"""The portal's own models: the user account, defined from the first migration."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who signs in: staff, regulators, organization members, the public."""

    class Meta:
        db_table = "portal_user"

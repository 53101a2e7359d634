from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Registry")

    def ready(self):
        # The filing lifecycle follows Wagtail's workflow signals.
        from .submissions import services  # noqa: F401

"""What the search app keeps in the database.

``OutboxEntry``: an organization whose search document must be refreshed, written in the
same transaction as the change (``services.outbox_record``) and drained by
``search_sync``. No foreign key: a deleted organization's entry must outlive it, so its
document is removed too.

``SearchEntry``: the embedded backend's index, one row of normalised text per
organization. On SQLite an FTS5 trigram table mirrors it (kept by triggers); on
PostgreSQL a pg_trgm GIN index covers ``document`` (both made by migration 0002).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    organization_id = models.BigIntegerField(_("organization id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("search outbox entry")
        verbose_name_plural = _("search outbox entries")
        indexes = [
            models.Index(fields=["organization_id", "id"], name="outbox_org_idx")
        ]

    def __str__(self) -> str:
        return f"organization {self.organization_id} (#{self.id})"


class SearchEntry(models.Model):
    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_entry",
    )
    name = models.CharField(_("normalised name"), max_length=255)
    names = models.TextField(
        _("normalised names"),
        help_text=_(
            "current, English and former names, one a line, framed by newlines"
        ),
    )
    codes = models.TextField(_("normalised identifiers"))
    purpose = models.TextField(_("normalised purpose and causes"), blank=True)
    document = models.TextField(_("everything searchable"))
    grade = models.CharField(_("grade"), max_length=9, blank=True)
    income_band = models.CharField(_("income band"), max_length=24, blank=True)
    lists = models.CharField(
        _("lists"),
        max_length=100,
        blank=True,
        help_text=_("the public lists it is on: slugs framed by spaces"),
    )
    latest_income = models.DecimalField(
        _("latest income"), max_digits=18, decimal_places=2, null=True
    )

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return self.name

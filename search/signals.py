"""Edits that do not go through a service (Wagtail snippets, the Django admin) still
reach the outbox: saving or deleting an organization or a former name records it.
Bulk writers (orgs.exchange, orgs.demo) call ``search.services.outbox_record`` instead.
The receivers only write an outbox row in the same transaction; they never call the
search engine.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orgs.models import FormerName, Organization

from .services import outbox_record


@receiver(post_save, sender=Organization, dispatch_uid="search_org_saved")
@receiver(post_delete, sender=Organization, dispatch_uid="search_org_deleted")
def organization_changed(sender, instance: Organization, **kwargs) -> None:
    outbox_record(organization_ids=[instance.pk])


@receiver(post_save, sender=FormerName, dispatch_uid="search_former_saved")
@receiver(post_delete, sender=FormerName, dispatch_uid="search_former_deleted")
def former_name_changed(sender, instance: FormerName, **kwargs) -> None:
    outbox_record(organization_ids=[instance.organization_id])

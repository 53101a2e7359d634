"""Edits that do not go through a service (Wagtail snippets, the Django admin) still
reach the outbox: saving or deleting an organization, a former name, a filing (latest
income, its band) or a regulatory event (list membership) records the organization.
Bulk writers (orgs.exchange, orgs.demo) call ``search.services.outbox_record`` instead.
The receivers only write an outbox row in the same transaction; they never call the
search engine.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orgs.models import Filing, FormerName, Organization, RegulatoryEvent

from .services import outbox_record


@receiver(post_save, sender=Organization, dispatch_uid="search_org_saved")
@receiver(post_delete, sender=Organization, dispatch_uid="search_org_deleted")
def organization_changed(sender, instance: Organization, **kwargs) -> None:
    outbox_record(organization_ids=[instance.pk])


@receiver(post_save, sender=FormerName, dispatch_uid="search_former_saved")
@receiver(post_delete, sender=FormerName, dispatch_uid="search_former_deleted")
@receiver(post_save, sender=Filing, dispatch_uid="search_filing_saved")
@receiver(post_delete, sender=Filing, dispatch_uid="search_filing_deleted")
@receiver(post_save, sender=RegulatoryEvent, dispatch_uid="search_event_saved")
@receiver(post_delete, sender=RegulatoryEvent, dispatch_uid="search_event_deleted")
def organization_part_changed(
    sender, instance: FormerName | Filing | RegulatoryEvent, **kwargs
) -> None:
    outbox_record(organization_ids=[instance.organization_id])

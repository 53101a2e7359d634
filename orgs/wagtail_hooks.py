"""Staff edit registry records as Wagtail snippets (they are not pages)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Filing, Organization, RegulatoryEvent, UnregisteredName


class OrganizationViewSet(SnippetViewSet):
    model = Organization
    icon = "group"
    list_display = ["name", "org_id", "org_type", "region", "status"]
    list_filter = ["registry", "org_type", "status"]
    search_fields = ["name", "org_id"]
    search_backend_name = (
        None  # plain ORM lookups: the registry is too big for the generic index
    )
    menu_order = 200


class FilingViewSet(SnippetViewSet):
    model = Filing
    icon = "doc-full"
    list_display = ["organization", "fiscal_year", "version", "form", "submitted_on"]
    list_filter = ["form", "fiscal_year"]


class RegulatoryEventViewSet(SnippetViewSet):
    model = RegulatoryEvent
    icon = "warning"
    list_display = ["organization", "date", "kind", "authority"]
    list_filter = ["kind"]


class UnregisteredNameViewSet(SnippetViewSet):
    model = UnregisteredName
    icon = "help"
    list_display = ["name", "source", "seen_on", "region"]
    list_filter = ["source"]


for viewset in (
    OrganizationViewSet,
    FilingViewSet,
    RegulatoryEventViewSet,
    UnregisteredNameViewSet,
):
    register_snippet(viewset)

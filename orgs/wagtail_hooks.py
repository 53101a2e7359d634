"""Staff edit registry records as Wagtail snippets (they are not pages); regulators
review filings here through the workflow."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .access import filings_reviewable_by, is_regulator, user_may_review
from .models import (
    ApiKey,
    Filing,
    ImportRun,
    Organization,
    RegulatoryEvent,
    UnregisteredName,
)


class FilingPermissionPolicy(ModelPermissionPolicy):
    """Filings are never deleted: a wrong one is returned, a changed one amended.
    Publishing is the end of the regulator's review: a regulator may publish, and
    the review task lets them act only within their jurisdiction."""

    REGULATOR_ACTIONS = ("view", "publish")

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        if action in self.REGULATOR_ACTIONS and is_regulator(user):
            return True
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if is_regulator(user) and not user.is_superuser:
            return self.user_has_permission(user, action) and user_may_review(
                user=user, organization=instance.organization
            )
        return self.user_has_permission(user, action)


class AllowedActionsPolicy(ModelPermissionPolicy):
    """Django's model permissions, limited to ``actions``: what the admin may never
    do to a model (even a superuser) is simply not in the list."""

    def __init__(self, model, *, actions: tuple[str, ...]):
        super().__init__(model)
        self.actions = actions

    def user_has_permission(self, user, action):
        return action in self.actions and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


class ApiKeyViewSet(SnippetViewSet):
    """Free API keys: staff see who holds which (by prefix; the key itself is never
    stored) and revoke one that is abused by setting its revocation time."""

    model = ApiKey
    icon = "key"
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    search_fields = ["name", "key_prefix"]
    search_backend_name = None
    panels = [
        FieldPanel("name", read_only=True),
        FieldPanel("user", read_only=True),
        FieldPanel("key_prefix", read_only=True),
        FieldPanel("last_used_at", read_only=True),
        FieldPanel("revoked_at", heading=_("Revoked at (set to revoke the key)")),
    ]
    menu_order = 220


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
    list_display = [
        "organization",
        "fiscal_year",
        "version",
        "review_state",
        "submitted_on",
    ]
    list_filter = ["review_state", "form", "fiscal_year"]
    search_backend_name = None
    # The admin is where filings are reviewed, not written: an organization changes
    # its filing through the portal (returned → fixed → resubmitted) and importers
    # write published registers. Every field shows read-only here.
    panels = [
        FieldPanel(name, read_only=True)
        for name in (
            "organization", "fiscal_year", "version", "superseded", "review_state",
            "form", "period_start", "period_end", "due_on", "submitted_on", "currency",
            "income_donations", "income_government_grants", "income_services",
            "income_investment", "income_other", "expenses_programs",
            "expenses_management", "expenses_fundraising", "expenses_other",
            "total_assets", "total_liabilities", "net_assets", "employees",
            "volunteers", "audit_opinion", "attachment", "source",
        )
    ]  # fmt: skip

    def get_queryset(self, request):
        # Regulators list only their jurisdiction's filings; superusers all.
        return filings_reviewable_by(user=request.user).select_related("organization")


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


class ImportRunViewSet(SnippetViewSet):
    """Which files were imported, when, with what checksum and what they changed:
    the provenance every imported record points at (``orgs/provenance.py``)."""

    model = ImportRun
    icon = "download"
    list_display = ["file_name", "source", "started_at", "outcome", "sha256"]
    list_filter = ["source", "outcome"]
    search_fields = ["file_name", "sha256"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = [
        "source", "file_name", "sha256", "started_at", "finished_at", "outcome",
        "counts",
    ]  # fmt: skip
    menu_order = 210


register_permission_policy(Filing, FilingPermissionPolicy(Filing))
# Import runs are written only by the import commands: staff look, nobody changes
# them. API keys are made only by their owners and never deleted; staff may revoke
# one (the edit form sets only the time of revocation).
register_permission_policy(
    ImportRun, AllowedActionsPolicy(ImportRun, actions=("view",))
)
register_permission_policy(
    ApiKey, AllowedActionsPolicy(ApiKey, actions=("view", "change"))
)

for viewset in (
    ApiKeyViewSet,
    ImportRunViewSet,
    OrganizationViewSet,
    FilingViewSet,
    RegulatoryEventViewSet,
    UnregisteredNameViewSet,
):
    register_snippet(viewset)


@hooks.register("register_log_actions")
def register_filing_actions(actions):
    actions.register_action(
        "sunshine.filing.review_start", _("Start review"), _("Review started")
    )
    actions.register_action(
        "sunshine.filing.api_submit", _("Submit by API"), _("Submitted by API")
    )
    actions.register_action(
        "sunshine.token.create", _("Create filing token"), _("Filing token created")
    )
    actions.register_action(
        "sunshine.token.revoke", _("Revoke filing token"), _("Filing token revoked")
    )

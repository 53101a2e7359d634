"""The registry: organizations, their annual filings, regulatory events and the
unregistered names seen in the wild.

These are ordinary models, not Wagtail pages: a national registry holds close to a
million organizations. Staff edit them as Wagtail snippets (``orgs/wagtail_hooks.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    Task,
    TaskState,
    WorkflowMixin,
)

from .identifiers import identifier_problem


class Registry(models.TextChoices):
    CN_MCA = "CN-MCA", _("China: Ministry of Civil Affairs")
    US_IRS = "US-IRS", _("United States: Internal Revenue Service")
    GB_CCNI = "GB-CCNI", _("Northern Ireland: Charity Commission")
    GB_CCEW = "GB-CCEW", _("England and Wales: Charity Commission")
    GB_OSCR = "GB-OSCR", _("Scotland: Scottish Charity Regulator")
    GB_COH = "GB-COH", _("United Kingdom: Companies House")


class OrgType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("Social group (社会团体)")
    FOUNDATION = "foundation", _("Foundation (基金会)")
    SOCIAL_SERVICE_AGENCY = (
        "social_service_agency",
        _("Social service agency (社会服务机构)"),
    )
    PUBLIC_CHARITY = "public_charity", _("Public charity")
    PRIVATE_FOUNDATION = "private_foundation", _("Private foundation")
    CHARITY = "charity", _("Registered charity")
    OTHER = "other", _("Other")


class RegistrationLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    COUNTY = "county", _("County")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEREGISTERED = "deregistered", _("Deregistered (注销)")
    REVOKED = "revoked", _("Revoked (吊销)")
    CANCELLED = "cancelled", _("Registration cancelled (撤销)")
    REMOVED = "removed", _("Removed from the register")
    SUSPENDED = "suspended", _("Suspended")


class ImportSource(models.TextChoices):
    REGISTRY_FILE = "registry_file", _("Registry exchange file (JSON Lines)")
    CCNI = "ccni", _("Charity Commission for Northern Ireland register extract")
    IRS_BMF = "irs_bmf", _("IRS Exempt Organizations Business Master File")
    IRS_990 = "irs990", _("IRS Form 990 e-file XML")
    GIVING360 = "360giving", _("360Giving grants file")


class ImportOutcome(models.TextChoices):
    APPLIED = "applied", _("Changes applied")
    UNCHANGED = "unchanged", _("Nothing changed")


class ImportRun(models.Model):
    """One import of one file: what it was, its checksum, when, and what it changed.

    Organizations point at the last run that created or changed them
    (``Organization.last_import``), so every record can say which file it came from.
    A run that was rolled back (a dry run, a rejected file) leaves no row.
    """

    source = models.CharField(_("source"), max_length=16, choices=ImportSource.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ImportOutcome.choices, blank=True
    )
    counts = models.JSONField(
        _("counts"),
        default=dict,
        blank=True,
        help_text=_("created / updated / unchanged per kind of record, and warnings"),
    )

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.file_name} ({self.started_at:%Y-%m-%d})"


class OrganizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Status.ACTIVE)

    def in_registry(self, registry: str):
        return self.filter(registry=registry)


class Organization(models.Model):
    registry = models.CharField(_("registry"), max_length=16, choices=Registry.choices)
    identifier = models.CharField(_("native identifier"), max_length=32)
    org_id = models.CharField(_("org-id"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=255, db_index=True)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    org_type = models.CharField(_("type"), max_length=32, choices=OrgType.choices)
    charity = models.BooleanField(_("recognized charity"), default=False)
    public_fundraising = models.BooleanField(
        _("public-fundraising qualification"), default=False
    )
    registration_level = models.CharField(
        _("registration level"),
        max_length=16,
        choices=RegistrationLevel.choices,
        blank=True,
    )
    registering_authority = models.CharField(
        _("registering authority"), max_length=255, blank=True
    )
    region = models.CharField(
        _("region"),
        max_length=16,
        blank=True,
        db_index=True,  # on PostgreSQL also a pattern index, for the prefix filter
        help_text=_("GB/T 2260 code in China; state or country elsewhere"),
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    legal_representative = models.CharField(
        _("legal representative"), max_length=128, blank=True
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    purpose = models.TextField(_("purpose / business scope"), blank=True)
    causes = models.JSONField(_("causes"), default=list, blank=True)
    last_import = models.ForeignKey(
        ImportRun,
        verbose_name=_("last changed by import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,  # provenance is recorded by imports, never edited by hand
        related_name="organizations",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name", "org_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "identifier"], name="org_unique_native_id"
            ),
        ]
        indexes = [
            models.Index(
                fields=["registry", "org_type", "status"], name="org_filter_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.org_id})"

    def get_absolute_url(self) -> str:
        return reverse("orgs:profile", kwargs={"org_id": self.org_id})

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        problem = identifier_problem(self.registry, self.identifier)
        if problem:
            raise ValidationError({"identifier": f"{self.identifier}: {problem}"})


class FormerName(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="former_names"
    )
    name = models.CharField(_("former name"), max_length=255, db_index=True)
    until = models.DateField(_("used until"), null=True, blank=True)

    class Meta:
        ordering = ["organization", "until", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="former_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="officers"
    )
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=128, blank=True)
    compensation = models.DecimalField(
        _("compensation"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("pay from the organization, as reported in its latest return"),
    )

    class Meta:
        ordering = ["organization", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation__gte=0) | Q(compensation__isnull=True),
                name="officer_compensation_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}" if self.role else self.name


class FilingForm(models.TextChoices):
    ANNUAL_REPORT = "annual_report", _("Annual report (年度工作报告)")
    IRS_990 = "990", _("IRS Form 990")
    IRS_990EZ = "990EZ", _("IRS Form 990-EZ")
    IRS_990PF = "990PF", _("IRS Form 990-PF")
    CCNI_RETURN = "ccni_annual_return", _("CCNI annual return")


class AuditOpinion(models.TextChoices):
    UNQUALIFIED = "unqualified", _("Unqualified")
    QUALIFIED = "qualified", _("Qualified")
    ADVERSE = "adverse", _("Adverse")
    DISCLAIMER = "disclaimer", _("Disclaimer of opinion")
    NONE = "none", _("No audit")


def amount_field(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=18, decimal_places=2, null=True, blank=True
    )


# Amounts a form never allows below zero. Investment and other income may be losses,
# net assets may be negative.
NON_NEGATIVE_AMOUNTS = (
    "income_donations",
    "income_government_grants",
    "income_services",
    "expenses_programs",
    "expenses_management",
    "expenses_fundraising",
    "expenses_other",
    "total_assets",
    "total_liabilities",
)
INCOME_FIELDS = ("donations", "government_grants", "services", "investment", "other")
EXPENSE_FIELDS = ("programs", "management", "fundraising", "other")


class ReviewState(models.TextChoices):
    """Where a filing stands between its preparer and the public.

    Imported filings arrive accepted: the register that published them reviewed them.
    """

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class FilingQuerySet(models.QuerySet):
    def published(self):
        """Filings the public may see: accepted ones. Drafts, filings in review and
        returned filings are never published."""
        return self.filter(live=True)

    def current(self):
        """The latest published version of each filing (an accepted amendment
        supersedes the earlier versions)."""
        return self.filter(live=True, superseded=False)


class Filing(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model
):
    """One annual report or return for one fiscal year; an amendment is a new version.

    Filings submitted through the portal start as drafts (``live`` false) and are
    published when a regulator accepts them through the Wagtail workflow; imported
    filings are published on import. Nothing is deleted: a returned filing is fixed
    and resubmitted, an accepted one is amended by a new version.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="filings"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    superseded = models.BooleanField(_("superseded by a later version"), default=False)
    amended = models.BooleanField(
        _("amended return"),
        default=False,
        db_default=False,
        help_text=_("the filer marked this return as amending an earlier one"),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    form = models.CharField(_("form"), max_length=32, choices=FilingForm.choices)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    income_donations = amount_field(_("income: donations"))
    income_government_grants = amount_field(_("income: government grants"))
    income_services = amount_field(_("income: services"))
    income_investment = amount_field(_("income: investment"))
    income_other = amount_field(_("income: other"))
    expenses_programs = amount_field(_("expenses: programs / charitable activities"))
    expenses_management = amount_field(_("expenses: management"))
    expenses_fundraising = amount_field(_("expenses: fundraising"))
    expenses_other = amount_field(_("expenses: other"))
    total_assets = amount_field(_("total assets"))
    total_liabilities = amount_field(_("total liabilities"))
    net_assets = amount_field(_("net assets"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    volunteers = models.PositiveIntegerField(_("volunteers"), null=True, blank=True)
    audit_opinion = models.CharField(
        _("audit opinion"), max_length=16, choices=AuditOpinion.choices, blank=True
    )
    # Answers and amounts some forms have and others not (Form 990 Part VI, 990-PF
    # distributions): kept by name as filed, null when the form has none.
    governance = models.JSONField(
        _("governance answers"),
        null=True,
        blank=True,
        help_text=_("board and policy answers as filed, by name"),
    )
    figures = models.JSONField(
        _("other figures"),
        null=True,
        blank=True,
        help_text=_("amounts of the form without a column of their own, as filed"),
    )
    source = models.CharField(
        _("source"),
        max_length=255,
        blank=True,
        help_text=_("where the record came from"),
    )
    source_document = models.FileField(
        _("original document"), upload_to="filings/%Y/", blank=True
    )
    attachment = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("attachment (PDF)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_state = models.CharField(
        _("review state"),
        max_length=16,
        choices=ReviewState.choices,
        default=ReviewState.ACCEPTED,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="filing")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="filing",
        for_concrete_model=False,
    )

    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["organization", "-fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fiscal_year", "version"],
                name="filing_unique_version",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1900) & Q(fiscal_year__lte=2100),
                name="filing_fiscal_year_range",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0})
                    | Q(**{f"{field}__isnull": True}),
                    name=f"filing_{field}_non_negative",
                )
                for field in NON_NEGATIVE_AMOUNTS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.fiscal_year} v{self.version}"

    @property
    def revisions(self):
        return self._revisions

    @property
    def total_income(self):
        return _sum(getattr(self, f"income_{f}") for f in INCOME_FIELDS)

    @property
    def total_expenses(self):
        return _sum(getattr(self, f"expenses_{f}") for f in EXPENSE_FIELDS)

    @property
    def is_late(self) -> bool:
        return bool(
            self.due_on and self.submitted_on and self.submitted_on > self.due_on
        )


def _sum(values):
    present = [v for v in values if v is not None]
    return sum(present) if present else None


class EventKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    SUSPENSION = "suspension", _("Suspension order")
    REVOCATION = "revocation", _("Revocation (吊销)")
    CANCELLATION = "cancellation", _("Registration cancelled (撤销)")
    DEREGISTRATION = "deregistration", _("Deregistration (注销)")
    BAN = "ban", _("Ban (取缔)")
    MAIL_RETURNED = "mail_returned", _("Registered mail returned (unreachable)")
    LIST_ENTRY = "list_entry", _("Entered a list")
    LIST_EXIT = "list_exit", _("Left a list")
    NAME_CHANGE = "name_change", _("Name changed")
    REGISTER_ENTRY = "register_entry", _("Entered the register")
    REGISTER_EXIT = "register_exit", _("Left the register")
    REGISTER_CHANGE = "register_change", _("Register entry changed")
    OTHER = "other", _("Other")


class RegulatoryEvent(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="events"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    amount = amount_field(_("amount"))
    authority = models.CharField(_("authority"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=255, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("regulatory event")
        verbose_name_plural = _("regulatory events")
        ordering = ["organization", "date", "id"]
        indexes = [models.Index(fields=["kind", "date"], name="event_kind_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(amount__isnull=True),
                name="event_amount_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class NameSource(models.TextChoices):
    PUBLIC_REPORT = "public_report", _("Report from the public")
    PUBLISHED_LIST = "published_list", _("Published list of illegal organizations")
    WATCH_LIST = "watch_list", _("Regulator's watch list")


class UnregisteredName(models.Model):
    """A name seen in the wild that is not a registered organization."""

    name = models.CharField(_("name"), max_length=255, db_index=True)
    seen_where = models.CharField(_("where seen"), max_length=500, blank=True)
    seen_on = models.DateField(_("seen on"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=NameSource.choices)
    reference = models.CharField(_("reference"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unregistered name")
        verbose_name_plural = _("unregistered names")
        ordering = ["-seen_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "source", "reference"], name="unregistered_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    PREPARER = "preparer", _("Preparer (drafts filings)")
    APPROVER = "approver", _("Approver (drafts and submits filings)")


class Membership(models.Model):
    """A user who files for an organization. Preparers draft; approvers also submit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"


class Regulator(models.Model):
    """A regulator's jurisdiction: the registering authority at one level of one
    region. A regulator sees and acts only on organizations registered there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regulator"
    )
    registry = models.CharField(
        _("registry"), max_length=16, choices=Registry.choices, default=Registry.CN_MCA
    )
    region = models.CharField(
        _("region"),
        max_length=16,
        help_text=_("GB/T 2260 code of the authority's region, e.g. 440000"),
    )
    registration_level = models.CharField(
        _("registration level"), max_length=16, choices=RegistrationLevel.choices
    )
    authority = models.CharField(_("authority"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("regulator")
        verbose_name_plural = _("regulators")

    def __str__(self) -> str:
        return f"{self.user} ({self.registration_level} {self.region})"


class FilingToken(models.Model):
    """An API token an organization's accounting software files with. Only a hash
    of the token is stored; the token itself is shown once, when it is made."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="filing_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("filing API token")
        verbose_name_plural = _("filing API tokens")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.name} ({self.key_prefix}…)"


class ApiKey(models.Model):
    """A free key for the public read API: requests that carry it get the higher
    keyed rate limit instead of the per-address one. Anyone signed in can make keys;
    like a filing token, only a hash is stored and the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class ApiSubmission(models.Model):
    """One filing API call under an Idempotency-Key: a retry with the same key and
    body answers the first response again instead of filing twice."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_submissions"
    )
    idempotency_key = models.CharField(max_length=255)
    body_sha256 = models.CharField(max_length=64)
    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, related_name="api_submissions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                name="api_submission_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.idempotency_key}"


class ReminderKind(models.TextChoices):
    DAYS_30 = "30d", _("30 days before the due date")
    DAYS_7 = "7d", _("7 days before the due date")
    DAYS_1 = "1d", _("1 day before the due date")
    OVERDUE = "overdue", _("Overdue")


class FilingReminder(models.Model):
    """A reminder sent, so each one goes out once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="reminders"
    )
    fiscal_year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fiscal_year", "kind"],
                name="filing_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.fiscal_year} {self.kind}"


class RegulatorReviewTask(Task):
    """The regulator's review of a submitted filing, as a step of a Wagtail workflow.

    Unlike Wagtail's group approval, who may act depends on the filing: only a
    regulator whose jurisdiction covers the filing's organization (or a superuser)
    sees the actions. "Start review" marks the filing under review; "return"
    requires the reasons, which the organization reads on its dashboard.
    """

    def _may_review(self, obj, user) -> bool:
        from .access import user_may_review

        return user_may_review(user=user, organization=obj.organization)

    def user_can_access_editor(self, obj, user):
        return self._may_review(obj, user)

    def locked_for_user(self, obj, user):
        return not self._may_review(obj, user)

    def user_can_lock(self, obj, user):
        return self._may_review(obj, user)

    def get_actions(self, obj, user):
        if not self._may_review(obj, user):
            return []
        actions = [
            ("reject", _("Return with reasons"), True),
            ("approve", _("Accept and publish"), False),
            ("approve", _("Accept with comment"), True),
        ]
        if obj.review_state == ReviewState.SUBMITTED:
            actions.insert(0, ("claim", _("Start review"), False))
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "claim":
            from .submissions.services import filing_review_start

            filing_review_start(
                filing=task_state.workflow_state.content_object, user=user
            )
            return
        super().on_action(task_state, user, action_name, **kwargs)

    def get_form_for_action(self, action):
        if action == "reject":
            from .submissions.forms import ReturnReasonsForm

            return ReturnReasonsForm
        return super().get_form_for_action(action)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from .access import filings_reviewable_by

        in_progress = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser:
            return in_progress
        ids = filings_reviewable_by(user=user).annotate(
            pk_text=Cast("pk", models.CharField())
        )
        return in_progress.filter(
            workflow_state__base_content_type=ContentType.objects.get_for_model(Filing),
            workflow_state__object_id__in=ids.values("pk_text"),
        )

    @classmethod
    def get_description(cls):
        return _("Regulators whose jurisdiction covers the organization review it")

    class Meta:
        verbose_name = _("regulator review")
        verbose_name_plural = _("regulator reviews")


class IrsMasterFileEntry(models.Model):
    """An organization's row in the IRS Exempt Organizations Business Master File, as
    of the last master file imported that listed it.

    The register's own fields (name, address, type...) live on the organization; this
    keeps the row as published, to tell the next month's file what changed, and the
    codes and figures the credit rules read (filing requirement, last tax period).
    ``scope`` is the file the row comes from (``eo_de`` for Delaware): an organization
    missing from the next file of the same scope has left the register on ``left_on``.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="irs_master_file"
    )
    scope = models.CharField(_("master file"), max_length=32)
    row = models.JSONField(_("row as published"))
    subsection = models.CharField(_("501(c) subsection"), max_length=2, blank=True)
    foundation = models.CharField(_("foundation code"), max_length=2, blank=True)
    deductibility = models.CharField(_("deductibility code"), max_length=1, blank=True)
    exempt_status = models.CharField(_("exempt status code"), max_length=2, blank=True)
    filing_requirement = models.CharField(
        _("990 filing requirement code"), max_length=2, blank=True
    )
    pf_filing_requirement = models.CharField(
        _("990-PF filing requirement code"), max_length=1, blank=True
    )
    tax_period_end = models.DateField(
        _("latest tax period, end"), null=True, blank=True
    )
    asset_amount = amount_field(_("total assets, latest return"))
    income_amount = amount_field(_("total income, latest return"))
    revenue_amount = amount_field(_("revenue, latest return (Form 990)"))
    ntee_code = models.CharField(_("NTEE code"), max_length=4, blank=True)
    first_seen_on = models.DateField(_("first seen on"))
    last_seen_on = models.DateField(_("last seen on"))
    left_on = models.DateField(_("left the master file on"), null=True, blank=True)
    last_import = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("IRS master file entry")
        verbose_name_plural = _("IRS master file entries")
        indexes = [
            models.Index(fields=["scope", "left_on"], name="irs_bmf_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.organization_id}"

    @property
    def subsection_label(self) -> str:
        """``501(c)(3)`` for subsection ``03``."""
        return f"501(c)({int(self.subsection)})" if self.subsection.isdigit() else ""


class Grant(models.Model):
    """A grant as a funder published it (360Giving Data Standard).

    Recipient and funder are linked to organizations by org-id when the register
    knows them; the org-ids and names are kept as published either way, so a grant to
    an organization the portal cannot identify still shows who received it. What the
    portal has no column for (programme, location, the publisher's own columns) is
    kept in ``extra`` as published.

    Grants are registry data: deleting an organization (staff, or ``seed_demo
    --flush``) deletes the grants it made or received. Imports never delete one.
    """

    identifier = models.CharField(_("grant identifier"), max_length=255, unique=True)
    title = models.TextField(_("title"))
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(_("amount awarded"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    award_date = models.DateField(_("award date"))
    recipient_org_id = models.CharField(
        _("recipient org-id"), max_length=255, blank=True
    )
    recipient_name = models.CharField(_("recipient name"), max_length=500)
    recipient = models.ForeignKey(
        Organization,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants_received",
    )
    funder_org_id = models.CharField(_("funder org-id"), max_length=255)
    funder_name = models.CharField(_("funder name"), max_length=500)
    funder = models.ForeignKey(
        Organization,
        verbose_name=_("funder"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants_made",
    )
    extra = models.JSONField(
        _("other published data"),
        default=dict,
        blank=True,
        help_text=_("columns and keys the portal has no field for, as published"),
    )
    last_import = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-award_date", "identifier"]
        indexes = [
            models.Index(
                fields=["recipient", "-award_date"], name="grant_recipient_idx"
            ),
            models.Index(fields=["funder", "-award_date"], name="grant_funder_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.title}"


class Follow(models.Model):
    """A member of the public following an organization: they are emailed when it
    files, becomes overdue, changes grade, or enters or leaves a public list
    (``orgs/follows.py``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="follows"
    )
    # The language the follower used when following: their emails are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="follow_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.organization_id}"


class FollowNoticeKind(models.TextChoices):
    FILED = "filed", _("Filed an annual report")
    OVERDUE = "overdue", _("Annual report overdue")
    GRADE = "grade", _("Grade changed")
    LIST_ENTERED = "list_entered", _("Put on a public list")
    LIST_LEFT = "list_left", _("Left a public list")


class FollowNotice(models.Model):
    """One email owed to one follower about one event: the outbox of follow emails.

    Written in the transaction of the event itself, unique per (follow, kind,
    subject), so an event can never be announced twice to the same follower;
    ``sent_at`` is set in the transaction that sends it (``orgs/follows.py``)."""

    follow = models.ForeignKey(Follow, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=FollowNoticeKind.choices)
    # What the event is about, e.g. "filing:2024:v1", "score:7", "list_entry:3",
    # "overdue:2024".
    subject = models.CharField(max_length=64)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follow", "kind", "subject"], name="follow_notice_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="follow_notice_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follow_id} {self.kind} {self.subject}"

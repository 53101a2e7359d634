"""Stored credit results: a score per organization with its reasons, and the findings
on unregistered names.

**History.** A ``Score`` row is a result from the as-of date it was first computed for.
When an organization is scored again and the result is the same (same methodology
version, score, grade and reasons with the same evidence; ``fingerprint`` compares
them), nothing is written. When anything differs, the current row is closed
(``is_current=False``) and a new one starts. A profile therefore shows how the grade
moved, one row per change, and a nightly run over a million organizations writes only
what changed. Each completed run over the whole registry is a ``ScoringRun``: a current
score still holds as of the latest run's date (``Score.holds_as_of``).

Reasons store the code, points, fiscal year and evidence; titles, sources and advice
come from the rule table by code (``credit.rules.RULES``), never copied per row.

**Review.** ``Flag`` is a suspected finding for the regulator's review queue (never
public). Confirming one makes a ``ListEntry`` on a public list (``credit.lists``),
which feeds ``scoring``'s list overrides; an organization can ``Appeal`` an entry.
Every decision is also written to Wagtail's audit log with who, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import scoring
from .lists import FlagKind, PublicList
from .rules import RULES, Rule


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    NOT_RATED = scoring.NOT_RATED, _("not rated")


class NotRatedReason(models.TextChoices):
    NO_METHODOLOGY = scoring.NO_METHODOLOGY, _("no methodology for this registry yet")
    ENDED = scoring.ENDED, _("revoked, cancelled, deregistered or removed")
    AUTOMATIC_REVOCATION = (
        scoring.AUTOMATIC_REVOCATION,
        _("tax exemption revoked automatically (three years without a return)"),
    )
    TOO_LITTLE_DATA = scoring.TOO_LITTLE_DATA, _("no annual report has fallen due yet")


class ScoreQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class Score(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="credit_scores"
    )
    methodology_version = models.CharField(_("methodology version"), max_length=16)
    as_of = models.DateField(_("as of (first date with this result)"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=9, choices=Grade.choices)
    not_rated_reason = models.CharField(
        _("why not rated"), max_length=24, choices=NotRatedReason.choices, blank=True
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=32)
    is_current = models.BooleanField(_("current"), default=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        ordering = ["organization", "-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_current=True),
                name="credit_score_one_current",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="credit_score_at_most_100",
            ),
            models.CheckConstraint(
                condition=(Q(grade=Grade.NOT_RATED) & Q(score__isnull=True))
                | (~Q(grade=Grade.NOT_RATED) & Q(score__isnull=False)),
                name="credit_score_rated_has_score",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "as_of"], name="credit_score_history"),
            models.Index(
                fields=["grade"],
                condition=Q(is_current=True),
                name="credit_score_grade",
            ),
        ]

    def __str__(self) -> str:
        shown = self.grade if self.score is None else f"{self.grade} ({self.score})"
        return f"{self.organization_id}: {shown} as of {self.as_of}"

    def holds_as_of(self, latest_run: ScoringRun | None):
        """The latest date this result is known to hold: a later full run that kept
        the current row confirmed it."""
        if self.is_current and latest_run and latest_run.as_of > self.as_of:
            return latest_run.as_of
        return self.as_of


class ScoringRunQuerySet(models.QuerySet):
    def latest_completed(self):
        return self.order_by("-as_of", "-id").first()


class ScoringRun(models.Model):
    """A completed ``score_orgs`` run over the whole registry (dry runs are not kept)."""

    as_of = models.DateField(_("as of"))
    methodology_version = models.CharField(_("methodology version"), max_length=16)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    organizations = models.PositiveIntegerField(_("organizations scored"))
    changed = models.PositiveIntegerField(_("scores changed"))
    grades = models.JSONField(_("grade distribution"), default=dict)
    reasons = models.JSONField(_("reason counts"), default=dict)

    objects = ScoringRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.methodology_version}): {self.organizations:,}"


class Reason(models.Model):
    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="reasons")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40)
    points = models.PositiveSmallIntegerField(_("points deducted"))
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), null=True, blank=True
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)

    class Meta:
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")
        ordering = ["score", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["score", "position"], name="credit_reason_unique_position"
            ),
        ]
        indexes = [models.Index(fields=["code"], name="credit_reason_code")]

    def __str__(self) -> str:
        year = f" {self.fiscal_year}" if self.fiscal_year else ""
        return f"{self.code}{year} -{self.points}"

    @property
    def rule(self) -> Rule:
        return RULES[self.code]


class NameFinding(models.Model):
    """A ``NAME_IMPERSONATION`` finding on an unregistered name.

    Attached to the name, not to the registered organization it resembles: the
    look-alike is the suspect, and the original must not lose points for being copied.
    ``organization`` is the look-alike's model (empty for a national-level word).
    Suspected, so never shown to the public; the review queue (a later step) confirms
    or dismisses it. Each run keeps identical findings, adds new ones and deletes
    those no longer found.
    """

    unregistered_name = models.ForeignKey(
        "orgs.UnregisteredName",
        on_delete=models.CASCADE,
        related_name="credit_findings",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=40)
    similarity = models.FloatField(_("similarity"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    methodology_version = models.CharField(_("methodology version"), max_length=16)
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("name finding")
        verbose_name_plural = _("name findings")
        ordering = ["unregistered_name", "-similarity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unregistered_name", "organization", "code"],
                condition=Q(organization__isnull=False),
                name="credit_name_finding_unique_match",
            ),
            models.UniqueConstraint(
                fields=["unregistered_name", "code"],
                condition=Q(organization__isnull=True),
                name="credit_name_finding_unique_word",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.unregistered_name_id} ~ {self.organization_id}"

    @property
    def rule(self) -> Rule:
        return RULES[self.code]


class FlagStatus(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    INFO_REQUESTED = "info_requested", _("Information requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_FLAG_STATUSES = (FlagStatus.SUSPECTED, FlagStatus.INFO_REQUESTED)


class Flag(models.Model):
    """A suspected finding about an organization for its regulators to decide.

    Raised from the rules' reasons (``credit.services.flags_raise``) or from learned
    risk signals; never shown to the public. A dismissal records why and is a label
    for the next model training.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=FlagStatus.choices,
        default=FlagStatus.SUSPECTED,
        db_index=True,
    )
    risk = models.FloatField(_("risk (0-1)"), default=0.5)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    source = models.CharField(_("raised by"), max_length=100)
    raised_on = models.DateField(_("raised on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-risk", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(status__in=["suspected", "info_requested"]),
                name="flag_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(risk__gte=0) & Q(risk__lte=1), name="flag_risk_range"
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="flag_status_kind")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind} ({self.status})"


class ListEntryQuerySet(models.QuerySet):
    def listed(self, on=None):
        """Entries in force (on a date, default today)."""
        on = on or timezone.localdate()
        return self.filter(entered_on__lte=on).filter(
            Q(exited_on__isnull=True) | Q(exited_on__gt=on)
        )


class ListEntry(models.Model):
    """An organization on a public list, with the legal basis and the way out."""

    list = models.CharField(_("list"), max_length=20, choices=PublicList.choices)
    # A registered organization, or (on the illegal list) a name with no
    # registration behind it.
    organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="list_entries",
    )
    unregistered_name = models.ForeignKey(
        "orgs.UnregisteredName",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="list_entries",
    )
    entered_on = models.DateField(_("entered on"))
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=255)
    exit_conditions = models.TextField(_("exit conditions"))
    exited_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.TextField(_("reason for leaving"), blank=True)
    # Flags are never deleted (decisions stay on record); CASCADE lets the demo's
    # registry flush clear everything.
    flag = models.ForeignKey(
        Flag, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["-entered_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "list"],
                condition=Q(exited_on__isnull=True),
                name="list_entry_one_open_per_list",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False, unregistered_name__isnull=True)
                | Q(organization__isnull=True, unregistered_name__isnull=False),
                name="list_entry_names_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["list", "entered_on"], name="list_entry_list_date")
        ]

    def __str__(self) -> str:
        subject = self.organization_id or f"name {self.unregistered_name_id}"
        return f"{subject} on {self.list} since {self.entered_on}"

    def in_force(self, on=None) -> bool:
        """Whether the entry holds on a date (default today): the same rule as
        ``ListEntryQuerySet.listed``, for entries already loaded."""
        on = on or timezone.localdate()
        return self.entered_on <= on and (self.exited_on is None or self.exited_on > on)

    @property
    def subject_name(self) -> str:
        subject = self.organization or self.unregistered_name
        return subject.name if subject else ""


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the entry was removed")
    REJECTED = "rejected", _("Rejected: the entry stands")


class Appeal(models.Model):
    """An organization's objection to a list entry, decided by a regulator."""

    list_entry = models.ForeignKey(
        ListEntry, on_delete=models.CASCADE, related_name="appeals"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    grounds = models.TextField(_("grounds"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default="open"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"appeal {self.pk} on {self.list_entry_id} ({self.status})"


class RiskKind(models.TextChoices):
    ZOMBIE = "zombie", _("zombie risk")
    ANOMALY = "anomaly", _("financial anomaly")


class RiskModel(models.Model):
    """A trained risk model, its evaluation report and the estimator it stores.

    Learned signals only prioritise the regulator's review (``credit/ml``). The
    estimator is a joblib pickle: loading one runs code, so ``credit.ml.registry``
    loads only bytes whose ``sha256`` and ``signature`` (an HMAC keyed with the
    portal's ``SECRET_KEY``) match what this portal recorded when it wrote them.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=RiskKind.choices)
    version = models.CharField(_("version"), max_length=40, unique=True)
    as_of = models.DateField(_("trained on data as of"))
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    report = models.JSONField(_("evaluation report"), default=dict, blank=True)
    estimator = models.BinaryField(_("estimator (joblib)"), editable=False)
    sha256 = models.CharField(_("SHA-256 of the estimator"), max_length=64)
    signature = models.CharField(_("signature of the estimator"), max_length=64)

    class Meta:
        verbose_name = _("risk model")
        verbose_name_plural = _("risk models")
        ordering = ["-trained_at", "-id"]
        indexes = [models.Index(fields=["kind", "-trained_at"], name="risk_model_kind")]

    def __str__(self) -> str:
        return self.version


class RiskDetector(models.TextChoices):
    ZOMBIE_MODEL = "zombie_model", _("zombie model")
    ISOLATION_FOREST = "isolation_forest", _("unusual among peers")
    BENFORD = "benford", _("first digits unlike Benford's law")
    SWING = "swing", _("abrupt change in income")
    INCOME_NO_EXPENSES = "income_no_expenses", _("income with no expenses")
    SHARED_ADDRESS = "shared_address", _("address shared by many organizations")
    SHARED_REPRESENTATIVE = (
        "shared_representative",
        _("legal representative of many organizations"),
    )


class RiskSignal(models.Model):
    """A learned or statistical signal about one organization, for review priority.

    Never shown to the public and never read by scoring. ``factors`` holds what
    contributed most, as phrase codes with parameters (``credit.ml.phrases``), so
    the words come out in the reader's language.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="risk_signals"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RiskKind.choices)
    detector = models.CharField(
        _("detector"), max_length=24, choices=RiskDetector.choices
    )
    score = models.FloatField(_("score or probability"))
    model = models.ForeignKey(
        RiskModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signals",
    )
    model_version = models.CharField(_("model version"), max_length=40)
    as_of = models.DateField(_("as of"))
    factors = models.JSONField(_("contributing factors"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        ordering = ["kind", "-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "detector"], name="risk_signal_one_per_detector"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-score"], name="risk_signal_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.detector} {self.score:.3f}"

    def explanation(self, language: str | None = None) -> list[str]:
        """The contributing factors in words, in ``language`` (the active one)."""
        from .ml.phrases import factors_text

        return factors_text(self.factors, language=language)


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    CLOSED = "closed", _("Closed")


class ConcernChannel(models.TextChoices):
    STREET = "street", _("In the street or at an event")
    WEBSITE = "website", _("On a website")
    SOCIAL_MEDIA = "social_media", _("On social media or in a messaging app")
    PHONE = "phone", _("By phone, text message or letter")
    OTHER = "other", _("Somewhere else")


CONCERN_TEXT_MAX = 4000


def concern_reference() -> str:
    """``C-`` and ten characters from ``secrets``: about 50 bits, so references cannot
    be guessed or walked, while a reporter can still read one out on the phone."""
    import secrets

    # No 0/O, 1/I/L: references are read aloud and typed back.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "C-" + "".join(secrets.choice(alphabet) for _ in range(10))


class Concern(models.Model):
    """A report from the public about a suspicious or unregistered organization.

    Lands in the regulators' queue (``credit.review.concern_*``). The reporter follows
    it by ``reference`` and sees only its status and ``outcome`` (what the regulator
    chooses to publish); the contact address, the internal note and who handled it
    stay behind the regulator's sign-in. The submitter's address is kept only as a
    keyed hash (``submitter_hash``), enough to spot a flood from one address, never
    the address itself.
    """

    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=concern_reference,
        editable=False,
    )  # fmt: skip
    # Registry rows are never deleted (an organization that leaves a register
    # stays); CASCADE, like ListEntry's, lets the demo's registry flush clear all.
    organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="concerns",
        verbose_name=_("registered organization named"),
    )
    reported_name = models.CharField(_("name of the organization"), max_length=255)
    seen_where = models.CharField(
        _("where you saw it"), max_length=16, choices=ConcernChannel.choices
    )
    seen_detail = models.CharField(_("where exactly"), max_length=255, blank=True)
    seen_url = models.URLField(_("web address"), max_length=500, blank=True)
    what_happened = models.TextField(_("what happened"), max_length=CONCERN_TEXT_MAX)
    contact_email = models.EmailField(_("your email address"), blank=True)
    region = models.CharField(_("region"), max_length=16, blank=True, db_index=True)
    # The reporter's language, so the emails about it are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.RECEIVED,
        db_index=True,
    )
    outcome = models.TextField(_("published outcome"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_started_at = models.DateTimeField(_("review started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # What the regulator did with it: the name put on the watch list, a flag raised.
    unregistered_name = models.ForeignKey(
        "orgs.UnregisteredName",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    flag = models.ForeignKey(
        Flag, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    submitter_hash = models.CharField(_("submitter address (keyed hash)"),
                                      max_length=64, blank=True)  # fmt: skip
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="concern_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | ~Q(status="closed"),
                name="concern_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.reported_name} ({self.status})"

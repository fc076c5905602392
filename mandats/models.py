from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from aidants.demarches import Demarche
from aidants.models import Organisation


class Usager(models.Model):
    """An usager, with the FranceConnect identity stored verbatim.

    The OIDC provider returns these claims unchanged: FranceConnect derives the service's
    `sub` from them, so not a character may differ (birthdate stays a string: FranceConnect
    sends presumed dates such as 1970-00-00).
    """

    sub = models.CharField("identifiant FranceConnect", max_length=255, unique=True)
    given_name = models.CharField("prénoms", max_length=256)
    family_name = models.CharField("nom de naissance", max_length=256)
    birthdate = models.CharField("date de naissance", max_length=10)
    gender = models.CharField("sexe", max_length=16)
    birthplace = models.CharField("lieu de naissance (COG)", max_length=5, blank=True)
    birthcountry = models.CharField("pays de naissance (COG)", max_length=5)
    email = models.CharField("courriel FranceConnect", max_length=256)
    preferred_username = models.CharField("nom d'usage", max_length=256, blank=True)
    # Contact details the aidant may edit; they never change the FranceConnect identity.
    contact_email = models.EmailField("courriel de contact", blank=True)
    contact_phone = models.CharField("téléphone", max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="usager_name_idx"),
            models.Index(fields=["birthdate"], name="usager_birthdate_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.preferred_username or self.family_name}"

    @property
    def initials(self) -> str:
        first = self.given_name[:1]
        last = (self.preferred_username or self.family_name)[:1]
        return f"{first}. {last}.".upper()


class Duration(models.IntegerChoices):
    ONE_DAY = 1, "Expire demain"
    ONE_MONTH = 31, "1 mois"
    SIX_MONTHS = 182, "6 mois"
    TWELVE_MONTHS = 365, "12 mois"


class SignatureKind(models.TextChoices):
    DRAWN = "drawn", "Signature manuscrite sur tablette"
    TYPED = "typed", "Nom saisi et consentement coché"


class MandatQuerySet(models.QuerySet["Mandat"]):
    def for_organisation(self, organisation: Organisation) -> MandatQuerySet:
        return self.filter(organisation=organisation)

    def not_cancelled(self) -> MandatQuerySet:
        return self.filter(cancelled_at__isnull=True)

    def active(self, now: datetime | None = None) -> MandatQuerySet:
        return self.not_cancelled().filter(expires_at__gt=now or timezone.now())

    def for_usager(self, usager: Usager) -> MandatQuerySet:
        return self.filter(usager=usager)

    def expiring_within(self, days: int, now: datetime | None = None) -> MandatQuerySet:
        now = now or timezone.now()
        return self.active(now).filter(expires_at__lte=now + timedelta(days=days))


class Mandat(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="mandats")
    usager = models.ForeignKey(Usager, on_delete=models.PROTECT, related_name="mandats")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandats_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    duration = models.PositiveSmallIntegerField("durée", choices=Duration.choices)
    expires_at = models.DateTimeField("fin du mandat")
    # The signature: what the usager drew (SVG) or typed, and the hashes that bind it.
    signature_kind = models.CharField(max_length=8, choices=SignatureKind.choices)
    signature_data = models.TextField()
    signature_sha256 = models.CharField(max_length=64)
    document_hash = models.CharField(max_length=64, unique=True)
    signed_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mandats_cancelled",
    )
    renewed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    # Added by the mandats app (issue 4).
    # The FranceConnect identity as it was when the usager signed: the document hash and the
    # attestation use it, so a later change of the Usager row never alters a signed mandate.
    usager_identity = models.JSONField("identité FranceConnect à la signature", default=dict)
    # Version of the canonical serialisation the document hash was computed with.
    document_version = models.PositiveSmallIntegerField(default=1)
    # The wizard's run id: a reloaded or replayed final step never creates a second mandate.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    reminder_sent_at = models.DateTimeField("rappel d'échéance envoyé le", null=True, blank=True)

    objects = MandatQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="mandat_expires_after"
            ),
            models.CheckConstraint(
                condition=Q(duration__in=[d.value for d in Duration]), name="mandat_duration_known"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | Q(cancelled_at__isnull=False, cancelled_by__isnull=False),
                name="mandat_cancelled_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "expires_at"], name="mandat_org_exp_idx")]

    def __str__(self) -> str:
        return f"Mandat {self.pk} — {self.usager}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_cancelled and not self.is_expired

    @property
    def state(self) -> MandatState:
        if self.is_cancelled:
            return MandatState.REVOKED
        if self.is_expired:
            return MandatState.EXPIRED
        return MandatState.ACTIVE


class MandatState(models.TextChoices):
    ACTIVE = "active", "Actif"
    EXPIRED = "expired", "Expiré"
    REVOKED = "revoked", "Révoqué"


class CloseReason(models.TextChoices):
    REVOKED = "revoked", "Révoquée"
    SUPERSEDED = "superseded", "Remplacée par un nouveau mandat"
    CANCELLED = "cancelled", "Mandat annulé"
    TRANSFERRED = "transferred", "Mandat transféré"


class AutorisationQuerySet(models.QuerySet["Autorisation"]):
    def open(self) -> AutorisationQuerySet:
        return self.filter(closed_at__isnull=True)

    def active(self, now: datetime | None = None) -> AutorisationQuerySet:
        """Open, and its mandate has neither expired nor been cancelled.

        oidc.lookups.ACTIVE_AUTORISATION repeats this rule in SQL: change both."""
        return self.open().filter(
            mandat__expires_at__gt=now or timezone.now(), mandat__cancelled_at__isnull=True
        )

    def for_organisation(self, organisation: Organisation) -> AutorisationQuerySet:
        return self.filter(organisation=organisation)

    def for_usager(self, usager: Usager) -> AutorisationQuerySet:
        return self.filter(usager=usager)

    def for_demarches(self, demarches: list[str]) -> AutorisationQuerySet:
        return self.filter(demarche__in=demarches)


class Autorisation(models.Model):
    """One démarche of a mandate.

    organisation and usager are copied from the mandate so that the database can enforce
    at most one open autorisation per (organisation, usager, démarche).
    """

    mandat = models.ForeignKey(Mandat, on_delete=models.PROTECT, related_name="autorisations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    usager = models.ForeignKey(Usager, on_delete=models.PROTECT, related_name="autorisations")
    demarche = models.CharField(max_length=16, choices=Demarche.choices)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)

    objects = AutorisationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "usager", "demarche"],
                condition=Q(closed_at__isnull=True),
                name="autorisation_one_open_per_demarche",
            ),
            models.UniqueConstraint(
                fields=["mandat", "demarche"], name="autorisation_mandat_demarche"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, close_reason="")
                | Q(closed_at__isnull=False) & ~Q(close_reason=""),
                name="autorisation_closed_with_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "demarche"],
                condition=Q(closed_at__isnull=True),
                name="autorisation_open_org_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_demarche_display()} — {self.usager}"

    @property
    def is_active(self) -> bool:
        return self.closed_at is None and self.mandat.is_active

    @property
    def state(self) -> str:
        if self.closed_at is not None:
            return self.close_reason
        return "active" if self.mandat.is_active else "expired"

    @property
    def state_label(self) -> str:
        return AUTORISATION_STATE_LABELS[self.state]


AUTORISATION_STATE_LABELS = {
    "active": "Active",
    "expired": "Expirée",
    CloseReason.REVOKED: "Révoquée",
    CloseReason.SUPERSEDED: "Remplacée par un nouveau mandat",
    CloseReason.CANCELLED: "Mandat révoqué",
    CloseReason.TRANSFERRED: "Transférée à une autre structure",
}


class UsagerSummary(models.Model):
    """One row per (organisation, usager) with a mandate: the read model of the usagers list.

    The services refresh it in the same transaction as every change (mandats.summaries), so
    the list sorts, filters and counts within one structure's rows, never across all the
    usagers in the database. Rebuild it with `manage.py rebuild_usager_summaries`.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="summaries")
    family_name = models.CharField(max_length=256)
    given_name = models.CharField(max_length=256)
    preferred_username = models.CharField(max_length=256, blank=True)
    birthdate = models.CharField(max_length=10)
    # Lower case, without accents: what the name search matches.
    search_text = models.TextField()
    # Latest end of a non-cancelled mandate that still has an open autorisation: the usager
    # has an active autorisation here exactly when it is in the future.
    active_until = models.DateTimeField(null=True, blank=True)
    # Earliest and latest end of the non-cancelled mandates (expired tab, last end shown).
    first_expires_at = models.DateTimeField(null=True, blank=True)
    last_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "usager"], name="usager_summary_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "family_name", "given_name", "usager"],
                name="usager_summary_name_idx",
            ),
            models.Index(fields=["organisation", "active_until"], name="usager_summary_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name} — {self.organisation_id}"

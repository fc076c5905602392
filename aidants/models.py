from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    Permission,
    PermissionsMixin,
)
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.demarches import all_demarches
from aidants.validators import validate_demarche_list, validate_siret

AUDITORS_GROUP = "Auditeurs"


class OrganisationType(models.TextChoices):
    MAIRIE = "mairie", "Mairie ou CCAS"
    FRANCE_SERVICES = "france_services", "France Services"
    BIBLIOTHEQUE = "bibliotheque", "Bibliothèque ou médiathèque"
    ASSOCIATION = "association", "Association"
    AUTRE = "autre", "Autre structure"


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    type = models.CharField(max_length=32, choices=OrganisationType.choices)
    address = models.TextField("adresse", blank=True)
    allowed_demarches = models.JSONField(
        "démarches autorisées", default=all_demarches, validators=[validate_demarche_list]
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AidantManager(BaseUserManager["Aidant"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Aidant:
        if not email:
            raise ValueError("An aidant needs an email address.")
        aidant = self.model(email=self.normalize_email(email).lower(), **extra)
        aidant.set_password(password)
        aidant.save(using=self._db)
        return aidant

    def get_by_natural_key(self, username: str | None) -> Aidant:
        # Emails are unique whatever their case (see the constraint below), and accounts
        # created in the admin keep the case they were typed in.
        return self.get(email__iexact=username)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Aidant:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class Aidant(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    current_organisation = models.ForeignKey(
        Organisation,
        verbose_name="structure courante",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[AidantManager] = AidantManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="aidant_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @cached_property
    def is_auditor(self) -> bool:
        """has_perm("journal.audit_journal") in one query instead of loading every
        permission of the aidant (two queries) on each page that shows the menu."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return Permission.objects.filter(
            models.Q(user=self) | models.Q(group__user=self),
            content_type__app_label="journal",
            codename="audit_journal",
        ).exists()

    def active_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(is_active=True, organisation__is_active=True).select_related(
            "organisation"
        )

    def can_log_in(self) -> bool:
        """An aidant acts for a structure; only staff and auditors may have none."""
        if not self.is_active:
            return False
        return self.is_staff or self.is_auditor or self.active_memberships().exists()


class Role(models.TextChoices):
    AIDANT = "aidant", "Aidant"
    RESPONSABLE = "responsable", "Responsable de structure"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, organisation__is_active=True, aidant__is_active=True)


class Membership(models.Model):
    aidant = models.ForeignKey(Aidant, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=16, choices=Role.choices, default=Role.AIDANT)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["aidant", "organisation"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.aidant} — {self.organisation} ({self.get_role_display()})"

    @property
    def is_responsable(self) -> bool:
        return self.role == Role.RESPONSABLE


class CarteTOTPQuerySet(models.QuerySet["CarteTOTP"]):
    def available(self) -> CarteTOTPQuerySet:
        return self.filter(device__isnull=True)


class CarteTOTP(models.Model):
    """A hardware TOTP card: imported in stock, then associated with one aidant."""

    serial = models.CharField("numéro de série", max_length=64, unique=True)
    key = models.CharField(max_length=80, help_text="Graine hexadécimale, jamais affichée.")
    step = models.PositiveSmallIntegerField(default=60)
    created_at = models.DateTimeField(default=timezone.now)
    device = models.OneToOneField(
        TOTPDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="carte"
    )

    objects = CarteTOTPQuerySet.as_manager()

    class Meta:
        verbose_name = "carte TOTP"
        verbose_name_plural = "cartes TOTP"

    def __str__(self) -> str:
        return f"Carte {self.serial}"

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "Connexion réussie"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    LOCKOUT = "lockout", "Compte bloqué après des échecs répétés"
    LOGOUT = "logout", "Déconnexion"
    OTP_DEVICE_ADDED = "otp_device_added", "Dispositif de code ajouté"
    OTP_DEVICE_REMOVED = "otp_device_removed", "Dispositif de code retiré"
    OTP_DEVICE_ASSOCIATED = "otp_device_associated", "Carte à code associée"
    AIDANT_ADDED = "aidant_added", "Aidant ajouté"
    AIDANT_DEACTIVATED = "aidant_deactivated", "Aidant désactivé"
    AIDANT_REACTIVATED = "aidant_reactivated", "Aidant réactivé"
    ORGANISATION_SWITCHED = "organisation_switched", "Changement de structure"
    # mandats (issue 4)
    MANDAT_CREATED = "mandat_created", "Mandat créé"
    MANDAT_RENEWED = "mandat_renewed", "Mandat renouvelé"
    MANDAT_CANCELLED = "mandat_cancelled", "Mandat révoqué"
    MANDAT_TRANSFERRED_OUT = "mandat_transferred_out", "Mandat transféré vers une autre structure"
    MANDAT_TRANSFERRED_IN = "mandat_transferred_in", "Mandat reçu d'une autre structure"
    AUTORISATION_REVOKED = "autorisation_revoked", "Autorisation révoquée"
    AUTORISATION_SUPERSEDED = "autorisation_superseded", "Autorisation remplacée"
    FRANCECONNECT_SUCCEEDED = "franceconnect_succeeded", "Identification FranceConnect réussie"
    FRANCECONNECT_FAILED = "franceconnect_failed", "Échec de l'identification FranceConnect"
    EXPIRY_REMINDER_SENT = "expiry_reminder_sent", "Rappel d'échéance des mandats envoyé"


class EntryQuerySet(models.QuerySet["Entry"]):
    pass


class Entry(models.Model):
    """One journaled action. Rows are only ever inserted (see journal.record)."""

    action = models.CharField(max_length=64, choices=Action.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    aidant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "aidants.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The aidant acted upon, when it is not the acting one (added, deactivated...).
    target_aidant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        permissions = [("audit_journal", "Peut consulter et exporter tout le journal")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}"

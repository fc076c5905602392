from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from journal.signing import SignedHead, export_text


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
    INVITATION_RESENT = "invitation_resent", "Invitation renvoyée"
    PASSWORD_LINK_SENT = "password_link_sent", "Lien pour un nouveau mot de passe envoyé"
    ORGANISATION_SWITCHED = "organisation_switched", "Changement de structure"
    # journal
    JOURNAL_EXPORTED = "journal_exported", "Export du journal"
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
    # oidc: Relais as an identity provider
    OIDC_AUTORISATION_USED = "oidc_autorisation_used", "Autorisation utilisée (OIDC)"
    OIDC_AUTORISATION_REFUSED = "oidc_autorisation_refused", "Autorisation refusée (OIDC)"
    OIDC_CODE_REPLAYED = "oidc_code_replayed", "Code OIDC rejoué, jetons révoqués"
    OIDC_CLIENT_AUTH_FAILED = "oidc_client_auth_failed", "Échec d'authentification client OIDC"
    OIDC_LOGOUT = "oidc_logout", "Déconnexion demandée par un service (OIDC)"


def action_choices() -> list[tuple[str, str]]:
    """Entry.action's choices, as a callable: migrations then record the function, not the
    list, so each app can add its actions without a journal migration (and without two
    branches colliding on one)."""
    return list(Action.choices)


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a journal row."""


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    """Refuses every bulk change; the database triggers refuse raw SQL too."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.label} is append-only.")

    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    update_or_create = _refuse
    _raw_delete = _refuse


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.label} rows cannot be deleted.")


class EntryQuerySet(AppendOnlyQuerySet["Entry"]):
    pass


def _fk(to: str, *, indexed: bool = True) -> Any:
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=indexed,
    )


def _partial_index(column: str, *more: str, name: str) -> models.Index:
    return models.Index(
        fields=[column, *more], name=name, condition=models.Q(**{f"{column}__isnull": False})
    )


class Entry(AppendOnlyModel):
    """One journaled action. Rows are only ever inserted, by journal.record().

    `content_hash` is the SHA-256 of the canonical serialisation (journal.hashing) of every
    field but the id, which the database assigns; the seal binds the id.
    """

    action = models.CharField(max_length=64, choices=action_choices)
    created_at = models.DateTimeField(default=timezone.now)
    # aidant, organisation and usager are indexed by the composite indexes below.
    aidant = _fk(settings.AUTH_USER_MODEL, indexed=False)
    organisation = _fk("aidants.Organisation", indexed=False)
    # The aidant acted upon, when it is not the acting one (added, deactivated...).
    target_aidant = _fk(settings.AUTH_USER_MODEL, indexed=False)
    usager = _fk("mandats.Usager", indexed=False)
    mandat = _fk("mandats.Mandat", indexed=False)
    autorisation = _fk("mandats.Autorisation", indexed=False)
    # The OIDC client (relying party) the action was for; version 1 hashes already had
    # its slot, always null before this field existed.
    client = _fk("oidc.Client", indexed=False)
    details = models.JSONField(default=dict, blank=True)
    hash_version = models.PositiveSmallIntegerField(default=1)
    content_hash = models.CharField(max_length=64)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        permissions = [("audit_journal", "Peut consulter et exporter tout le journal")]
        # The auditor pages order by (created_at, id) and page by keyset on it. Columns
        # that most entries leave empty get partial indexes: an append skips them entirely,
        # and `column = value` still uses them.
        indexes = [
            models.Index(fields=["created_at", "id"], name="journal_entry_time_idx"),
            models.Index(fields=["organisation", "created_at", "id"], name="journal_entry_org_idx"),
            models.Index(fields=["aidant", "created_at", "id"], name="journal_entry_aidant_idx"),
            models.Index(fields=["action", "created_at", "id"], name="journal_entry_action_idx"),
            _partial_index("usager", "created_at", "id", name="journal_entry_usager_idx"),
            _partial_index("client", "created_at", "id", name="journal_entry_client_idx"),
            _partial_index("target_aidant", name="journal_entry_target_idx"),
            _partial_index("mandat", name="journal_entry_mandat_idx"),
            _partial_index("autorisation", name="journal_entry_autorisation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}"


class PendingEntry(models.Model):
    """The sealer's queue: entries waiting for their place in the chain.

    A database trigger inserts one row here with each entry; the sealer removes it once the
    entry is sealed. Removing a row by hand only leaves the entry unsealed, which verify reports.
    """

    entry = models.OneToOneField(Entry, primary_key=True, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return f"Entrée n° {self.entry_id} en attente"


class SealQuerySet(AppendOnlyQuerySet["Seal"]):
    pass


class Seal(AppendOnlyModel):
    """An entry's place in the hash chain: chain_hash = H(previous chain_hash, id, content)."""

    sequence = models.BigIntegerField(primary_key=True)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="seal")
    chain_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    objects = SealQuerySet.as_manager()

    class Meta:
        verbose_name = "scellement"

    def __str__(self) -> str:
        return f"Scellement n° {self.sequence}"


class CheckpointQuerySet(AppendOnlyQuerySet["Checkpoint"]):
    pass


class Checkpoint(AppendOnlyModel):
    """A signed statement of the chain's head at a given size (see journal.signing)."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        verbose_name = "point de contrôle"
        verbose_name_plural = "points de contrôle"

    def __str__(self) -> str:
        return f"Point de contrôle {self.tree_size}"

    def head(self) -> SignedHead:
        return SignedHead(self.tree_size, self.root_hash, self.signed_at)

    def as_text(self) -> str:
        """The signed note, to keep outside the database and check with the public key."""
        return export_text(self.head(), self.key_id, self.signature)


class VerificationRun(models.Model):
    """The result of one verify_journal run, shown on the verification page."""

    started_at = models.DateTimeField(default=timezone.now)
    duration_seconds = models.FloatField()
    ok = models.BooleanField()
    entries_verified = models.BigIntegerField()
    checkpoints_verified = models.IntegerField()
    failed_sequence = models.BigIntegerField(null=True, blank=True)
    failed_entry_id = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        verbose_name = "vérification du journal"
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Vérification du {self.started_at:%Y-%m-%d %H:%M}"

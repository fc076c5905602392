"""Relais as an OpenID Connect provider: clients, codes, tokens and signing keys.

Codes and access tokens are only stored as SHA-256 hashes; see oidc.crypto.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from aidants.validators import validate_demarche_list
from oidc import crypto


class AuthMethod(models.TextChoices):
    CLIENT_SECRET_POST = "client_secret_post", "client_secret_post"
    CLIENT_SECRET_BASIC = "client_secret_basic", "client_secret_basic"
    PRIVATE_KEY_JWT = "private_key_jwt", "private_key_jwt (JWKS du partenaire)"


class SigningAlg(models.TextChoices):
    ES256 = "ES256", "ES256"
    RS256 = "RS256", "RS256"
    HS256 = "HS256", "HS256 (secret du client)"


ASYMMETRIC_ALGS = [SigningAlg.ES256, SigningAlg.RS256]


class ClientQuerySet(models.QuerySet["Client"]):
    def active(self) -> ClientQuerySet:
        return self.filter(is_active=True)


class Client(models.Model):
    """A relying party: FranceConnect or a partner site.

    The client secret is hashed, except for clients that sign with HS256: the secret is
    then the signing key, so it is kept encrypted (Fernet, OIDC_ENCRYPTION_KEY).
    """

    name = models.CharField("nom", max_length=200)
    client_id = models.CharField(max_length=128, unique=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    secret_encrypted = models.TextField(blank=True)
    token_endpoint_auth_method = models.CharField(
        "authentification au point token",
        max_length=32,
        choices=AuthMethod.choices,
        default=AuthMethod.CLIENT_SECRET_BASIC,
    )
    jwks = models.JSONField("JWKS public du partenaire", default=dict, blank=True)
    redirect_uris = models.JSONField("URI de redirection (exactes)", default=list)
    post_logout_redirect_uris = models.JSONField(
        "URI de retour après déconnexion", default=list, blank=True
    )
    id_token_signed_response_alg = models.CharField(
        "signature de l'id_token", max_length=8, choices=SigningAlg.choices, default="ES256"
    )
    userinfo_signed_response_alg = models.CharField(
        "signature de userinfo (vide : JSON)",
        max_length=8,
        choices=SigningAlg.choices,
        blank=True,
    )
    allowed_demarches = models.JSONField(
        "démarches autorisées", default=list, validators=[validate_demarche_list]
    )
    requires_pkce = models.BooleanField("PKCE obligatoire", default=True)
    is_franceconnect = models.BooleanField("FranceConnect", default=False)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = "client OpenID Connect"
        verbose_name_plural = "clients OpenID Connect"
        constraints = [
            models.CheckConstraint(
                condition=~Q(id_token_signed_response_alg="HS256")
                & ~Q(userinfo_signed_response_alg="HS256")
                | ~Q(secret_encrypted=""),
                name="oidc_client_hs256_has_recoverable_secret",
            ),
            models.CheckConstraint(
                condition=Q(secret_encrypted="") | Q(secret_hash=""),
                name="oidc_client_secret_stored_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uses_hs256(self) -> bool:
        return "HS256" in (self.id_token_signed_response_alg, self.userinfo_signed_response_alg)

    def set_secret(self, secret: str) -> None:
        if self.uses_hs256:
            self.secret_encrypted, self.secret_hash = crypto.encrypt(secret), ""
        else:
            self.secret_hash, self.secret_encrypted = crypto.hash_secret(secret), ""

    def recover_secret(self) -> str:
        """The clear secret of an HS256 client, which is also its signing key."""
        if not self.secret_encrypted:
            raise ValueError("Only HS256 clients keep a recoverable secret.")
        return crypto.decrypt(self.secret_encrypted)

    # authlib's ClientMixin
    @property
    def client_metadata(self) -> dict[str, object]:
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OpenID Connect requires redirect_uri in every request.

    def get_allowed_scope(self, scope: str) -> str:
        from oidc.claims import SCOPES_SUPPORTED

        return " ".join(s for s in (scope or "").split() if s in SCOPES_SUPPORTED)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_encrypted:
            return crypto.constant_time_equal(client_secret, self.recover_secret())
        return bool(self.secret_hash) and crypto.secrets_match(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == self.token_endpoint_auth_method
        # The revocation endpoint accepts the same method as the token endpoint.
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class AuthorizationCode(models.Model):
    """One code, issued after the aidant chose the usager and the démarche."""

    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    aidant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "aidants.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    usager = models.ForeignKey("mandats.Usager", on_delete=models.PROTECT, related_name="+")
    autorisation = models.ForeignKey(
        "mandats.Autorisation", on_delete=models.PROTECT, related_name="+"
    )
    demarche = models.CharField(max_length=16)
    redirect_uri = models.TextField()
    scope = models.TextField()
    nonce = models.CharField(max_length=256, blank=True)
    acr = models.CharField(max_length=32)
    claims = models.JSONField(default=dict, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=8, blank=True)
    auth_time = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__lte=F("created_at") + timedelta(seconds=60)),
                name="oidc_code_lives_60s_at_most",
            ),
            models.CheckConstraint(
                condition=~Q(redirect_uri=""), name="oidc_code_redirect_uri_stored"
            ),
        ]
        indexes = [models.Index(fields=["client", "nonce"], name="oidc_code_nonce_idx")]

    def __str__(self) -> str:
        return f"Code {self.pk} ({self.client})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    # authlib's AuthorizationCodeMixin
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce or None

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return ["pwd", "otp"]


class TokenQuerySet(models.QuerySet["Token"]):
    def by_token(self, token: str) -> TokenQuerySet:
        return self.filter(token_hash=crypto.hash_secret(token))


class Token(models.Model):
    """An access token (no refresh tokens), bound to the code it was issued from."""

    token_hash = models.CharField(max_length=64, unique=True)
    code = models.ForeignKey(AuthorizationCode, on_delete=models.PROTECT, related_name="tokens")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    scope = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Jeton {self.pk} ({self.client})"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    # authlib's TokenMixin (used by the revocation endpoint)
    def check_client(self, client: Client) -> bool:
        return self.client_id == client.pk

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.created_at).total_seconds())

    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class SigningKey(models.Model):
    """A private signing key, encrypted at rest; retired keys stay in the JWKS for a while."""

    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=8, choices=[(a.value, a.label) for a in ASYMMETRIC_ALGS])
    private_jwk_encrypted = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "clé de signature"
        verbose_name_plural = "clés de signature"
        constraints = [
            models.UniqueConstraint(
                fields=["alg"], condition=Q(retired_at__isnull=True), name="oidc_one_active_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid}"

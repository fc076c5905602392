from django.contrib import admin
from django.http import HttpRequest

from oidc.models import Client, SigningKey


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "client_id",
        "token_endpoint_auth_method",
        "is_franceconnect",
        "is_active",
    ]
    list_filter = ["is_franceconnect", "is_active", "token_endpoint_auth_method"]
    search_fields = ["name", "client_id"]
    # Secrets are set with `manage.py create_oidc_client`, never shown nor edited here.
    exclude = ["secret_hash", "secret_encrypted"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "alg", "created_at", "retired_at"]
    readonly_fields = ["kid", "alg", "public_jwk", "created_at"]
    exclude = ["private_jwk_encrypted"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `manage.py rotate_signing_key`

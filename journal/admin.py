from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from journal.models import Checkpoint, Entry, VerificationRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """The journal is append-only: the admin only reads it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "action", "aidant", "organisation"]
    list_filter = ["action"]
    list_select_related = ["aidant", "organisation"]
    show_full_result_count = False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "signed_at", "key_id"]


@admin.register(VerificationRun)
class VerificationRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "ok", "entries_verified", "message"]

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.forms import ImportCartesForm
from aidants.models import Aidant, CarteTOTP, Membership, Organisation
from aidants.services import ServiceError, import_cartes


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "type", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "siret"]


@admin.register(Aidant)
class AidantAdmin(UserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "current_organisation")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "first_name", "last_name", "password1", "password2")}),
    )


@admin.register(CarteTOTP)
class CarteTOTPAdmin(admin.ModelAdmin):
    list_display = ["serial", "step", "assigned_to", "created_at"]
    search_fields = ["serial"]
    # The seed is never shown: cards are created by the CSV import only.
    fields = ["serial", "step", "created_at"]
    readonly_fields = ["serial", "step", "created_at"]
    change_list_template = "admin/aidants/cartetotp/change_list.html"

    @admin.display(description="associée à")
    def assigned_to(self, carte: CarteTOTP) -> str:
        return str(carte.device.user) if carte.device else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("importer/", view, name="aidants_cartetotp_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = ImportCartesForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = import_cartes(rows=form.cleaned_data["fichier"])
            except ServiceError as error:
                form.add_error("fichier", str(error))
            else:
                messages.success(request, f"{count} cartes importées.")
                return redirect("admin:aidants_cartetotp_changelist")
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Importer des cartes TOTP",
            "opts": self.model._meta,
        }
        return render(request, "admin/aidants/cartetotp/import.html", context)


class SafeTOTPDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's admin, without the seed or the QR code that reveals it."""

    list_display = ["user", "name", "confirmed", "step"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(None, {"fields": ["user", "name", "confirmed", "step", "tolerance"]})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["step", "tolerance"] if obj else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, SafeTOTPDeviceAdmin)

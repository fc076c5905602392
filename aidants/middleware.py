"""Login is required by Django's LoginRequiredMiddleware; these add OTP and the structure."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.loading import CURRENT_MEMBERSHIP, load_totp_device
from aidants.models import Aidant, Membership

SESSION_SEEN_AT = "relais_seen_at"
SESSION_OTP_STALE = "relais_otp_stale"

ViewFunc = Callable[..., HttpResponse]


def otp_verified(user: object) -> bool:
    """django-otp's OTPMiddleware adds is_verified() to the request's user."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _is_public(view_func: ViewFunc) -> bool:
    return not getattr(view_func, "login_required", True)


def redirect_with_next(url_name: str, request: HttpRequest) -> HttpResponseRedirect:
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(url_name)}?{query}")


TOTP_PERSISTENT_PREFIX = f"{TOTPDevice._meta.app_label}.{TOTPDevice._meta.model_name}/"


class OTPMiddleware(BaseOTPMiddleware):
    """django-otp's, reading the session's TOTP device with one prepared statement instead of
    an ORM query compiled on every page. Other devices go through django-otp."""

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        device_id = persistent_id.removeprefix(TOTP_PERSISTENT_PREFIX)
        if device_id != persistent_id and device_id.isdigit():
            return load_totp_device(int(device_id))
        return super()._device_from_persistent_id(persistent_id)


class OTPRequiredMiddleware:
    """A logged-in aidant must verify an OTP before any view that has not opted out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: ViewFunc, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or _is_public(view_func):
            return None
        if not getattr(view_func, "otp_required", True):
            return None
        if otp_verified(user):
            return None
        return redirect_with_next("aidants:otp", request)


class CurrentOrganisationMiddleware:
    """Sets request.organisation and request.membership from the aidant's current structure.

    An aidant whose structure or membership was deactivated is logged out at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organisation = None  # type: ignore[attr-defined]
        user = request.user
        if isinstance(user, Aidant):
            membership = self._membership(user)
            if membership is None and not (user.is_staff or user.is_auditor):
                logout(request)
                messages.error(request, "Votre compte ou votre structure n'est plus actif.")
                return HttpResponseRedirect(reverse(settings.LOGIN_URL))
            request.membership = membership  # type: ignore[attr-defined]
            request.organisation = membership.organisation if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _membership(user: Aidant) -> Membership | None:
        current = getattr(user, CURRENT_MEMBERSHIP, None)
        if current is not None:
            return current  # loaded with the aidant (aidants.loading), still active
        memberships = Membership.objects.active().filter(aidant=user).select_related("organisation")
        current = (
            memberships.filter(organisation_id=user.current_organisation_id).first()
            if user.current_organisation_id
            else None
        )
        if current is not None:
            return current
        fallback = memberships.order_by("organisation__name").first()
        if fallback is not None:
            # The previous current structure is gone: move to one that is still active.
            Aidant.objects.filter(pk=user.pk).update(current_organisation=fallback.organisation)
            user.current_organisation = fallback.organisation
        return fallback


def touch_interval() -> float:
    """How old the recorded activity may grow before a request records it again.

    Writing the session on every request would cost every page a database write; writing
    it once a minute keeps the idle limits within a minute of exact, and on the safe side:
    the session and the OTP expire at most this much earlier than an exact count would say.
    """
    idle = min(settings.SESSION_COOKIE_AGE, settings.OTP_FRESH_IDLE_SECONDS)
    return max(1.0, min(60.0, idle / 10))


class ActivityMiddleware:
    """Marks the OTP as stale after a period without activity (see otp_fresh_required) and
    keeps the session alive while the aidant is active (see touch_interval)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            seen_at = request.session.get(SESSION_SEEN_AT)
            if seen_at is not None and now - seen_at > settings.SESSION_COOKIE_AGE:
                # Idle too long. The session store drops such a session too (database
                # expiry date, cache timeout), but this holds whatever the store does.
                logout(request)
                return self.get_response(request)
            if seen_at is not None and now - seen_at > settings.OTP_FRESH_IDLE_SECONDS:
                request.session[SESSION_OTP_STALE] = True
            if seen_at is None or now - seen_at >= touch_interval():
                # Modifying the session saves it, which also pushes its expiry back.
                request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)

"""Login in two steps (password, then OTP), enrolment, invitation and logout."""

from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, user_login_failed
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

import journal
from aidants.decorators import otp_not_required
from aidants.forms import InvitationPasswordForm, LoginForm, OTPForm, PasswordForgottenForm
from aidants.middleware import SESSION_OTP_STALE, otp_verified
from aidants.models import Aidant
from aidants.services import ServiceError, confirm_app_device, send_password_link
from journal.models import Action


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("aidants:espace")


def _with_next(url_name: str, request: HttpRequest) -> HttpResponseRedirect:
    next_url = request.POST.get("next") or request.GET.get("next")
    url = reverse(url_name)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return HttpResponseRedirect(url)


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and otp_verified(request.user):
        return HttpResponseRedirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if isinstance(user, Aidant):
            login(request, user)
            return _with_next("aidants:otp", request)
        if not getattr(request, "axes_locked_out", False):
            journal.record(
                Action.LOGIN_FAILED,
                aidant=Aidant.objects.filter(email__iexact=email).first(),
                details={"stage": "password"},
            )
        # One message whatever went wrong: never reveal whether the account exists.
        form.add_error(None, "Adresse électronique ou mot de passe incorrect.")
    return render(request, "aidants/login.html", {"form": form, "next": request.GET.get("next")})


def _complete_verification(request: HttpRequest, user: Aidant, device: Any) -> None:
    first_time = not otp_verified(request.user)
    otp_login(request, device)
    request.session.pop(SESSION_OTP_STALE, None)
    AxesProxyHandler.reset_attempts(username=user.email)
    if first_time:
        journal.record(Action.LOGIN_SUCCEEDED, aidant=user, organisation=user.current_organisation)


@otp_not_required
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, Aidant)
    if not any(True for _ in devices_for_user(user, confirmed=True)):
        return _with_next("aidants:enrol", request)
    credentials = {"username": user.email}
    if not AxesProxyHandler.is_allowed(request, credentials):
        logout(request)
        return get_lockout_response(request, None, credentials)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            _complete_verification(request, user, device)
            return HttpResponseRedirect(_next_url(request))
        journal.record(Action.LOGIN_FAILED, aidant=user, details={"stage": "otp"})
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return get_lockout_response(request, None, credentials)
        form.add_error("code", "Code incorrect ou déjà utilisé.")
    reverify = otp_verified(request.user)
    return render(
        request,
        "aidants/otp.html",
        {"form": form, "next": request.GET.get("next"), "reverify": reverify},
    )


@otp_not_required
@never_cache  # The page shows the new device's seed.
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, Aidant)
    if any(True for _ in devices_for_user(user, confirmed=True)):
        return _with_next("aidants:otp", request)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Application d'authentification", step=30, tolerance=1, confirmed=False
        )
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirm_app_device(aidant=user, device=device, code=form.cleaned_data["code"])
        except ServiceError as error:
            form.add_error("code", str(error))
        else:
            device.refresh_from_db()
            _complete_verification(request, user, device)
            messages.success(request, "Votre application est enregistrée.")
            return HttpResponseRedirect(_next_url(request))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code")
    return render(
        request,
        "aidants/enrol.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": _base32(device),
            "next": request.GET.get("next"),
        },
    )


def _base32(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, Aidant):
        journal.record(
            Action.LOGOUT, aidant=user, organisation=getattr(request, "organisation", None)
        )
    logout(request)
    messages.info(request, "Vous êtes déconnecté.")
    return redirect("aidants:login")


@login_not_required
@require_http_methods(["GET", "POST"])
def password_forgotten_view(request: HttpRequest) -> HttpResponse:
    form = PasswordForgottenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        send_password_link(form.cleaned_data["email"])
        # The same answer whether the account exists or not.
        messages.info(
            request,
            "Si un compte correspond à cette adresse, un lien pour choisir un nouveau mot "
            "de passe vient d'y être envoyé. Il est valable 7 jours.",
        )
        return redirect("aidants:login")
    status = 400 if form.is_bound else 200
    return render(request, "aidants/password_forgotten.html", {"form": form}, status=status)


class InvitationView(PasswordResetConfirmView):
    template_name = "aidants/invitation.html"
    form_class = InvitationPasswordForm
    success_url = reverse_lazy("aidants:invitation_done")
    post_reset_login = False


invitation_view = login_not_required(InvitationView.as_view())


@login_not_required
def invitation_done_view(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Votre mot de passe est enregistré. Vous pouvez vous connecter.")
    return redirect("aidants:login")

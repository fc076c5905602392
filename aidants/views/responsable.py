"""Espace responsable: the aidants of the responsable's current structure only."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.decorators import responsable_required
from aidants.forms import AddAidantForm, AssociateCarteForm
from aidants.models import Aidant, Membership, Role
from aidants.services import (
    ServiceError,
    add_aidant,
    associate_carte,
    remove_device,
    resend_invitation,
    set_membership_active,
)


def _membership(request: HttpRequest, membership_id: int) -> Membership:
    # Another structure's aidant is simply not found.
    return get_object_or_404(
        Membership.objects.select_related("aidant", "organisation"),
        pk=membership_id,
        organisation=request.organisation,  # type: ignore[attr-defined]
    )


def _responsable(request: HttpRequest) -> Aidant:
    assert isinstance(request.user, Aidant)
    return request.user


def _render_aidants(request: HttpRequest, form: AddAidantForm) -> HttpResponse:
    memberships = (
        Membership.objects.filter(organisation=request.organisation)  # type: ignore[attr-defined]
        .select_related("aidant")
        # An enrolment left unconfirmed is not a device the aidant can log in with.
        .annotate(
            device_count=Count("aidant__totpdevice", filter=Q(aidant__totpdevice__confirmed=True))
        )
        .order_by("-is_active", "aidant__last_name", "aidant__first_name")
    )
    return render(
        request,
        "aidants/responsable/aidants.html",
        {"memberships": memberships, "form": form},
        status=400 if form.is_bound else 200,
    )


@responsable_required
def aidants_view(request: HttpRequest) -> HttpResponse:
    return _render_aidants(request, AddAidantForm())


@responsable_required
@require_POST
def add_aidant_view(request: HttpRequest) -> HttpResponse:
    form = AddAidantForm(request.POST)
    if form.is_valid():
        try:
            membership = add_aidant(
                responsable=_responsable(request),
                organisation=request.organisation,  # type: ignore[attr-defined]
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                role=Role(form.cleaned_data["role"]),
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{membership.aidant} a été ajouté à votre structure.")
            return redirect("aidants:responsable_aidant", membership_id=membership.pk)
    return _render_aidants(request, form)


def _render_aidant(
    request: HttpRequest, membership: Membership, form: AssociateCarteForm
) -> HttpResponse:
    devices = TOTPDevice.objects.filter(user=membership.aidant, confirmed=True).select_related(
        "carte"
    )
    return render(
        request,
        "aidants/responsable/aidant.html",
        {"membership": membership, "devices": devices, "form": form},
        status=400 if form.is_bound else 200,
    )


@responsable_required
def aidant_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _render_aidant(request, _membership(request, membership_id), AssociateCarteForm())


def _set_active(request: HttpRequest, membership_id: int, active: bool) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        set_membership_active(
            responsable=_responsable(request), membership=membership, active=active
        )
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        state = "réactivé" if active else "désactivé"
        messages.success(request, f"L'accès de {membership.aidant} est {state}.")
    return redirect("aidants:responsable_aidant", membership_id=membership.pk)


@responsable_required
@require_POST
def deactivate_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _set_active(request, membership_id, active=False)


@responsable_required
@require_POST
def reactivate_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _set_active(request, membership_id, active=True)


@responsable_required
@require_POST
def resend_invitation_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        resend_invitation(responsable=_responsable(request), membership=membership)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Une nouvelle invitation a été envoyée à {membership.aidant.email}."
        )
    return redirect("aidants:responsable_aidant", membership_id=membership.pk)


@responsable_required
@require_POST
def associate_carte_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    form = AssociateCarteForm(request.POST)
    if form.is_valid():
        try:
            associate_carte(
                responsable=_responsable(request),
                membership=membership,
                serial=form.cleaned_data["serial"],
                code=form.cleaned_data["code"],
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "La carte est associée.")
            return redirect("aidants:responsable_aidant", membership_id=membership.pk)
    return _render_aidant(request, membership, form)


@responsable_required
@require_POST
def remove_device_view(request: HttpRequest, membership_id: int, device_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    device = get_object_or_404(TOTPDevice, pk=device_id, user=membership.aidant)
    remove_device(responsable=_responsable(request), membership=membership, device=device)
    messages.success(request, "Le dispositif est retiré.")
    return redirect("aidants:responsable_aidant", membership_id=membership.pk)

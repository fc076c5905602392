"""One mandate: its page, PDF attestations, email, revocation of it or of one démarche."""

from __future__ import annotations

from django.contrib import messages
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidants.models import Aidant
from aidants.services import ServiceError
from mandats.attestation import render_attestation, render_revocation
from mandats.forms import SendAttestationForm
from mandats.models import Autorisation, Mandat
from mandats.services import cancel_mandat, revoke_autorisation


def _mandat(request: HttpRequest, pk: int) -> Mandat:
    queryset = Mandat.objects.for_organisation(request.organisation)  # type: ignore[attr-defined]
    return get_object_or_404(
        queryset.select_related("usager", "organisation", "created_by", "cancelled_by"), pk=pk
    )


def _aidant(request: HttpRequest) -> Aidant:
    assert isinstance(request.user, Aidant)
    return request.user


@require_GET
def mandat_view(request: HttpRequest, pk: int) -> HttpResponse:
    mandat = _mandat(request, pk)
    usager = mandat.usager
    form = SendAttestationForm(initial={"email": usager.contact_email or usager.email})
    return render(request, "mandats/mandat.html", {"mandat": mandat, "send_form": form})


def _pdf(content: bytes, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def attestation_view(request: HttpRequest, pk: int) -> HttpResponse:
    mandat = _mandat(request, pk)
    return _pdf(
        render_attestation(mandat),
        f"mandat-{mandat.pk}.pdf",
        inline="imprimer" in request.GET,
    )


@require_GET
def revocation_view(request: HttpRequest, pk: int) -> HttpResponse:
    mandat = _mandat(request, pk)
    if mandat.cancelled_at is None:
        messages.error(request, "Ce mandat n'est pas révoqué.")
        return redirect("mandats:mandat", pk=pk)
    return _pdf(
        render_revocation(mandat),
        f"revocation-mandat-{mandat.pk}.pdf",
        inline="imprimer" in request.GET,
    )


@require_POST
def send_attestation_view(request: HttpRequest, pk: int) -> HttpResponse:
    mandat = _mandat(request, pk)
    form = SendAttestationForm(request.POST)
    if not form.is_valid():
        return render(request, "mandats/mandat.html", {"mandat": mandat, "send_form": form})
    message = EmailMessage(
        subject="Votre attestation de mandat",
        body=(
            f"Bonjour,\n\nVous trouverez ci-joint l'attestation du mandat que vous avez signé "
            f"avec {mandat.organisation.name}.\nVous pouvez le révoquer à tout moment auprès "
            "de cette structure.\n"
        ),
        to=[form.cleaned_data["email"]],
    )
    message.attach(f"mandat-{mandat.pk}.pdf", render_attestation(mandat), "application/pdf")
    message.send()
    messages.success(request, "L'attestation a été envoyée par courriel.")
    return redirect("mandats:mandat", pk=pk)


@require_http_methods(["GET", "POST"])
def cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    mandat = _mandat(request, pk)
    if request.method == "POST":
        try:
            cancel_mandat(aidant=_aidant(request), organisation=mandat.organisation, mandat=mandat)
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Le mandat est révoqué. Remettez l'attestation de révocation à l'usager."
            )
        return redirect("mandats:mandat", pk=pk)
    return render(request, "mandats/confirm_cancel.html", {"mandat": mandat})


@require_http_methods(["GET", "POST"])
def revoke_autorisation_view(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    autorisation = get_object_or_404(
        Autorisation.objects.for_organisation(organisation).select_related("mandat", "usager"),
        pk=pk,
    )
    if request.method == "POST":
        try:
            revoke_autorisation(
                aidant=_aidant(request), organisation=organisation, autorisation=autorisation
            )
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"La démarche « {autorisation.get_demarche_display()} » est révoquée."
            )
        return redirect("mandats:usager", pk=autorisation.usager_id)
    return render(request, "mandats/confirm_revoke.html", {"autorisation": autorisation})

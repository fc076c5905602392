"""The mandate wizard: démarches and duration, FranceConnect, recap, signature + OTP."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import journal
from aidants.decorators import otp_fresh_required
from aidants.demarches import Demarche
from aidants.models import Aidant
from aidants.services import ServiceError
from journal.models import Action
from mandats import franceconnect, wizard
from mandats.document import CURRENT_VERSION, MANDAT_TEXTS
from mandats.forms import DemarchesForm, SignatureForm
from mandats.franceconnect import FranceConnectError
from mandats.models import Duration, Mandat
from mandats.services import create_mandat, renew_mandat
from mandats.signature import Signature

FC_PURPOSE = "mandat"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _aidant(request: HttpRequest) -> Aidant:
    assert isinstance(request.user, Aidant)
    return request.user


def _next_step(state: wizard.WizardState) -> str:
    if state.identity is None:
        return reverse("mandats:identification")
    return reverse("mandats:recap")


def _choose(request: HttpRequest, *, renew: Mandat | None) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    renew_of = renew.pk if renew else None
    # Coming back from the recap to change the démarches keeps the identification.
    previous = wizard.current(request)
    if previous is not None and previous.renew_of != renew_of:
        previous = None
    initial: dict[str, object] = {}
    if previous is not None:
        initial = {"demarches": previous.demarches, "duration": previous.duration}
    elif renew is not None:
        initial = {
            "demarches": list(renew.autorisations.open().values_list("demarche", flat=True)),
            "duration": renew.duration,
        }
    form = DemarchesForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        state = wizard.start(
            request,
            demarches=form.cleaned_data["demarches"],
            duration=form.cleaned_data["duration"],
            renew_of=renew_of,
        )
        if previous is not None and previous.identity is not None:
            state.identity = previous.identity
        elif renew is not None and not settings.MANDATS_RENEWAL_REQUIRES_FRANCECONNECT:
            state.identity = renew.usager_identity or None
        wizard.save(request, state)
        return _see_other(_next_step(state))
    return render(request, "mandats/wizard/choose.html", {"form": form, "renew": renew})


@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest) -> HttpResponse:
    return _choose(request, renew=None)


@require_http_methods(["GET", "POST"])
def renew_view(request: HttpRequest, pk: int) -> HttpResponse:
    mandat = get_object_or_404(
        Mandat.objects.for_organisation(request.organisation),  # type: ignore[attr-defined]
        pk=pk,
    )
    return _choose(request, renew=mandat)


def _lost(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Commencez par choisir les démarches du mandat.")
    return redirect("mandats:start")


@require_GET
def identification_view(request: HttpRequest) -> HttpResponse:
    state = wizard.current(request)
    if state is None:
        return _lost(request)
    return render(request, "mandats/wizard/identification.html", {"state": state})


def _fc_failure(request: HttpRequest, error: FranceConnectError) -> HttpResponse:
    journal.record(
        Action.FRANCECONNECT_FAILED,
        aidant=_aidant(request),
        organisation=request.organisation,  # type: ignore[attr-defined]
        details={"reason": error.reason},
    )
    return render(
        request, "mandats/wizard/franceconnect_error.html", {"message": error.message}, status=502
    )


@require_POST
def franceconnect_start_view(request: HttpRequest) -> HttpResponse:
    if wizard.current(request) is None:
        return _lost(request)
    try:
        url = franceconnect.authorization_url(request, purpose=FC_PURPOSE)
    except FranceConnectError as error:
        return _fc_failure(request, error)
    return _see_other(url)


@require_GET
def franceconnect_callback_view(request: HttpRequest) -> HttpResponse:
    state = wizard.current(request)
    if state is None:
        return _lost(request)
    try:
        result = franceconnect.complete(request)
        if state.renew_of is not None:
            renewed = get_object_or_404(Mandat, pk=state.renew_of)
            if renewed.usager.sub != result.identity.sub:
                raise FranceConnectError(
                    "renewal_other_person",
                    "La personne identifiée n'est pas le titulaire du mandat à renouveler. "
                    "Aucun mandat n'a été créé.",
                )
    except FranceConnectError as error:
        return _fc_failure(request, error)
    state.identity = result.identity.as_dict()
    wizard.save(request, state)
    journal.record(
        Action.FRANCECONNECT_SUCCEEDED,
        aidant=_aidant(request),
        organisation=request.organisation,  # type: ignore[attr-defined]
        details={"acr": result.acr},
    )
    # The tablet is shared: log the usager out of FranceConnect right away.
    return _see_other(franceconnect.logout_url(request, result))


@require_GET
def franceconnect_logout_view(request: HttpRequest) -> HttpResponse:
    if not franceconnect.check_logout_state(request):
        messages.warning(
            request,
            "La déconnexion de FranceConnect n'a pas pu être confirmée : "
            "fermez l'onglet FranceConnect s'il est encore ouvert.",
        )
    state = wizard.current(request)
    if state is None:
        return _lost(request)
    return redirect(_next_step(state))


def _recap_context(request: HttpRequest, state: wizard.WizardState) -> dict[str, object]:
    demarches = [Demarche(d) for d in state.demarches]
    return {
        "state": state,
        "identity": state.identity,
        "demarches": demarches,
        "duration_label": Duration(state.duration).label,
        # Indicative: the mandate's exact end is set when it is signed.
        "until": timezone.now() + timedelta(days=state.duration),
        "has_argent": Demarche.ARGENT in demarches,
        "text": MANDAT_TEXTS[CURRENT_VERSION],
    }


@require_GET
def recap_view(request: HttpRequest) -> HttpResponse:
    state = wizard.current(request)
    if state is None or state.identity is None:
        return _lost(request)
    return render(request, "mandats/wizard/recap.html", _recap_context(request, state))


@otp_fresh_required
@require_http_methods(["GET", "POST"])
def sign_view(request: HttpRequest) -> HttpResponse:
    aidant = _aidant(request)
    if request.method == "POST":
        done = wizard.finished_mandat_id(request, request.POST.get("wizard_id", ""))
        if done is not None:  # replayed or reloaded after success
            return redirect("mandats:mandat", pk=done)
    state = wizard.current(request)
    if state is None or state.identity is None:
        return _lost(request)
    form = SignatureForm(request.POST or None, aidant=aidant, initial={"wizard_id": state.id})
    if request.method == "POST" and form.is_valid():
        try:
            mandat = _record(request, state, form.signature)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            wizard.finish(request, state, mandat.pk)
            messages.success(request, "Le mandat est signé et enregistré.")
            return _see_other(reverse("mandats:mandat", args=[mandat.pk]))
    context = {**_recap_context(request, state), "form": form}
    return render(request, "mandats/wizard/sign.html", context)


def _record(request: HttpRequest, state: wizard.WizardState, signature: Signature) -> Mandat:
    organisation = request.organisation  # type: ignore[attr-defined]
    identity = state.fc_identity
    assert identity is not None
    if state.renew_of is None:
        return create_mandat(
            aidant=_aidant(request),
            organisation=organisation,
            identity=identity,
            demarches=state.demarches,
            duration=state.duration,
            signature=signature,
            idempotency_key=state.uuid,
        )
    renewed = get_object_or_404(Mandat.objects.for_organisation(organisation), pk=state.renew_of)
    return renew_mandat(
        aidant=_aidant(request),
        organisation=organisation,
        mandat=renewed,
        identity=identity if settings.MANDATS_RENEWAL_REQUIRES_FRANCECONNECT else None,
        demarches=state.demarches,
        duration=state.duration,
        signature=signature,
        idempotency_key=state.uuid,
    )


@require_POST
def abandon_view(request: HttpRequest) -> HttpResponse:
    wizard.abandon(request)
    messages.info(request, "Le mandat a été abandonné. Rien n'a été enregistré.")
    return redirect("aidants:espace")

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aidants.forms import SwitchOrganisationForm
from aidants.models import Aidant, Organisation
from aidants.services import ServiceError, switch_organisation


def _switch_form(aidant: Aidant, data: object = None) -> SwitchOrganisationForm:
    organisations = Organisation.objects.filter(
        memberships__aidant=aidant, memberships__is_active=True, is_active=True
    ).order_by("name")
    return SwitchOrganisationForm(data, organisations=organisations)


def espace_view(request: HttpRequest) -> HttpResponse:
    aidant = request.user
    assert isinstance(aidant, Aidant)
    form = _switch_form(aidant)
    form.initial["organisation"] = request.organisation  # type: ignore[attr-defined]
    can_switch = form.fields["organisation"].queryset.count() > 1  # type: ignore[attr-defined]
    return render(request, "aidants/espace.html", {"switch_form": form, "can_switch": can_switch})


@require_POST
def switch_organisation_view(request: HttpRequest) -> HttpResponse:
    aidant = request.user
    assert isinstance(aidant, Aidant)
    form = _switch_form(aidant, request.POST)
    if not form.is_valid():
        messages.error(request, "Cette structure n'est pas disponible.")
        return redirect("aidants:espace")
    organisation = form.cleaned_data["organisation"]
    try:
        switch_organisation(aidant=aidant, organisation=organisation)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Vous agissez maintenant pour {organisation.name}.")
    return redirect("aidants:espace")

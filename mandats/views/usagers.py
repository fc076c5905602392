"""The usagers of the current structure, an usager's mandates, and the transfer."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from aidants.decorators import responsable_required
from aidants.models import Aidant
from aidants.services import ServiceError
from mandats.forms import TransferForm, UsagerSearchForm
from mandats.models import Mandat
from mandats.queries import TAB_LABELS, Tab, attach_active_demarches, usager_in, usagers_for
from mandats.services import transfer_mandats

PAGE_SIZE = 50


@require_GET
def usagers_view(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    form = UsagerSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    try:
        tab = Tab(request.GET.get("onglet", Tab.ACTIVE))
    except ValueError:
        tab = Tab.ACTIVE
    paginator = Paginator(usagers_for(organisation, tab=tab, q=q), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    attach_active_demarches(page.object_list, organisation)
    tabs = [{"key": t.value, "label": TAB_LABELS[t], "current": t == tab} for t in Tab]
    return render(
        request,
        "mandats/usagers.html",
        {"form": form, "page": page, "tabs": tabs, "tab": tab, "q": q},
    )


@require_GET
def usager_view(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    usager = get_object_or_404(usager_in(organisation), pk=pk)
    mandats = (
        Mandat.objects.for_organisation(organisation)
        .for_usager(usager)
        .select_related("created_by")
        .prefetch_related("autorisations")
        .order_by("-created_at")
    )
    return render(request, "mandats/usager.html", {"usager": usager, "mandats": mandats})


@responsable_required
@require_http_methods(["GET", "POST"])
def transfer_view(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    usager = get_object_or_404(usager_in(organisation), pk=pk)
    form = TransferForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        assert isinstance(request.user, Aidant)
        target = form.cleaned_data["target"]
        try:
            moved = transfer_mandats(
                responsable=request.user, organisation=organisation, usager=usager, target=target
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{len(moved)} mandat(s) transféré(s) à {target.name}.")
            return redirect("mandats:usagers")
    return render(request, "mandats/transfer.html", {"usager": usager, "form": form})

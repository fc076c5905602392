"""The public verification page that the attestation's QR code points to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mandats.models import Mandat


@login_not_required
@require_GET
def verify_view(request: HttpRequest, pk: int, document_hash: str) -> HttpResponse:
    mandat = (
        Mandat.objects.select_related("usager", "organisation")
        .prefetch_related("autorisations")
        .filter(pk=pk, document_hash=document_hash.lower())
        .first()
    )
    if mandat is None:
        # Same page whether the id or the hash is wrong: nothing to probe.
        return render(request, "mandats/verify_not_found.html", status=404)
    autorisations = sorted(mandat.autorisations.all(), key=lambda a: a.demarche)
    return render(
        request, "mandats/verify.html", {"mandat": mandat, "autorisations": autorisations}
    )

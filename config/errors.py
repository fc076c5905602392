"""Error pages in French, for every error a user can meet.

Django's own pages are in English, and its 404 and 403 messages can name a model ("No Usager
matches the given query."). A page shows an exception's message only when Relais raised it
for the user, with NotFound or Forbidden; otherwise a general French message.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


class NotFound(Http404):
    """A 404 whose message, in French, is written for the user and shown on the page."""


class Forbidden(PermissionDenied):
    """A 403 whose message, in French, is written for the user and shown on the page."""


def _message(exception: Exception | None, shown: type[Exception]) -> str:
    if isinstance(exception, shown) and exception.args and isinstance(exception.args[0], str):
        return exception.args[0]
    return ""


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {
        "title": "Page introuvable",
        "message": _message(exception, NotFound)
        or "Cette page n'existe pas, ou vous n'y avez pas accès.",
    }
    return render(request, "errors/error.html", context, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {
        "title": "Accès refusé",
        "message": _message(exception, Forbidden) or "Vous n'avez pas accès à cette page.",
    }
    return render(request, "errors/error.html", context, status=403)

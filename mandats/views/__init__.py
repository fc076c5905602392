"""Views of the mandats app. Every aidant view acts for request.organisation."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from config.errors import Forbidden

ViewFunc = Callable[..., HttpResponse]


def organisation_required(view_func: ViewFunc) -> ViewFunc:
    """Staff and auditors may have no structure: they cannot act for usagers."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "organisation", None) is None:
            raise Forbidden("Vous n'êtes rattaché à aucune structure.")
        return view_func(request, *args, **kwargs)

    return wrapper

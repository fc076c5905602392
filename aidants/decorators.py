from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from aidants.middleware import SESSION_OTP_STALE, redirect_with_next
from config.errors import Forbidden

ViewFunc = Callable[..., HttpResponse]


def otp_not_required(view_func: ViewFunc) -> ViewFunc:
    """Lets a logged-in but not yet OTP-verified aidant reach this view."""
    view_func.otp_required = False  # type: ignore[attr-defined]
    return view_func


def otp_fresh_required(view_func: ViewFunc) -> ViewFunc:
    """Asks for the OTP again when the aidant was idle longer than OTP_FRESH_IDLE_SECONDS."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.session.get(SESSION_OTP_STALE):
            return redirect_with_next("aidants:otp", request)
        return view_func(request, *args, **kwargs)

    return wrapper


def responsable_required(view_func: ViewFunc) -> ViewFunc:
    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if membership is None or not membership.is_responsable:
            raise Forbidden("Réservé aux responsables de structure.")
        return view_func(request, *args, **kwargs)

    return wrapper

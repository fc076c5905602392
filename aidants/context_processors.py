from typing import Any

from django.http import HttpRequest


def current_organisation(request: HttpRequest) -> dict[str, Any]:
    return {
        "current_organisation": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
    }

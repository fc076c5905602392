from typing import Any

from django.http import HttpRequest


def get_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Counts failures on the normalised email, whether from the password or the OTP step."""
    if credentials and credentials.get("username"):
        return str(credentials["username"]).strip().lower()
    return str(request.POST.get("email", "")).strip().lower()

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from aidants.loading import load_aidant
from aidants.models import Aidant


class AidantBackend(ModelBackend):
    """Email login; an aidant without an active structure cannot log in."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Aidant | None:
        email = (username or kwargs.get("email") or "").strip().lower()
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if isinstance(user, Aidant) and user.can_log_in():
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return isinstance(user, Aidant) and user.is_active

    def get_user(self, user_id: Any) -> Aidant | None:
        """The session's aidant, with its current structure, in one query (aidants.loading)."""
        aidant = load_aidant(user_id)
        return aidant if aidant is not None and self.user_can_authenticate(aidant) else None

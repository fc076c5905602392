"""Journal what Django and django-axes report about authentication."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.http import HttpRequest

from journal.models import Action
from journal.recording import record


@receiver(user_locked_out)
def journal_lockout(
    sender: object, request: HttpRequest, username: str | None = None, **kwargs: Any
) -> None:
    aidant = None
    if username:
        aidant = get_user_model().objects.filter(email__iexact=username).first()
    record(Action.LOCKOUT, aidant=aidant, details={"known_account": aidant is not None})

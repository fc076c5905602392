"""Test helpers: a client logged in as after both steps, the invitation link of a mail."""

import re
from typing import Any

from django.core import mail
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import Aidant


def login_verified(client: Client, aidant: Aidant) -> Client:
    device = TOTPDevice.objects.filter(user=aidant, confirmed=True).first()
    assert device is not None, "the aidant needs a confirmed device"
    client.force_login(aidant)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def emailed_invitation_path() -> str:
    """The path of the invitation link in the one mail sent."""
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/invitation/\S+/)", mail.outbox[0].body)
    assert match is not None, mail.outbox[0].body
    return match.group(1)


def set_password_through_link(
    client: Client, path: str, password: str, confirm: str | None = None
) -> tuple[str, Any]:
    """Follows an emailed link and submits a new password; returns the form's URL and the
    response."""
    # Django's view first moves the token into the session, then serves the form.
    page = client.get(path, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    return form_url, client.post(
        form_url, {"new_password1": password, "new_password2": confirm or password}
    )

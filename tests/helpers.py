"""Test helpers: a client logged in as after both steps, the invitation link of a mail."""

import re

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

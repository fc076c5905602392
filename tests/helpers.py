"""Test helpers to log a client in as a real session would be after both steps."""

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

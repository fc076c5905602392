"""aidants.loading: the aidant of each request, its current structure and whether it may
audit, in one query. It must give exactly what the ORM would."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidants.loading import CURRENT_MEMBERSHIP, load_aidant
from aidants.models import Aidant, Membership
from tests.factories import AidantFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_aidant_and_its_structure_are_what_the_orm_loads(aidant: Aidant) -> None:
    with CaptureQueriesContext(connection) as queries:
        loaded = load_aidant(aidant.pk)
        assert loaded is not None
        membership = getattr(loaded, CURRENT_MEMBERSHIP)
        assert loaded.is_auditor is False
        assert membership.organisation.name  # already attached, no query
    assert len(queries) == 1
    assert _fields(loaded) == _fields(Aidant.objects.get(pk=aidant.pk))
    expected = Membership.objects.get(aidant=aidant, organisation=aidant.current_organisation)
    assert _fields(membership) == _fields(expected)
    assert _fields(membership.organisation) == _fields(expected.organisation)
    assert membership.organisation.allowed_demarches == expected.organisation.allowed_demarches
    assert not loaded._state.adding


def test_an_unknown_aidant_is_none() -> None:
    assert load_aidant(10**9) is None


@pytest.mark.parametrize("deactivate", ["membership", "organisation", "no_current"])
def test_no_current_membership_once_it_or_its_structure_is_inactive(
    aidant: Aidant, deactivate: str
) -> None:
    membership = Membership.objects.get(aidant=aidant)
    if deactivate == "membership":
        Membership.objects.filter(pk=membership.pk).update(is_active=False)
    elif deactivate == "organisation":
        type(membership.organisation).objects.filter(pk=membership.organisation_id).update(
            is_active=False
        )
    else:
        Aidant.objects.filter(pk=aidant.pk).update(current_organisation=None)
    loaded = load_aidant(aidant.pk)
    assert loaded is not None
    assert getattr(loaded, CURRENT_MEMBERSHIP) is None


def test_the_membership_is_the_current_structures_not_another_one(aidant: Aidant) -> None:
    other: Any = OrganisationFactory()
    Membership.objects.create(aidant=aidant, organisation=other, role="responsable")
    loaded = load_aidant(aidant.pk)
    assert getattr(loaded, CURRENT_MEMBERSHIP).organisation_id == aidant.current_organisation_id
    Aidant.objects.filter(pk=aidant.pk).update(current_organisation=other)
    assert getattr(load_aidant(aidant.pk), CURRENT_MEMBERSHIP).organisation_id == other.pk


@pytest.mark.parametrize("how", ["none", "direct", "group", "superuser", "inactive"])
def test_is_auditor_is_the_models_answer(how: str) -> None:
    aidant: Any = AidantFactory()
    permission = Permission.objects.get(content_type__app_label="journal", codename="audit_journal")
    if how == "direct":
        aidant.user_permissions.add(permission)
    elif how == "group":
        group = Group.objects.create(name="Contrôle")
        group.permissions.add(permission)
        aidant.groups.add(group)
    elif how == "superuser":
        Aidant.objects.filter(pk=aidant.pk).update(is_superuser=True)
    elif how == "inactive":
        aidant.user_permissions.add(permission)
        Aidant.objects.filter(pk=aidant.pk).update(is_active=False)
    loaded = load_aidant(aidant.pk)
    assert loaded is not None
    expected = Aidant.objects.get(pk=aidant.pk).is_auditor
    assert loaded.is_auditor is expected
    assert expected is (how in ("direct", "group", "superuser"))


def test_another_permission_does_not_make_an_auditor() -> None:
    aidant: Any = AidantFactory()
    aidant.user_permissions.add(Permission.objects.get(codename="view_entry"))
    loaded = load_aidant(aidant.pk)
    assert loaded is not None and loaded.is_auditor is False


def test_the_totp_device_is_what_the_orm_loads(aidant: Aidant) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aidants.loading import load_totp_device

    device = TOTPDevice.objects.get(user=aidant)
    loaded = load_totp_device(device.pk)
    assert loaded is not None
    assert _fields(loaded) == _fields(device)
    assert loaded.persistent_id == device.persistent_id
    assert load_totp_device(10**9) is None


@pytest.mark.parametrize("change", ["unconfirmed", "other_aidant", "deleted"])
def test_a_session_device_that_no_longer_fits_is_not_verified(
    client: Any, aidant: Aidant, change: str
) -> None:
    """The session keeps the device it was verified with; the page is only served while
    that device is still the aidant's own and confirmed (django-otp's rule, kept by
    aidants.middleware.OTPMiddleware)."""
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.helpers import login_verified

    login_verified(client, aidant)
    espace = reverse("aidants:espace")
    assert client.get(espace).status_code == 200
    device = TOTPDevice.objects.get(user=aidant)
    if change == "unconfirmed":
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    elif change == "other_aidant":
        TOTPDevice.objects.filter(pk=device.pk).update(user=AidantFactory())
    else:
        device.delete()
    response = client.get(espace)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("aidants:otp"))

"""An aidant of several structures switches the current one; the switch is journaled."""

import pytest
from django.urls import reverse

from aidants.models import Aidant
from journal.models import Action, Entry
from tests.factories import MembershipFactory, OrganisationFactory
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db

SWITCH = reverse("aidants:switch_organisation")
ESPACE = reverse("aidants:espace")


@pytest.fixture
def second(aidant):
    """A second structure the aidant belongs to, named to sort after the first."""
    organisation = OrganisationFactory(name="Zz Seconde structure")
    MembershipFactory(aidant=aidant, organisation=organisation)
    return organisation


def test_espace_offers_the_switch_only_with_several_structures(client, aidant, organisation):
    login_verified(client, aidant)
    assert "Changer de structure" not in client.get(ESPACE).content.decode()
    MembershipFactory(aidant=aidant, organisation=OrganisationFactory())
    assert "Changer de structure" in client.get(ESPACE).content.decode()


def test_switching_to_an_own_structure_works_and_is_journaled(client, aidant, organisation, second):
    login_verified(client, aidant)
    response = client.post(SWITCH, {"organisation": second.pk})
    assert response.status_code == 302
    aidant.refresh_from_db()
    assert aidant.current_organisation == second
    page = client.get(ESPACE)
    assert page.context["current_organisation"] == second
    assert f"Vous agissez maintenant pour {second.name}" in page.content.decode()
    entry = Entry.objects.get(action=Action.ORGANISATION_SWITCHED)
    assert (entry.aidant, entry.organisation) == (aidant, second)
    assert entry.details == {"from_organisation_id": organisation.pk}


def test_switching_to_another_structure_is_refused(
    client, aidant, organisation, other_organisation
):
    foreign = other_organisation
    login_verified(client, aidant)
    response = client.post(SWITCH, {"organisation": foreign.pk}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Cette structure n'est pas disponible."]
    aidant.refresh_from_db()
    assert aidant.current_organisation == organisation
    assert not Entry.objects.filter(action=Action.ORGANISATION_SWITCHED).exists()


@pytest.mark.parametrize("what", ["membership", "organisation"])
def test_switching_to_a_deactivated_structure_is_refused(
    client, aidant, organisation, second, what
):
    if what == "membership":
        aidant.memberships.filter(organisation=second).update(is_active=False)
    else:
        second.is_active = False
        second.save()
    login_verified(client, aidant)
    client.post(SWITCH, {"organisation": second.pk})
    aidant.refresh_from_db()
    assert aidant.current_organisation == organisation
    assert not Entry.objects.filter(action=Action.ORGANISATION_SWITCHED).exists()


def test_switching_requires_post(client, aidant, second):
    login_verified(client, aidant)
    assert client.get(SWITCH, {"organisation": second.pk}).status_code == 405
    aidant.refresh_from_db()
    assert aidant.current_organisation != second


def test_switch_service_refuses_a_foreign_structure(aidant, organisation):
    from aidants.services import ServiceError, switch_organisation

    with pytest.raises(ServiceError, match="ne faites pas partie"):
        switch_organisation(aidant=aidant, organisation=OrganisationFactory())
    assert Aidant.objects.get(pk=aidant.pk).current_organisation == organisation


@pytest.mark.parametrize("what", ["membership", "organisation"])
def test_middleware_falls_back_to_another_active_membership(
    client, aidant, organisation, second, what
):
    login_verified(client, aidant)
    if what == "membership":
        aidant.memberships.filter(organisation=organisation).update(is_active=False)
    else:
        organisation.is_active = False
        organisation.save()
    response = client.get(ESPACE)
    assert response.status_code == 200
    assert response.context["current_organisation"] == second
    aidant.refresh_from_db()
    assert aidant.current_organisation == second


def test_responsable_rights_follow_the_current_structure(client, aidant, organisation, second):
    """Responsable in the second structure only: the espace responsable opens after the switch."""
    aidant.memberships.filter(organisation=second).update(role="responsable")
    login_verified(client, aidant)
    responsable_url = reverse("aidants:responsable")
    assert client.get(responsable_url).status_code == 403
    client.post(SWITCH, {"organisation": second.pk})
    page = client.get(responsable_url)
    assert page.status_code == 200
    assert page.context["current_organisation"] == second


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory()

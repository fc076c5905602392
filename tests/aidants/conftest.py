import pytest

from aidants.services import add_aidant


@pytest.fixture
def invited_membership(responsable, organisation, django_capture_on_commit_callbacks):
    """A new aidant added by the responsable: invited by mail, no password chosen yet."""
    with django_capture_on_commit_callbacks(execute=True):
        return add_aidant(
            responsable=responsable,
            organisation=organisation,
            email="invitee@relais.test",
            first_name="Inès",
            last_name="Invitée",
        )

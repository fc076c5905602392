from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

import journal
from journal.models import Action, Entry
from journal.sealing import make_checkpoint, seal_pending


@pytest.fixture
def sealed_entries(aidant: Any) -> Callable[..., list[Entry]]:
    """Writes n entries, seals them and signs a checkpoint."""

    def make(n: int = 6, *, checkpoint: bool = True) -> list[Entry]:
        entries = [
            journal.record(
                Action.LOGIN_SUCCEEDED,
                aidant=aidant,
                organisation=aidant.current_organisation,
                details={"n": i, "note": "é"},
            )
            for i in range(n)
        ]
        seal_pending()
        if checkpoint:
            make_checkpoint(force=True)
        return entries

    return make


@contextmanager
def triggers_disabled() -> Iterator[Any]:
    """Act as the database superuser who switched every trigger (and foreign key) off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def auditor(db: Any) -> Any:
    from django.contrib.auth.models import Group, Permission

    from tests.factories import AidantFactory, add_totp_device

    group, _ = Group.objects.get_or_create(name="Auditeurs")
    group.permissions.add(Permission.objects.get(codename="audit_journal"))
    auditor = AidantFactory()
    auditor.groups.add(group)  # type: ignore[attr-defined]
    add_totp_device(auditor)
    return auditor


@pytest.fixture
def other_organisation_entry(db: Any) -> Entry:
    from tests.factories import AidantFactory, MembershipFactory, OrganisationFactory

    other = OrganisationFactory()
    someone = AidantFactory(current_organisation=other)
    MembershipFactory(aidant=someone, organisation=other)
    return journal.record(Action.LOGOUT, aidant=someone, organisation=other)


@pytest.fixture
def oidc_client(db: Any) -> Any:
    from oidc.services import create_client

    client, _secret = create_client(
        name="Démarche en ligne",
        redirect_uris=["https://partenaire.example.fr/retour"],
        allowed_demarches=["papiers"],
    )
    return client

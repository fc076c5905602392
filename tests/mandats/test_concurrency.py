"""Two concurrent creations on real PostgreSQL, one connection per thread."""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from mandats.models import Autorisation, CloseReason, Mandat
from mandats.services import create_mandat
from tests.factories import MandatFactory, UsagerFactory
from tests.mandats.conftest import make_identity

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target: Callable[[], Any], results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = target()
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_database_refuses_a_second_open_autorisation_for_the_same_triple(aidant, organisation):
    usager = UsagerFactory()
    first = MandatFactory(organisation=organisation, usager=usager, created_by=aidant)
    second = MandatFactory(organisation=organisation, usager=usager, created_by=aidant)
    first_inserted = threading.Event()
    release_first = threading.Event()
    results: dict[str, Any] = {}

    def insert_first() -> int:
        with transaction.atomic():
            row = Autorisation.objects.create(
                mandat=first, organisation=organisation, usager=usager, demarche="papiers"
            )
            first_inserted.set()
            release_first.wait(10)
        return row.pk

    def insert_second() -> int:
        first_inserted.wait(10)
        with transaction.atomic():
            # Blocks on the unique index until the first transaction commits, then fails.
            return Autorisation.objects.create(
                mandat=second, organisation=organisation, usager=usager, demarche="papiers"
            ).pk

    threads = [
        _in_thread(insert_first, results, "first"),
        _in_thread(insert_second, results, "second"),
    ]
    time.sleep(0.5)
    release_first.set()
    for thread in threads:
        thread.join(20)
    assert isinstance(results["first"], int)
    assert isinstance(results["second"], IntegrityError)
    assert Autorisation.objects.open().filter(usager=usager, demarche="papiers").count() == 1


def test_concurrent_create_mandat_leave_one_open_autorisation_per_demarche(
    aidant, organisation, signature
):
    identity = make_identity(42)
    first_done = threading.Event()
    release_first = threading.Event()
    results: dict[str, Any] = {}

    def create(hold: bool) -> Mandat:
        with transaction.atomic():
            mandat = create_mandat(
                aidant=aidant,
                organisation=organisation,
                identity=identity,
                demarches=["papiers", "social"],
                duration=365,
                signature=signature,
            )
            if hold:
                first_done.set()
                release_first.wait(10)
        return mandat

    def create_second() -> Mandat:
        first_done.wait(10)
        return create(hold=False)

    threads = [
        _in_thread(lambda: create(hold=True), results, "first"),
        _in_thread(create_second, results, "second"),
    ]
    time.sleep(0.5)
    # The second creation is still waiting for the first one's lock.
    assert "second" not in results
    release_first.set()
    for thread in threads:
        thread.join(20)
    first, second = results["first"], results["second"]
    assert isinstance(first, Mandat) and isinstance(second, Mandat), results
    open_rows = Autorisation.objects.open().filter(usager=second.usager)
    assert sorted(open_rows.values_list("demarche", flat=True)) == ["papiers", "social"]
    assert set(open_rows.values_list("mandat_id", flat=True)) == {second.pk}
    assert set(
        Autorisation.objects.filter(mandat=first).values_list("close_reason", flat=True)
    ) == {CloseReason.SUPERSEDED}

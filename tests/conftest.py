"""Shared test set-up: real PostgreSQL only, strict templates, and the factories' fixtures."""

from typing import Any

import pytest
from django.conf import settings

from tests.factories import AidantFactory, MembershipFactory, OrganisationFactory, add_totp_device
from tests.journal_maintenance import allow_test_flush


class _InvalidTemplateVariable(str):
    """string_if_invalid that fails the test on an undefined template variable."""

    def __mod__(self, name: Any) -> str:
        raise AssertionError(f"Undefined template variable: {name}")


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            f"Relais tests run on PostgreSQL only, not {engine}: use `make test`."
        )
    # Journal: let the flush between transactional tests through the TRUNCATE guard.
    allow_test_flush()


@pytest.fixture(autouse=True)
def _strict_templates(settings: Any) -> None:
    for template in settings.TEMPLATES:
        template.setdefault("OPTIONS", {})["string_if_invalid"] = _InvalidTemplateVariable("%s")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def organisation(db: Any) -> Any:
    return OrganisationFactory()


@pytest.fixture
def aidant(organisation: Any) -> Any:
    aidant = AidantFactory(current_organisation=organisation)
    MembershipFactory(aidant=aidant, organisation=organisation)
    add_totp_device(aidant)
    return aidant


@pytest.fixture
def responsable(organisation: Any) -> Any:
    responsable = AidantFactory(current_organisation=organisation)
    MembershipFactory(aidant=responsable, organisation=organisation, role="responsable")
    add_totp_device(responsable)
    return responsable

from collections.abc import Iterator
from typing import Any

import pytest

from mandats.identity import FranceConnectIdentity
from mandats.signature import drawn_signature
from tests.sandbox.process import FCSandbox, running_fc_sandbox


def make_identity(n: int = 1, **overrides: str) -> FranceConnectIdentity:
    values = {
        "sub": f"{n:064x}v1",
        "given_name": "Angela Claire Louise",
        "family_name": "DUBOIS",
        "birthdate": "1962-08-24",
        "gender": "female",
        "birthplace": "75107",
        "birthcountry": "99100",
        "email": "angela.dubois@example.fr",
        "preferred_username": "",
    }
    values.update(overrides)
    return FranceConnectIdentity(**values)


SIGNATURE_JSON = (
    '{"width": 600, "height": 200, "strokes": '
    "[[[10, 10], [20, 30], [40, 35], [80, 60]], [[100, 100], [120, 110], [130, 90.04]]]}"
)


@pytest.fixture
def identity() -> FranceConnectIdentity:
    return make_identity()


@pytest.fixture
def signature() -> Any:
    return drawn_signature(SIGNATURE_JSON)


@pytest.fixture(scope="session")
def fc_sandbox() -> Iterator[FCSandbox]:
    with running_fc_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def fc_settings(settings: Any, fc_sandbox: FCSandbox) -> FCSandbox:
    settings.FRANCECONNECT = fc_sandbox.settings()
    return fc_sandbox

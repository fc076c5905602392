from collections.abc import Iterator

import pytest

from tests.sandbox.process import FCSandbox, running_fc_sandbox


@pytest.fixture(scope="session")
def fc_sandbox() -> Iterator[FCSandbox]:
    with running_fc_sandbox() as sandbox:
        yield sandbox

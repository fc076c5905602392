from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from oidc.models import Token
from tests.oidc.conftest import Flow
from tests.production import PRODUCTION_ENV, run_python

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_of_one_code_issue_one_token(
    partner_flow: Flow, usager: Any
) -> None:
    code = partner_flow.code(usager)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def redeem() -> None:
        barrier.wait()
        try:
            results.append(partner_flow.token(code).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 400]
    # The loser saw a used code: it is a replay, so the winner's token is revoked too.
    assert Token.objects.count() == 1
    assert Token.objects.get().revoked_at is not None


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    without_oidc = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("OIDC_")}
    return run_python("import config.settings", **without_oidc, **env)


def test_production_refuses_missing_or_development_oidc_secrets() -> None:
    missing = _import_settings()
    assert missing.returncode != 0
    assert "OIDC_ENCRYPTION_KEY must be set" in missing.stderr
    dev = _import_settings(
        OIDC_ENCRYPTION_KEY="dev-only-oidc-encryption-key-never-use-in-production",
        OIDC_PAIRWISE_SALT="p" * 40,
    )
    assert dev.returncode != 0
    ok = _import_settings(OIDC_ENCRYPTION_KEY="k" * 40, OIDC_PAIRWISE_SALT="p" * 40)
    assert ok.returncode == 0, ok.stderr

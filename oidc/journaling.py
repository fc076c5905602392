"""Journal entries of the OIDC provider. Never a code, token or secret: ids only.

After the journal branch lands, pass usager=, autorisation= and client= as foreign keys
instead of the ids in details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import journal
from journal.models import Action

if TYPE_CHECKING:
    from aidants.models import Aidant, Organisation
    from oidc.models import AuthorizationCode, Client


def _code_details(code: AuthorizationCode) -> dict[str, object]:
    return {
        "client_id": code.client.client_id,
        "usager_id": code.usager_id,
        "autorisation_id": code.autorisation_id,
        "mandat_id": code.autorisation.mandat_id,
        "demarche": code.demarche,
        "code_id": code.pk,
    }


def autorisation_used(*, code: AuthorizationCode) -> None:
    journal.record(
        Action.OIDC_AUTORISATION_USED,
        aidant=code.aidant,
        organisation=code.organisation,
        details=_code_details(code),
    )


def autorisation_refused(*, code: AuthorizationCode, reason: str) -> None:
    journal.record(
        Action.OIDC_AUTORISATION_REFUSED,
        aidant=code.aidant,
        organisation=code.organisation,
        details=_code_details(code) | {"reason": reason},
    )


def code_replayed(*, code: AuthorizationCode, revoked_tokens: int) -> None:
    journal.record(
        Action.OIDC_CODE_REPLAYED,
        aidant=code.aidant,
        organisation=code.organisation,
        details=_code_details(code) | {"revoked_tokens": revoked_tokens},
    )


def client_auth_failed(*, client_id: str, endpoint: str) -> None:
    journal.record(
        Action.OIDC_CLIENT_AUTH_FAILED, details={"client_id": client_id, "endpoint": endpoint}
    )


def logged_out(*, aidant: Aidant, organisation: Organisation | None, client: Client | None) -> None:
    journal.record(
        Action.OIDC_LOGOUT,
        aidant=aidant,
        organisation=organisation,
        details={"client_id": client.client_id if client else ""},
    )

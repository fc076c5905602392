"""Journal entries of the OIDC provider. Never a code, token or secret.

The usager, mandat and autorisation are foreign keys of the entry. The client is named by
its client_id in details: Entry has no client foreign key yet (journal's extension point,
which also needs client_id in journal.verification's recomputation of the content hash).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import journal
from journal.models import Action

if TYPE_CHECKING:
    from aidants.models import Aidant, Organisation
    from oidc.models import AuthorizationCode, Client


def _code_details(code: AuthorizationCode) -> dict[str, object]:
    return {"client_id": code.client.client_id, "demarche": code.demarche, "code_id": code.pk}


def _code_links(code: AuthorizationCode) -> dict[str, Any]:
    return {
        "aidant": code.aidant,
        "organisation": code.organisation,
        "usager": code.usager,
        "autorisation": code.autorisation,
        "mandat": code.autorisation.mandat,
    }


def autorisation_used(*, code: AuthorizationCode) -> None:
    journal.record(
        Action.OIDC_AUTORISATION_USED,
        **_code_links(code),
        details=_code_details(code),
    )


def autorisation_refused(*, code: AuthorizationCode, reason: str) -> None:
    journal.record(
        Action.OIDC_AUTORISATION_REFUSED,
        **_code_links(code),
        details=_code_details(code) | {"reason": reason},
    )


def code_replayed(*, code: AuthorizationCode, revoked_tokens: int) -> None:
    journal.record(
        Action.OIDC_CODE_REPLAYED,
        **_code_links(code),
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

"""The lookups every step of an OIDC flow makes, each one prepared statement (see
config.rows): the client; the code a token request exchanges and the access token behind a
userinfo request, each with everything its answer needs and the re-checks of its grant.

Through the ORM, compiling these queries cost more than everything else the endpoints do.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.utils import timezone

from aidants.models import Aidant, Membership, Organisation
from config.rows import fetch_one, instances, select_list
from mandats.models import Autorisation, Mandat, Usager
from oidc.crypto import hash_secret
from oidc.models import AuthorizationCode, Client, Token


def _table(model: Any) -> str:
    return f'"{model._meta.db_table}"'


# Autorisation.objects.active() for an autorisation au of the mandate mm: open, and the
# mandate neither cancelled nor expired. A rule added there must be added here too.
ACTIVE_AUTORISATION = "au.closed_at IS NULL AND mm.cancelled_at IS NULL AND mm.expires_at > %(now)s"


def _code_joins() -> str:
    """From the code k to its usager u, aidant a and organisation o, which _grant_checks
    reads."""
    return f"""
        INNER JOIN {_table(Usager)} u ON u.id = k.usager_id
        INNER JOIN {_table(Aidant)} a ON a.id = k.aidant_id
        INNER JOIN {_table(Organisation)} o ON o.id = k.organisation_id
    """


def _code_columns() -> str:
    return (
        f"{select_list(AuthorizationCode, 'k')}, {select_list(Usager, 'u')}, "
        f"{select_list(Aidant, 'a')}, {select_list(Organisation, 'o')}"
    )


def _grant_checks() -> str:
    """The two re-checks of a code's grant, as columns: aidant_is_member, then
    autorisation_is_active. They read the code as k, its aidant as a and its organisation
    as o (_code_joins). The aidant is active and still an active member of the code's
    organisation, which is active; the autorisation is open, in that organisation, and its
    mandate neither cancelled nor expired. tests/oidc/test_userinfo.py and
    test_mandate_cases.py check each rule."""
    return f"""(
        a.is_active = %(true)s AND o.is_active = %(true)s AND EXISTS (
            SELECT 1 FROM {_table(Membership)} m
            WHERE m.aidant_id = k.aidant_id AND m.organisation_id = k.organisation_id
              AND m.is_active = %(true)s
        )
    ), EXISTS (
        SELECT 1 FROM {_table(Autorisation)} au
        INNER JOIN {_table(Mandat)} mm ON mm.id = au.mandat_id
        WHERE au.id = k.autorisation_id AND au.organisation_id = k.organisation_id
          AND {ACTIVE_AUTORISATION}
    )"""  # noqa: S608 (names from the models' metadata; values are parameters)


@functools.cache
def _token_statement() -> str:
    return f"""
        SELECT {select_list(Token, "t")}, {select_list(Client, "c")}, {_code_columns()},
               {_grant_checks()}
        FROM {_table(Token)} t
        INNER JOIN {_table(Client)} c ON c.id = t.client_id
        INNER JOIN {_table(AuthorizationCode)} k ON k.id = t.code_id
        {_code_joins()}
        WHERE t.token_hash = %(hash)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s
    """  # noqa: S608 (names from the models' metadata; values are parameters)


@functools.cache
def _code_statement() -> str:
    # The row stays locked until the token endpoint's transaction ends, so that two
    # exchanges of one code can't both succeed. SQLite (make run) locks the whole database
    # on write instead and has no FOR UPDATE.
    lock = " FOR UPDATE OF k" if connection.features.has_select_for_update_of else ""
    return f"""
        SELECT {_code_columns()},
               {select_list(Autorisation, "ka")}, {select_list(Mandat, "km")},
               {_grant_checks()}
        FROM {_table(AuthorizationCode)} k
        {_code_joins()}
        INNER JOIN {_table(Autorisation)} ka ON ka.id = k.autorisation_id
        INNER JOIN {_table(Mandat)} km ON km.id = ka.mandat_id
        WHERE k.code_hash = %(hash)s AND k.client_id = %(client)s{lock}
    """  # noqa: S608 (names from the models' metadata; values are parameters)


@functools.cache
def _client_statement() -> str:
    return f"""
        SELECT {select_list(Client, "c")} FROM {_table(Client)} c
        WHERE c.client_id = %(client_id)s AND c.is_active = %(true)s
    """  # noqa: S608 (names from the model's metadata; values are parameters)


def active_client(client_id: str) -> Client | None:
    """Client.objects.active() by client_id: every step of a flow looks its client up."""
    row = _fetch(_client_statement(), {"client_id": client_id})
    if row is None:
        return None
    (client,), _ = instances(row, Client)
    return client


@functools.cache
def _autorisations_statement(demarches: int) -> str:
    placeholders = ", ".join(f"%(demarche{n})s" for n in range(demarches))
    return f"""
        SELECT {select_list(Autorisation, "au")}, {select_list(Usager, "u")},
               {select_list(Mandat, "mm")}
        FROM {_table(Autorisation)} au
        INNER JOIN {_table(Usager)} u ON u.id = au.usager_id
        INNER JOIN {_table(Mandat)} mm ON mm.id = au.mandat_id
        WHERE au.organisation_id = %(organisation)s AND au.usager_id = %(usager)s
          AND au.demarche IN ({placeholders}) AND {ACTIVE_AUTORISATION}
        ORDER BY au.demarche
    """  # noqa: S608 (names from the models' metadata; values are parameters)


def usager_autorisations(
    *, organisation: Organisation, demarches: list[str], usager_id: int
) -> list[Autorisation]:
    """The usager's active autorisations in the organisation for these démarches, with the
    usager and the mandate attached, by démarche: the démarche page and its POST."""
    if not demarches:
        return []
    params: dict[str, Any] = {
        "organisation": organisation.pk,
        "usager": usager_id,
        "now": timezone.now(),
        **{f"demarche{n}": demarche for n, demarche in enumerate(demarches)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_autorisations_statement(len(demarches)), params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        (autorisation, usager, mandat), _ = instances(row, Autorisation, Usager, Mandat)
        autorisation.usager, autorisation.mandat = usager, mandat
        found.append(autorisation)
    return found


def nonce_used(client: Client, nonce: str) -> bool:
    """Whether a code was already issued to the client with this nonce (authlib asks on
    each authorization request)."""
    row = _fetch(
        f"SELECT 1 FROM {_table(AuthorizationCode)} "  # noqa: S608 (a name from the model)
        "WHERE client_id = %(client)s AND nonce = %(nonce)s LIMIT 1",
        {"client": client.pk, "nonce": nonce},
    )
    return row is not None


def _fetch(statement: str, params: dict[str, Any]) -> Any:
    return fetch_one(statement, {"now": timezone.now(), "true": True, **params})


def code_for_exchange(code: str, client: Client) -> AuthorizationCode | None:
    """The client's code, locked, with its usager, aidant, organisation and autorisation
    (and its mandate) attached and the aidant_is_member and autorisation_is_active checks;
    or None. Used or expired codes are returned too: the caller tells them apart."""
    row = _fetch(_code_statement(), {"hash": hash_secret(code), "client": client.pk})
    if row is None:
        return None
    (found, usager, aidant, organisation, autorisation, mandat), checks = instances(
        row, AuthorizationCode, Usager, Aidant, Organisation, Autorisation, Mandat
    )
    autorisation.mandat = mandat
    found.client, found.usager, found.aidant = client, usager, aidant
    found.organisation, found.autorisation = organisation, autorisation
    found.aidant_is_member, found.autorisation_is_active = (bool(value) for value in checks)
    return found


def valid_token(access_token: str) -> Token | None:
    """The unexpired, unrevoked token, with token.code (its usager, aidant, organisation and
    client attached) and the aidant_is_member and autorisation_is_active checks; or None."""
    row = _fetch(_token_statement(), {"hash": hash_secret(access_token)})
    if row is None:
        return None
    (token, client, code, usager, aidant, organisation), checks = instances(
        row, Token, Client, AuthorizationCode, Usager, Aidant, Organisation
    )
    token.client = client
    token.code = code
    code.client, code.usager, code.aidant, code.organisation = client, usager, aidant, organisation
    token.aidant_is_member, token.autorisation_is_active = (bool(value) for value in checks)
    return token

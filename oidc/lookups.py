"""The access token behind a userinfo request, with everything its answer needs, in one
prepared statement (see config.rows): the token, its client, its code with the usager, the
aidant and the organisation, and the two re-checks of oidc.server.grant_checks.

userinfo is the partners' machine-to-machine call; through the ORM, compiling this query
cost more than everything else the endpoint does.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.utils import timezone

from aidants.models import Aidant, Membership, Organisation
from config.rows import instances, select_list
from mandats.models import Autorisation, Mandat, Usager
from oidc.crypto import hash_secret
from oidc.models import AuthorizationCode, Client, Token


def _table(model: Any) -> str:
    return f'"{model._meta.db_table}"'


@functools.cache
def _statement() -> str:
    # The same rules as grant_checks(): the aidant is active and still an active member of
    # the code's organisation, which is active; the autorisation is open, in that
    # organisation, and its mandate neither cancelled nor expired.
    # tests/oidc/test_userinfo.py checks each of them.
    aidant_is_member = f"""(
        a.is_active = %(true)s AND o.is_active = %(true)s AND EXISTS (
            SELECT 1 FROM {_table(Membership)} m
            WHERE m.aidant_id = k.aidant_id AND m.organisation_id = k.organisation_id
              AND m.is_active = %(true)s
        )
    )"""  # noqa: S608
    autorisation_is_active = f"""EXISTS (
        SELECT 1 FROM {_table(Autorisation)} au
        INNER JOIN {_table(Mandat)} mm ON mm.id = au.mandat_id
        WHERE au.id = k.autorisation_id AND au.organisation_id = k.organisation_id
          AND au.closed_at IS NULL AND mm.cancelled_at IS NULL AND mm.expires_at > %(now)s
    )"""  # noqa: S608
    return f"""
        SELECT {select_list(Token, "t")}, {select_list(Client, "c")},
               {select_list(AuthorizationCode, "k")}, {select_list(Usager, "u")},
               {select_list(Aidant, "a")}, {select_list(Organisation, "o")},
               {aidant_is_member}, {autorisation_is_active}
        FROM {_table(Token)} t
        INNER JOIN {_table(Client)} c ON c.id = t.client_id
        INNER JOIN {_table(AuthorizationCode)} k ON k.id = t.code_id
        INNER JOIN {_table(Usager)} u ON u.id = k.usager_id
        INNER JOIN {_table(Aidant)} a ON a.id = k.aidant_id
        INNER JOIN {_table(Organisation)} o ON o.id = k.organisation_id
        WHERE t.token_hash = %(hash)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s
    """  # noqa: S608 (names from the models' metadata; values are parameters)


def valid_token(access_token: str) -> Token | None:
    """The unexpired, unrevoked token, with token.code (its usager, aidant, organisation and
    client attached) and the aidant_is_member and autorisation_is_active checks; or None."""
    params: dict[str, Any] = {
        "hash": hash_secret(access_token),
        "now": timezone.now(),
        "true": True,
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        row = cursor.fetchone()
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

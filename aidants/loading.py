"""The aidant behind a request, loaded with its current structure in one query.

Every aidant page needs the account (active? which password hash, for the session check),
the membership of its current structure with that structure (an aidant whose access or
structure was deactivated is logged out on the next request) and, for the menu, whether it
may audit the journal. Through the ORM that was three queries, each compiled again on
every request. This is one statement, written once; PostgreSQL prepares it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import Aidant, Membership, Organisation
from config.rows import fetch_one, instances, select_list

# Set on the loaded aidant: its active membership of its current (active) structure, with
# the structure attached, or None when that needs the slower path (see the middleware).
CURRENT_MEMBERSHIP = "_relais_current_membership"
AUDIT_PERMISSION = ("journal", "audit_journal")


@functools.cache
def _statement() -> str:
    user_permissions = Aidant._meta.get_field("user_permissions")
    groups = Aidant._meta.get_field("groups")
    group_permissions = Group._meta.get_field("permissions")
    # Only names from the models' own metadata are formatted in; values are parameters.
    may_audit = f"""EXISTS (
        SELECT 1 FROM "{Permission._meta.db_table}" p
        INNER JOIN "{ContentType._meta.db_table}" ct ON ct.id = p.content_type_id
        WHERE ct.app_label = %s AND p.codename = %s AND (
            EXISTS (
                SELECT 1 FROM "{user_permissions.m2m_db_table()}" up
                WHERE up."{user_permissions.m2m_reverse_name()}" = p.id
                  AND up."{user_permissions.m2m_column_name()}" = a.id
            )
            OR EXISTS (
                SELECT 1 FROM "{group_permissions.m2m_db_table()}" gp
                INNER JOIN "{groups.m2m_db_table()}" ag
                    ON ag."{groups.m2m_reverse_name()}" = gp."{group_permissions.m2m_column_name()}"
                WHERE gp."{group_permissions.m2m_reverse_name()}" = p.id
                  AND ag."{groups.m2m_column_name()}" = a.id
            )
        )
    )"""  # noqa: S608
    return f"""
        SELECT {select_list(Aidant, "a")}, {select_list(Membership, "m")},
               {select_list(Organisation, "o")},
               {may_audit}
        FROM "{Aidant._meta.db_table}" a
        LEFT JOIN "{Membership._meta.db_table}" m
            ON m.aidant_id = a.id AND m.organisation_id = a.current_organisation_id
           AND m.is_active = %s
        LEFT JOIN "{Organisation._meta.db_table}" o
            ON o.id = m.organisation_id AND o.is_active = %s
        WHERE a.id = %s
    """  # noqa: S608


def load_aidant(user_id: Any) -> Aidant | None:
    """The aidant, with CURRENT_MEMBERSHIP and is_auditor already known, or None."""
    row = fetch_one(_statement(), [*AUDIT_PERMISSION, True, True, user_id])
    if row is None:
        return None
    (aidant, membership, organisation), (may_audit,) = instances(
        row, Aidant, Membership, Organisation
    )
    if membership is not None and organisation is not None:
        membership.organisation = organisation
        membership.aidant = aidant
    else:
        membership = None
    setattr(aidant, CURRENT_MEMBERSHIP, membership)
    # The same answer as Aidant.is_auditor (a cached_property), without its query.
    aidant.__dict__["is_auditor"] = aidant.is_active and (aidant.is_superuser or bool(may_audit))
    return aidant


@functools.cache
def _device_statement() -> str:
    return f"""
        SELECT {select_list(TOTPDevice, "d")} FROM "{TOTPDevice._meta.db_table}" d WHERE d.id = %s
    """  # noqa: S608 (names from the model's metadata; the id is a parameter)


def load_totp_device(device_id: int) -> TOTPDevice | None:
    """The TOTP device the session was verified with (aidants.middleware.OTPMiddleware)."""
    row = fetch_one(_device_statement(), [device_id])
    if row is None:
        return None
    (device,), _ = instances(row, TOTPDevice)
    return device

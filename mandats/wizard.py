"""The mandate wizard's state, kept in the session until the final atomic creation.

Nothing reaches the database before the last step: an abandoned wizard leaves nothing.
A finished run is remembered by its id, so a replayed last step finds its mandate again.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from django.http import HttpRequest

from mandats.identity import FranceConnectIdentity

SESSION_WIZARD = "mandats_wizard"
SESSION_DONE = "mandats_wizard_done"
_DONE_KEPT = 20


@dataclass
class WizardState:
    id: str
    organisation_id: int
    demarches: list[str]
    duration: int
    renew_of: int | None = None
    identity: dict[str, str] | None = None

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.UUID(self.id)

    @property
    def fc_identity(self) -> FranceConnectIdentity | None:
        return FranceConnectIdentity(**self.identity) if self.identity else None


def start(
    request: HttpRequest, *, demarches: list[str], duration: int, renew_of: int | None = None
) -> WizardState:
    state = WizardState(
        id=str(uuid.uuid4()),
        organisation_id=request.organisation.pk,  # type: ignore[attr-defined]
        demarches=sorted(demarches),
        duration=duration,
        renew_of=renew_of,
    )
    save(request, state)
    return state


def save(request: HttpRequest, state: WizardState) -> None:
    request.session[SESSION_WIZARD] = asdict(state)


def current(request: HttpRequest) -> WizardState | None:
    """The running wizard, if it belongs to the aidant's current structure."""
    data: Any = request.session.get(SESSION_WIZARD)
    if not isinstance(data, dict):
        return None
    state = WizardState(**data)
    organisation = getattr(request, "organisation", None)
    if organisation is None or state.organisation_id != organisation.pk:
        return None
    return state


def finish(request: HttpRequest, state: WizardState, mandat_id: int) -> None:
    request.session.pop(SESSION_WIZARD, None)
    done = dict(request.session.get(SESSION_DONE, {}))
    done[state.id] = mandat_id
    request.session[SESSION_DONE] = dict(list(done.items())[-_DONE_KEPT:])


def abandon(request: HttpRequest) -> None:
    request.session.pop(SESSION_WIZARD, None)


def finished_mandat_id(request: HttpRequest, wizard_id: str) -> int | None:
    done = request.session.get(SESSION_DONE, {})
    value = done.get(str(wizard_id)) if isinstance(done, dict) else None
    return int(value) if value is not None else None

"""Validated authorization requests waiting for the aidant's choices, kept in the session."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "oidc_requests"
MAX_PENDING = 5
MAX_AGE_SECONDS = 30 * 60
# Only these parameters are kept; unknown ones are ignored (OIDC Core 3.1.2.1).
KEPT_PARAMS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "prompt",
    "claims",
    "code_challenge",
    "code_challenge_method",
    "max_age",
    "ui_locales",
]


def store(
    session: SessionBase, params: dict[str, Any], *, reauth: bool, auth_time: int | None = None
) -> str:
    """Keeps a validated request; auth_time is known already when the aidant is logged in
    and no new login is asked (otherwise the first choice page sets it)."""
    kept = {k: str(params[k]) for k in KEPT_PARAMS if params.get(k) is not None}
    requests = dict(session.get(SESSION_KEY, {}))
    while len(requests) >= MAX_PENDING:
        del requests[min(requests, key=lambda k: requests[k]["created"])]
    request_id = secrets.token_urlsafe(16)
    requests[request_id] = {
        "params": kept,
        "created": time.time(),
        "reauth": reauth,
        "auth_time": None if reauth else auth_time,
    }
    session[SESSION_KEY] = requests
    return request_id


def get(session: SessionBase, request_id: str) -> dict[str, Any] | None:
    entry = session.get(SESSION_KEY, {}).get(request_id)
    if entry is None or time.time() - entry["created"] > MAX_AGE_SECONDS:
        return None
    return dict(entry)


def update(session: SessionBase, request_id: str, entry: dict[str, Any]) -> None:
    requests = dict(session.get(SESSION_KEY, {}))
    requests[request_id] = entry
    session[SESSION_KEY] = requests


def discard(session: SessionBase, request_id: str) -> None:
    requests = dict(session.get(SESSION_KEY, {}))
    requests.pop(request_id, None)
    session[SESSION_KEY] = requests

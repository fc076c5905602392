"""In-process state of the sandbox: signing keys, codes and tokens (one process, threads)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from joserfc.jwk import ECKey


def new_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": secrets.token_hex(8), "use": "sig"})


@dataclass
class Grant:
    identity_key: str
    redirect_uri: str
    nonce: str
    acr: str
    scopes: list[str]
    fault: str
    expires_at: float
    sub: str = ""


@dataclass
class SandboxState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    keys: list[ECKey] = field(default_factory=lambda: [new_key()])
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=lambda: {"jwks": 0, "token": 0, "userinfo": 0})

    @property
    def signing_key(self) -> ECKey:
        return self.keys[-1]

    def public_jwks(self) -> dict[str, Any]:
        with self.lock:
            self.stats["jwks"] += 1
            return {"keys": [key.as_dict(private=False, alg="ES256") for key in self.keys]}

    def rotate(self) -> ECKey:
        with self.lock:
            self.keys.append(new_key())
            # Keep the previous key published for tokens already issued.
            self.keys = self.keys[-2:]
            return self.keys[-1]

    def issue_code(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = grant
        return code

    def redeem_code(self, code: str) -> Grant | None:
        with self.lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant

    def issue_token(self, grant: Grant) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = grant
        return token

    def token(self, token: str) -> Grant | None:
        with self.lock:
            grant = self.tokens.get(token)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant


STATE = SandboxState()

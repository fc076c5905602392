"""Runs the FranceConnect sandbox as a real process on a free port (tests and e2e)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "relais-sandbox"
CLIENT_SECRET = "relais-sandbox-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class FCSandbox:
    url: str
    redirect_uri: str
    post_logout_redirect_uri: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/api/v2"

    def settings(self, timeout: int = 3) -> dict[str, object]:
        return {
            "ISSUER": self.issuer,
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": self.redirect_uri,
            "POST_LOGOUT_REDIRECT_URI": self.post_logout_redirect_uri,
            "SCOPES": "openid identite_pivot email preferred_username",
            "ACR": "eidas1",
            "TIMEOUT_SECONDS": timeout,
        }


@contextmanager
def running_fc_sandbox(relais_url: str = "http://testserver") -> Iterator[FCSandbox]:
    port = free_port()
    sandbox = FCSandbox(
        url=f"http://127.0.0.1:{port}",
        redirect_uri=f"{relais_url}/mandats/franceconnect/retour/",
        post_logout_redirect_uri=f"{relais_url}/mandats/franceconnect/deconnexion/",
    )
    env = {
        **os.environ,
        "FC_SANDBOX_TEST_MODE": "true",
        "FC_SANDBOX_ISSUER": sandbox.issuer,
        "FC_SANDBOX_REDIRECT_URIS": sandbox.redirect_uri,
        "FC_SANDBOX_POST_LOGOUT_URIS": sandbox.post_logout_redirect_uri,
        "FC_SANDBOX_CLIENT_ID": CLIENT_ID,
        "FC_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
            "--settings=sandbox.franceconnect.settings",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{sandbox.issuer}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the FranceConnect sandbox did not start") from None
                time.sleep(0.2)
        yield sandbox
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

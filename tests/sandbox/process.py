"""Runs the sandboxes (FranceConnect, the demo partner site) as real processes on free
ports, for the tests and the e2e."""

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


@contextmanager
def running_server(
    settings_module: str, port: int, env: dict[str, str], ready_path: str, what: str
) -> Iterator[None]:
    """`manage.py runserver` with these settings in its own process, until it answers
    200 on ready_path; stopped on exit."""
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
            f"--settings={settings_module}",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
        "FC_SANDBOX_TEST_MODE": "true",
        "FC_SANDBOX_ISSUER": sandbox.issuer,
        "FC_SANDBOX_REDIRECT_URIS": sandbox.redirect_uri,
        "FC_SANDBOX_POST_LOGOUT_URIS": sandbox.post_logout_redirect_uri,
        "FC_SANDBOX_CLIENT_ID": CLIENT_ID,
        "FC_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
    }
    with running_server(
        "sandbox.franceconnect.settings",
        port,
        env,
        "/api/v2/.well-known/openid-configuration",
        "the FranceConnect sandbox",
    ):
        yield sandbox

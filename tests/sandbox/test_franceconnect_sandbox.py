"""The FranceConnect sandbox, a separate process, over real HTTP."""

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from jose import jwt as jose_jwt

from tests.production import PRODUCTION_ENV, run_python
from tests.sandbox.process import CLIENT_ID, CLIENT_SECRET

LONG = "s" * 40


def _authorize_params(sandbox, **overrides):
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": sandbox.redirect_uri,
        "response_type": "code",
        "scope": "openid identite_pivot email",
        "state": LONG,
        "nonce": "n" * 40,
        "acr_values": "eidas1",
    }
    params.update(overrides)
    return params


def _code(sandbox, identity="karim"):
    form = {**_authorize_params(sandbox), "identity": identity, "action": "continue"}
    response = httpx.post(f"{sandbox.issuer}/authorize", data=form, timeout=5)
    assert response.status_code == 303
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def _token(sandbox, code, secret=CLIENT_SECRET):
    return httpx.post(
        f"{sandbox.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": sandbox.redirect_uri,
            "client_id": CLIENT_ID,
            "client_secret": secret,
        },
        timeout=5,
    )


def test_discovery_is_franceconnect_v2_shaped(fc_sandbox):
    meta = httpx.get(f"{fc_sandbox.issuer}/.well-known/openid-configuration", timeout=5).json()
    assert meta["issuer"] == fc_sandbox.issuer
    for name in ("authorize", "token", "userinfo", "session/end", "jwks"):
        assert f"{fc_sandbox.issuer}/{name}" in meta.values()
    assert meta["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert "eidas1" in meta["acr_values_supported"]
    keys = httpx.get(meta["jwks_uri"], timeout=5).json()["keys"]
    assert keys and all(k["kty"] == "EC" and k["crv"] == "P-256" and "d" not in k for k in keys)


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://evil.example/retour/"},
        {"client_id": "inconnu"},
        {"state": "court"},
        {"nonce": "court"},
        {"acr_values": ""},
        {"scope": "profile"},
    ],
)
def test_authorize_refuses_bad_requests_without_redirecting(fc_sandbox, overrides):
    query = urlencode(_authorize_params(fc_sandbox, **overrides))
    response = httpx.get(f"{fc_sandbox.issuer}/authorize?{query}", timeout=5)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_authorize_page_offers_test_identities(fc_sandbox):
    query = urlencode(_authorize_params(fc_sandbox))
    page = httpx.get(f"{fc_sandbox.issuer}/authorize?{query}", timeout=5).text
    assert "BENALI" in page and "1948-00-00" in page


def test_token_and_signed_userinfo_verify_with_an_independent_library(fc_sandbox):
    tokens = _token(fc_sandbox, _code(fc_sandbox)).json()
    assert tokens["expires_in"] == 60
    jwks = httpx.get(f"{fc_sandbox.issuer}/jwks", timeout=5).json()
    id_claims = jose_jwt.decode(
        tokens["id_token"],
        jwks,
        algorithms=["ES256"],
        audience=CLIENT_ID,
        issuer=fc_sandbox.issuer,
        access_token=tokens["access_token"],
        options={"verify_at_hash": False},
    )
    assert id_claims["acr"] == "eidas1" and id_claims["nonce"] == "n" * 40
    assert id_claims["exp"] - id_claims["iat"] == 60
    response = httpx.get(
        f"{fc_sandbox.issuer}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )
    assert response.headers["content-type"] == "application/jwt"
    info = jose_jwt.decode(
        response.text, jwks, algorithms=["ES256"], audience=CLIENT_ID, issuer=fc_sandbox.issuer
    )
    assert info["sub"] == id_claims["sub"]
    assert info["birthplace"] == "" and info["birthcountry"] == "99350"
    assert "preferred_username" not in info  # not requested


def test_token_endpoint_checks_the_secret_and_single_use(fc_sandbox):
    code = _code(fc_sandbox)
    assert _token(fc_sandbox, code, secret="faux").status_code == 401
    assert _token(fc_sandbox, code).status_code == 200
    replay = _token(fc_sandbox, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_userinfo_requires_a_valid_token(fc_sandbox):
    response = httpx.get(
        f"{fc_sandbox.issuer}/userinfo", headers={"Authorization": "Bearer faux"}, timeout=5
    )
    assert response.status_code == 401


def test_session_end_redirects_only_to_registered_uris(fc_sandbox):
    id_token = _token(fc_sandbox, _code(fc_sandbox)).json()["id_token"]
    good = {
        "id_token_hint": id_token,
        "state": LONG,
        "post_logout_redirect_uri": fc_sandbox.post_logout_redirect_uri,
    }
    response = httpx.get(f"{fc_sandbox.issuer}/session/end?{urlencode(good)}", timeout=5)
    assert response.status_code == 303
    assert response.headers["location"] == f"{fc_sandbox.post_logout_redirect_uri}?state={LONG}"
    bad = {**good, "post_logout_redirect_uri": "https://evil.example/"}
    response = httpx.get(f"{fc_sandbox.issuer}/session/end?{urlencode(bad)}", timeout=5)
    assert response.status_code == 400 and "location" not in response.headers
    forged = {**good, "id_token_hint": "a.b.c"}
    response = httpx.get(f"{fc_sandbox.issuer}/session/end?{urlencode(forged)}", timeout=5)
    assert response.status_code == 400


def test_test_knobs_are_off_outside_test_mode(rf, settings):
    from sandbox.franceconnect import views

    settings.FC_SANDBOX = {"TEST_MODE": False}
    assert views.test_rotate_view(rf.post("/")).status_code == 404
    assert views.test_stats_view(rf.get("/")).status_code == 404


_python = run_python
PRODUCTION = PRODUCTION_ENV


def test_production_settings_do_not_expose_the_sandbox():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "assert not any(app.startswith('sandbox') for app in settings.INSTALLED_APPS)\n"
        "assert settings.FRANCECONNECT['ISSUER'] == ''\n"
        "for path in ('/api/v2/jwks', '/api/v2/.well-known/openid-configuration',\n"
        "             '/api/v2/authorize', '/api/v2/_test/rotate'):\n"
        "    try:\n"
        "        resolve(path)\n"
        "    except Resolver404:\n"
        "        continue\n"
        "    raise SystemExit('exposed: ' + path)\n"
        "print('ok')\n"
    )
    result = _python(code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_sandbox_refuses_to_start_without_debug_or_test_mode():
    result = _python("import sandbox.franceconnect.settings", DEBUG="false")
    assert result.returncode != 0
    assert "only with DEBUG or in tests" in result.stderr


def test_production_refuses_the_sandbox_secret():
    result = _python(
        "import django; django.setup()",
        **PRODUCTION,
        FC_CLIENT_SECRET=CLIENT_SECRET,
    )
    assert result.returncode != 0
    assert "FC_CLIENT_SECRET" in result.stderr

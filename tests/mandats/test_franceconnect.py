"""The FranceConnect client against the sandbox provider, over real HTTP."""

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory

from mandats import franceconnect
from mandats.franceconnect import FranceConnectError
from tests.sandbox.process import free_port


def _start(rf: RequestFactory):
    request = rf.get("/")
    request.session = SessionStore()
    url = franceconnect.authorization_url(request, purpose="test")
    return request.session, url


def _pick(url: str, identity: str = "angela", fault: str = "", action: str = "continue") -> str:
    """Acts as the browser on the sandbox's page: returns the callback URL it redirects to."""
    page = httpx.get(url, timeout=5)
    assert page.status_code == 200, page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form = {**query, "identity": identity, "fault": fault, "action": action}
    response = httpx.post(url.split("?")[0], data=form, timeout=5)
    assert response.status_code == 303
    return response.headers["location"]


def _callback(rf: RequestFactory, session, location: str):
    parts = urlsplit(location)
    request = rf.get(f"{parts.path}?{parts.query}")
    request.session = session
    return request


def _identify(rf, identity="angela", fault=""):
    session, url = _start(rf)
    location = _pick(url, identity, fault)
    return franceconnect.complete(_callback(rf, session, location))


def _stats(sandbox) -> dict:
    return httpx.get(f"{sandbox.issuer}/_test/stats", timeout=5).json()


def test_authorization_url_has_fc_parameters_and_long_state_and_nonce(rf, fc_settings):
    session, url = _start(rf)
    query = parse_qs(urlsplit(url).query)
    assert query["acr_values"] == ["eidas1"]
    assert query["response_type"] == ["code"]
    assert "identite_pivot" in query["scope"][0].split()
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert session[franceconnect.SESSION_FLOW]["state"] == query["state"][0]


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ("angela", {"given_name": "Angela Claire Louise", "birthplace": "75107"}),
        ("karim", {"birthplace": "", "birthcountry": "99350"}),
        ("marie", {"birthdate": "1948-00-00", "given_name": "Marie Thérèse"}),
        ("pierre", {"preferred_username": "MARTIN-LEROY", "birthdate": "1971-11-00"}),
    ],
)
def test_identification_returns_the_identity_verbatim(rf, fc_settings, identity, expected):
    result = _identify(rf, identity)
    claims = result.identity.as_dict()
    for name, value in expected.items():
        assert claims[name] == value
    assert len(result.identity.sub) == 66 and result.identity.sub.endswith("v1")
    assert result.acr == "eidas1"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("wrong_iss", "id_token_iss"),
        ("wrong_aud", "id_token_aud"),
        ("bad_signature", "bad_signature"),
        ("wrong_nonce", "id_token_nonce"),
        ("low_acr", "id_token_acr"),
        ("expired", "id_token_exp"),
        ("userinfo_sub", "userinfo_sub"),
        ("userinfo_unsigned", "userinfo_not_jwt"),
        ("unpublished_kid", "unknown_kid"),
    ],
)
def test_bad_tokens_are_rejected(rf, fc_settings, fault, reason):
    with pytest.raises(FranceConnectError) as error:
        _identify(rf, fault=fault)
    assert error.value.reason == reason
    assert "Aucun mandat" in error.value.message


def test_unknown_kid_refetches_the_jwks_once(rf, fc_settings):
    _identify(rf)  # caches the JWKS
    before = _stats(fc_settings)["jwks"]
    result = _identify(rf, fault="rotate_key")
    assert result.identity.given_name == "Angela Claire Louise"
    assert _stats(fc_settings)["jwks"] == before + 1
    with pytest.raises(FranceConnectError):
        _identify(rf, fault="unpublished_kid")
    assert _stats(fc_settings)["jwks"] == before + 2


def test_wrong_state_is_rejected_and_the_flow_is_single_use(rf, fc_settings):
    session, url = _start(rf)
    location = _pick(url)
    tampered = location.replace("state=", "state=x")
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session, tampered))
    assert error.value.reason == "state"
    # The flow was consumed: even the genuine callback is now refused.
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session, location))
    assert error.value.reason == "no_flow"


def test_replayed_callback_is_refused(rf, fc_settings):
    session, url = _start(rf)
    location = _pick(url)
    franceconnect.complete(_callback(rf, session, location))
    with pytest.raises(FranceConnectError):
        franceconnect.complete(_callback(rf, session, location))


def test_error_callback_checks_state_then_says_cancelled(rf, fc_settings):
    session, url = _start(rf)
    location = _pick(url, action="refuse")
    assert "error=access_denied" in location
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session, location))
    assert error.value.reason == "provider_error"
    assert "annulée" in error.value.message
    session, url = _start(rf)
    location = _pick(url, action="refuse").replace("state=", "state=forged")
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session, location))
    assert error.value.reason == "state"


def test_callback_from_another_issuer_is_rejected(rf, fc_settings):
    session, url = _start(rf)
    location = _pick(url).replace("iss=", "iss=https%3A%2F%2Fevil.example")
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session, location))
    assert error.value.reason == "callback_iss"


def test_code_replay_at_the_token_endpoint_is_refused(rf, fc_settings):
    session, url = _start(rf)
    location = _pick(url)
    franceconnect.complete(_callback(rf, session, location))
    # A second flow in the same session with the already-used code.
    session2, _ = _start(rf)
    state2 = session2[franceconnect.SESSION_FLOW]["state"]
    old_query = parse_qs(urlsplit(location).query)
    replay = f"/retour/?code={old_query['code'][0]}&state={state2}&iss={old_query['iss'][0]}"
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session2, replay))
    assert error.value.reason == "token_refused"


def test_slow_provider_fails_within_the_timeout(rf, fc_settings, settings):
    settings.FRANCECONNECT = {**settings.FRANCECONNECT, "TIMEOUT_SECONDS": 1}
    session, url = _start(rf)
    location = _pick(url, fault="slow_token")
    started = time.monotonic()
    with pytest.raises(FranceConnectError) as error:
        franceconnect.complete(_callback(rf, session, location))
    assert error.value.reason == "unavailable"
    assert time.monotonic() - started < 3
    assert "ne répond pas" in error.value.message


def test_provider_down_fails_fast(rf, settings, fc_settings):
    settings.FRANCECONNECT = {
        **settings.FRANCECONNECT,
        "ISSUER": f"http://127.0.0.1:{free_port()}/api/v2",
    }
    started = time.monotonic()
    with pytest.raises(FranceConnectError) as error:
        _start(rf)
    assert error.value.reason == "unavailable"
    assert time.monotonic() - started < 3


def test_logout_goes_through_session_end_and_checks_state(rf, fc_settings):
    session, url = _start(rf)
    location = _pick(url)
    request = _callback(rf, session, location)
    identification = franceconnect.complete(request)
    logout = franceconnect.logout_url(request, identification)
    assert logout.startswith(f"{fc_settings.issuer}/session/end?id_token_hint=")
    response = httpx.get(logout, timeout=5)
    assert response.status_code == 303
    back = response.headers["location"]
    assert back.startswith(fc_settings.post_logout_redirect_uri)
    assert franceconnect.check_logout_state(_callback(rf, session, back))
    # The logout state is single-use too.
    assert not franceconnect.check_logout_state(_callback(rf, session, back))

"""Security headers and cookies on every page, and CSRF on the login form."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url_name", ["aidants:login", "aidants:espace"])
def test_every_page_has_a_strict_csp(client, aidant, url_name):
    if url_name == "aidants:espace":
        login_verified(client, aidant)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_pages_have_no_inline_script_or_style(client, responsable):
    login_verified(client, responsable)
    for url in (reverse("aidants:espace"), reverse("aidants:responsable")):
        content = client.get(url).content.decode()
        assert "<script>" not in content
        assert "style=" not in content
        assert "<style" not in content
        assert " onclick=" not in content


def test_security_headers(client, db):
    response = client.get(reverse("aidants:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_error_pages_carry_the_headers_too(client, aidant):
    login_verified(client, aidant)
    response = client.get(reverse("aidants:responsable"))
    assert response.status_code == 403
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_session_and_csrf_cookies_are_httponly(client, aidant):
    page = client.get(reverse("aidants:login"))
    assert page.cookies["csrftoken"]["httponly"]
    assert page.cookies["csrftoken"]["samesite"] == "Lax"
    response = client.post(reverse("aidants:login"), {"email": aidant.email, "password": PASSWORD})
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"


def test_csrf_is_enforced_on_the_login_form(aidant):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("aidants:login"), {"email": aidant.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session

    page = client.get(reverse("aidants:login"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("aidants:login"),
        {"email": aidant.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_csrf_is_enforced_on_the_otp_and_responsable_forms(responsable, aidant):
    client = login_verified(Client(enforce_csrf_checks=True), responsable)
    membership = aidant.memberships.get()
    response = client.post(reverse("aidants:responsable_deactivate", args=[membership.pk]))
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_active


def test_the_enrolment_page_showing_the_seed_is_never_cached(client, organisation):
    from tests.factories import AidantFactory, MembershipFactory

    newcomer = AidantFactory(current_organisation=organisation)
    MembershipFactory(aidant=newcomer, organisation=organisation)
    client.post(reverse("aidants:login"), {"email": newcomer.email, "password": PASSWORD})
    response = client.get(reverse("aidants:enrol"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]

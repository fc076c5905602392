"""The whole mandate journey on a tablet: live Relais, the FranceConnect sandbox process,
headless Chromium at 1024x768 with touch."""

import io
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from mandats.document import recompute_document_hash
from mandats.models import Mandat, MandatState
from tests.e2e.conftest import assert_accessible, login, snapshot
from tests.factories import current_code
from tests.sandbox.process import FCSandbox, running_fc_sandbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def e2e_fc_sandbox(live_server: Any) -> Iterator[FCSandbox]:
    with running_fc_sandbox(relais_url=live_server.url) as sandbox:
        yield sandbox


@pytest.fixture
def fc_live(settings: Any, e2e_fc_sandbox: FCSandbox) -> FCSandbox:
    settings.FRANCECONNECT = e2e_fc_sandbox.settings(timeout=5)
    return e2e_fc_sandbox


def _draw_with_touch(page: Page) -> None:
    """A signature drawn with real touch events (Chrome DevTools Protocol)."""
    canvas = page.locator("#signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    cdp = page.context.new_cdp_session(page)
    strokes = [
        [(0.1, 0.7), (0.2, 0.3), (0.3, 0.7), (0.4, 0.3), (0.5, 0.7)],
        [(0.55, 0.5), (0.65, 0.35), (0.75, 0.6), (0.9, 0.4)],
    ]
    for stroke in strokes:
        points = [
            {"x": box["x"] + fx * box["width"], "y": box["y"] + fy * box["height"]}
            for fx, fy in stroke
        ]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages)


def test_mandate_journey_on_a_tablet(
    tablet_page: Page, aidant: Any, organisation: Any, fc_live: FCSandbox, request: Any
) -> None:
    page = tablet_page
    login(page, aidant)
    snapshot(page, request, "01-espace")

    page.get_by_role("link", name="Nouveau mandat").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau mandat")
    page.get_by_label("Papiers - Citoyenneté - Élections").check()
    page.get_by_label("Social - Santé").check()
    page.get_by_label("6 mois").check()
    assert_accessible(page)
    snapshot(page, request, "02-demarches")
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Identification de l'usager")
    assert_accessible(page)
    snapshot(page, request, "03-identification")
    page.get_by_role("button", name="S'identifier avec FranceConnect").click()

    page.wait_for_url(f"{fc_live.issuer}/authorize**")
    snapshot(page, request, "04-franceconnect-sandbox")
    page.get_by_label("Karim BENALI").check()
    page.get_by_role("button", name="Se connecter avec cette identité").click()

    page.wait_for_url("**/mandats/nouveau/recapitulatif/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Récapitulatif du mandat")
    expect(page.locator("main")).to_contain_text("Karim BENALI")
    expect(page.locator("main")).to_contain_text("6 mois")
    assert_accessible(page)
    snapshot(page, request, "05-recapitulatif")
    page.get_by_role("link", name="Continuer vers la signature").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Signature du mandat")
    assert_accessible(page)
    _draw_with_touch(page)
    expect(page.locator("#signature-status")).to_contain_text("Signature enregistrée")
    snapshot(page, request, "06-signature")
    device = TOTPDevice.objects.get(user=aidant)
    # The login used this step's code: confirm with the next one (within the drift tolerance).
    page.get_by_label("Code à 6 chiffres de l'aidant").fill(current_code(device, offset_steps=1))
    page.get_by_role("button", name="Signer et enregistrer le mandat").click()

    page.wait_for_url("**/mandats/*/")
    mandat = Mandat.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Mandat n° {mandat.pk}")
    assert mandat.signature_kind == "drawn" and mandat.usager.birthplace == ""
    assert recompute_document_hash(mandat) == mandat.document_hash
    assert_accessible(page)
    snapshot(page, request, "07-mandat-enregistre")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger l'attestation (PDF)").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        pdf = handle.read()
    text = _pdf_text(pdf)
    assert "Karim BENALI" in " ".join(text.split())
    assert mandat.document_hash in "".join(text.split())

    page.goto(f"/verifier/{mandat.pk}/{mandat.document_hash}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérification du mandat")
    expect(page.locator("main")).to_contain_text("actif")
    expect(page.locator("main")).not_to_contain_text("BENALI")
    assert_accessible(page)
    snapshot(page, request, "08-verification")

    page.goto(f"/usagers/{mandat.usager_id}/")
    assert_accessible(page)
    page.get_by_role("link", name="Révoquer le mandat").click()
    assert_accessible(page)
    page.get_by_role("button", name="Révoquer le mandat").click()
    expect(page.get_by_role("status")).to_contain_text("Le mandat est révoqué")
    snapshot(page, request, "09-revocation")
    mandat.refresh_from_db()
    assert mandat.state == MandatState.REVOKED

    page.goto(f"/verifier/{mandat.pk}/{mandat.document_hash}/")
    expect(page.locator("main")).to_contain_text("révoqué")
    snapshot(page, request, "10-verification-revoque")

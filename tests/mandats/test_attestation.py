import io

import pypdf
import pytest
from django.urls import reverse

from mandats.attestation import render_attestation, render_revocation, verification_url
from mandats.document import recompute_document_hash
from mandats.models import Mandat
from mandats.services import cancel_mandat, create_mandat
from mandats.signature import typed_signature
from tests.helpers import login_verified
from tests.mandats.conftest import make_identity


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def mandat(aidant, organisation, signature):
    return create_mandat(
        aidant=aidant,
        organisation=organisation,
        identity=make_identity(7, birthplace="", birthcountry="99350", birthdate="1948-00-00"),
        demarches=["papiers", "argent"],
        duration=31,
        signature=signature,
    )


def test_attestation_contains_parties_demarches_and_hash(mandat, organisation):
    text = _text(render_attestation(mandat))
    flat = " ".join(text.split())
    assert "Angela Claire Louise DUBOIS" in flat
    assert organisation.name in flat
    assert "Papiers - Citoyenneté - Élections" in flat and "Argent - Impôts" in flat
    assert "1948-00-00" in flat
    assert mandat.document_hash in text.replace("\n", "").replace(" ", "")
    assert "/verifier/" in flat


def test_document_hash_recomputed_from_the_database_matches(mandat):
    fresh = Mandat.objects.get(pk=mandat.pk)
    assert recompute_document_hash(fresh) == fresh.document_hash


def test_attestation_with_typed_signature(aidant, organisation):
    mandat = create_mandat(
        aidant=aidant,
        organisation=organisation,
        identity=make_identity(8),
        demarches=["social"],
        duration=1,
        signature=typed_signature("Angela Dubois"),
    )
    assert "Nom saisi" in _text(render_attestation(mandat))


def test_revocation_attestation_only_for_cancelled_mandates(mandat, aidant, organisation):
    with pytest.raises(ValueError):
        render_revocation(mandat)
    cancel_mandat(aidant=aidant, organisation=organisation, mandat=mandat)
    mandat.refresh_from_db()
    text = " ".join(_text(render_revocation(mandat)).split())
    assert "révoqué" in text and aidant.get_full_name() in text


def test_verification_url_points_to_the_public_page(mandat, settings):
    url = verification_url(mandat)
    assert url == settings.SITE_URL + reverse(
        "mandats:verify", args=[mandat.pk, mandat.document_hash]
    )


def test_attestation_download_view(client, aidant, mandat):
    login_verified(client, aidant)
    response = client.get(reverse("mandats:attestation", args=[mandat.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "DUBOIS" in _text(response.content)
    printable = client.get(reverse("mandats:attestation", args=[mandat.pk]) + "?imprimer=1")
    assert printable["Content-Disposition"].startswith("inline;")


def test_send_attestation_by_email(client, aidant, mandat, mailoutbox):
    login_verified(client, aidant)
    response = client.post(
        reverse("mandats:send", args=[mandat.pk]), {"email": "angela@example.fr"}
    )
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["angela@example.fr"]
    filename, content, mimetype = message.attachments[0]
    assert filename.endswith(".pdf")
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")

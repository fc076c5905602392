"""The mandate's PDF attestation and the revocation attestation (WeasyPrint).

Everything the PDF shows is rendered from the database; WeasyPrint may only load data:
URIs (the signature and the QR code), never a network or file URL.
"""

from __future__ import annotations

import base64
from functools import cache

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from mandats.document import MANDAT_TEXTS
from mandats.identity import FranceConnectIdentity
from mandats.models import Mandat
from mandats.signature import signature_svg


def verification_url(mandat: Mandat) -> str:
    path = reverse("mandats:verify", args=[mandat.pk, mandat.document_hash])
    return f"{settings.SITE_URL}{path}"


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@cache
def _stylesheet() -> CSS:
    path = settings.BASE_DIR / "static" / "css" / "attestation.css"
    return CSS(string=path.read_text(encoding="utf-8"))


def _render(template: str, mandat: Mandat) -> bytes:
    url = verification_url(mandat)
    qr = segno.make(url, error="m").svg_inline(scale=3, title="Vérifier ce mandat")
    context = {
        "mandat": mandat,
        # Mandates from before the snapshot field fall back to the usager's stored identity.
        "identity": mandat.usager_identity
        or FranceConnectIdentity.from_usager(mandat.usager).as_dict(),
        "autorisations": sorted(mandat.autorisations.all(), key=lambda a: a.demarche),
        "text": MANDAT_TEXTS[mandat.document_version],
        "signature_src": _data_uri(signature_svg(mandat.signature_kind, mandat.signature_data)),
        "qr_src": _data_uri(qr),
        "verification_url": url,
        # Two fixed lines: cheaper to lay out than letting the engine break a 64-char word.
        "hash_lines": [mandat.document_hash[:32], mandat.document_hash[32:]],
        "generated_at": timezone.now(),
    }
    html = render_to_string(template, context)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[_stylesheet()])
    assert pdf is not None
    return pdf


def render_attestation(mandat: Mandat) -> bytes:
    return _render("mandats/pdf/attestation.html", mandat)


def render_revocation(mandat: Mandat) -> bytes:
    if mandat.cancelled_at is None:
        raise ValueError("only a cancelled mandate has a revocation attestation")
    return _render("mandats/pdf/revocation.html", mandat)

"""Demo data for the OIDC provider: the demo partner site's client, and one usager with an
active mandate so that the partner demo works before any mandate is recorded.

Refuses to run when DEBUG is off: the client secret below is public.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from aidants.models import Aidant, Membership
from mandats.models import Autorisation, Mandat, Usager
from oidc.models import Client
from oidc.services import create_client

DEMO_CLIENT_ID = "demo-partenaire"
DEMO_CLIENT_SECRET = "demo-partenaire-secret-non-confidentiel"
DEMO_DEMARCHES = ["papiers", "famille", "social"]


class Command(BaseCommand):
    help = "Crée le client OIDC du site partenaire de démonstration (développement uniquement)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner-url", default="http://127.0.0.1:8002")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Les données de démonstration ne se chargent qu'avec DEBUG activé.")
        base = options["partner_url"].rstrip("/")
        with transaction.atomic():
            existing = Client.objects.filter(client_id=DEMO_CLIENT_ID).first()
            if existing is not None:
                # Codes and tokens point at it (PROTECT): move it aside rather than delete.
                existing.client_id = f"{DEMO_CLIENT_ID}-{existing.pk}"
                existing.is_active = False
                existing.save(update_fields=["client_id", "is_active"])
            create_client(
                name="Démarche en ligne (démo)",
                client_id=DEMO_CLIENT_ID,
                secret=DEMO_CLIENT_SECRET,
                redirect_uris=[f"{base}/retour/"],
                post_logout_redirect_uris=[f"{base}/deconnecte/"],
                allowed_demarches=DEMO_DEMARCHES,
                auth_method="client_secret_basic",
                id_token_alg="ES256",
                userinfo_alg="ES256",
            )
            self._demo_mandat()
        self.stdout.write(f"Client OIDC {DEMO_CLIENT_ID} prêt pour {base}")

    @staticmethod
    def _demo_mandat() -> None:
        aidant = Aidant.objects.filter(email="aidant@relais.test").first()
        membership = Membership.objects.filter(aidant=aidant).order_by("pk").first()
        if aidant is None or membership is None:
            return
        usager, _ = Usager.objects.get_or_create(
            sub="d3m0" + "0" * 60 + "v1",
            defaults={
                "given_name": "Angela Claire Louise",
                "family_name": "DUBOIS",
                "birthdate": "1962-08-24",
                "gender": "female",
                "birthplace": "75107",
                "birthcountry": "99100",
                "email": "angela.dubois@example.fr",
            },
        )
        organisation = membership.organisation
        if Autorisation.objects.active().filter(usager=usager, organisation=organisation).exists():
            return
        now = timezone.now()
        mandat = Mandat.objects.create(
            organisation=organisation,
            usager=usager,
            created_by=aidant,
            created_at=now,
            duration=365,
            expires_at=now + timedelta(days=365),
            signature_kind="typed",
            signature_data="Angela Dubois",
            signature_sha256="0" * 64,
            document_hash=f"{int(now.timestamp() * 1e6):064x}",
            signed_at=now,
        )
        for demarche in DEMO_DEMARCHES:
            Autorisation.objects.create(
                mandat=mandat, organisation=organisation, usager=usager, demarche=demarche
            )

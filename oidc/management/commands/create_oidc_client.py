from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidants.demarches import all_demarches
from oidc.models import AuthMethod, SigningAlg
from oidc.services import create_client


class Command(BaseCommand):
    help = "Enregistre un client OpenID Connect et affiche son secret une seule fois."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--client-id")
        parser.add_argument("--redirect-uri", action="append", required=True)
        parser.add_argument("--post-logout-uri", action="append", default=[])
        parser.add_argument("--demarche", action="append", choices=all_demarches(), required=True)
        parser.add_argument(
            "--auth-method", choices=list(AuthMethod.values), default="client_secret_basic"
        )
        parser.add_argument("--id-token-alg", choices=list(SigningAlg.values), default="ES256")
        parser.add_argument("--userinfo-alg", choices=["", *SigningAlg.values], default="")
        parser.add_argument("--no-pkce", action="store_true")
        parser.add_argument("--franceconnect", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, secret = create_client(
                name=options["name"],
                client_id=options["client_id"],
                redirect_uris=options["redirect_uri"],
                post_logout_redirect_uris=options["post_logout_uri"],
                allowed_demarches=options["demarche"],
                auth_method=options["auth_method"],
                id_token_alg=options["id_token_alg"],
                userinfo_alg=options["userinfo_alg"],
                requires_pkce=not options["no_pkce"],
                is_franceconnect=options["franceconnect"],
            )
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write("Ce secret ne sera plus jamais affiché : conservez-le maintenant.")

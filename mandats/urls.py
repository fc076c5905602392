from django.urls import path

from mandats.views import mandats, organisation_required, usagers, verify, wizard

app_name = "mandats"

urlpatterns = [
    path("mandats/nouveau/", organisation_required(wizard.start_view), name="start"),
    path(
        "mandats/nouveau/identification/",
        organisation_required(wizard.identification_view),
        name="identification",
    ),
    path("mandats/nouveau/recapitulatif/", organisation_required(wizard.recap_view), name="recap"),
    path("mandats/nouveau/signature/", organisation_required(wizard.sign_view), name="sign"),
    path("mandats/nouveau/abandonner/", organisation_required(wizard.abandon_view), name="abandon"),
    path(
        "mandats/franceconnect/",
        organisation_required(wizard.franceconnect_start_view),
        name="fc_start",
    ),
    path(
        "mandats/franceconnect/retour/",
        organisation_required(wizard.franceconnect_callback_view),
        name="fc_callback",
    ),
    path(
        "mandats/franceconnect/deconnexion/",
        organisation_required(wizard.franceconnect_logout_view),
        name="fc_logout",
    ),
    path("mandats/<int:pk>/", organisation_required(mandats.mandat_view), name="mandat"),
    path(
        "mandats/<int:pk>/attestation.pdf",
        organisation_required(mandats.attestation_view),
        name="attestation",
    ),
    path(
        "mandats/<int:pk>/revocation.pdf",
        organisation_required(mandats.revocation_view),
        name="revocation",
    ),
    path(
        "mandats/<int:pk>/envoyer/",
        organisation_required(mandats.send_attestation_view),
        name="send",
    ),
    path("mandats/<int:pk>/revoquer/", organisation_required(mandats.cancel_view), name="cancel"),
    path("mandats/<int:pk>/renouveler/", organisation_required(wizard.renew_view), name="renew"),
    path(
        "autorisations/<int:pk>/revoquer/",
        organisation_required(mandats.revoke_autorisation_view),
        name="revoke_autorisation",
    ),
    path("usagers/", organisation_required(usagers.usagers_view), name="usagers"),
    path("usagers/<int:pk>/", organisation_required(usagers.usager_view), name="usager"),
    path(
        "usagers/<int:pk>/transferer/",
        organisation_required(usagers.transfer_view),
        name="transfer",
    ),
    path("verifier/<int:pk>/<str:document_hash>/", verify.verify_view, name="verify"),
]

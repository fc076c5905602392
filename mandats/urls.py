from django.urls import path

from mandats.views import mandats, usagers, verify, wizard

app_name = "mandats"

urlpatterns = [
    path("mandats/nouveau/", wizard.start_view, name="start"),
    path("mandats/nouveau/identification/", wizard.identification_view, name="identification"),
    path("mandats/nouveau/recapitulatif/", wizard.recap_view, name="recap"),
    path("mandats/nouveau/signature/", wizard.sign_view, name="sign"),
    path("mandats/nouveau/abandonner/", wizard.abandon_view, name="abandon"),
    path("mandats/franceconnect/", wizard.franceconnect_start_view, name="fc_start"),
    path("mandats/franceconnect/retour/", wizard.franceconnect_callback_view, name="fc_callback"),
    path("mandats/franceconnect/deconnexion/", wizard.franceconnect_logout_view, name="fc_logout"),
    path("mandats/<int:pk>/", mandats.mandat_view, name="mandat"),
    path("mandats/<int:pk>/attestation.pdf", mandats.attestation_view, name="attestation"),
    path("mandats/<int:pk>/revocation.pdf", mandats.revocation_view, name="revocation"),
    path("mandats/<int:pk>/envoyer/", mandats.send_attestation_view, name="send"),
    path("mandats/<int:pk>/revoquer/", mandats.cancel_view, name="cancel"),
    path("mandats/<int:pk>/renouveler/", wizard.renew_view, name="renew"),
    path(
        "autorisations/<int:pk>/revoquer/",
        mandats.revoke_autorisation_view,
        name="revoke_autorisation",
    ),
    path("usagers/", usagers.usagers_view, name="usagers"),
    path("usagers/<int:pk>/", usagers.usager_view, name="usager"),
    path("usagers/<int:pk>/transferer/", usagers.transfer_view, name="transfer"),
    path("verifier/<int:pk>/<str:document_hash>/", verify.verify_view, name="verify"),
]

from django.urls import path

from aidants.views import auth, espace, responsable

app_name = "aidants"

urlpatterns = [
    path("connexion/", auth.login_view, name="login"),
    path("connexion/code/", auth.otp_view, name="otp"),
    path("connexion/enrolement/", auth.enrol_view, name="enrol"),
    path("deconnexion/", auth.logout_view, name="logout"),
    path("connexion/mot-de-passe-oublie/", auth.password_forgotten_view, name="password_forgotten"),
    path("invitation/<uidb64>/<token>/", auth.invitation_view, name="invitation"),
    path("invitation/terminee/", auth.invitation_done_view, name="invitation_done"),
    path("espace/", espace.espace_view, name="espace"),
    path("espace/structure/", espace.switch_organisation_view, name="switch_organisation"),
    path("espace/responsable/", responsable.aidants_view, name="responsable"),
    path("espace/responsable/ajouter/", responsable.add_aidant_view, name="responsable_add"),
    path(
        "espace/responsable/aidants/<int:membership_id>/",
        responsable.aidant_view,
        name="responsable_aidant",
    ),
    path(
        "espace/responsable/aidants/<int:membership_id>/desactiver/",
        responsable.deactivate_view,
        name="responsable_deactivate",
    ),
    path(
        "espace/responsable/aidants/<int:membership_id>/reactiver/",
        responsable.reactivate_view,
        name="responsable_reactivate",
    ),
    path(
        "espace/responsable/aidants/<int:membership_id>/invitation/",
        responsable.resend_invitation_view,
        name="responsable_resend_invitation",
    ),
    path(
        "espace/responsable/aidants/<int:membership_id>/cartes/",
        responsable.associate_carte_view,
        name="responsable_associate_carte",
    ),
    path(
        "espace/responsable/aidants/<int:membership_id>/dispositifs/<int:device_id>/retirer/",
        responsable.remove_device_view,
        name="responsable_remove_device",
    ),
]

from django.urls import path

from oidc.views import authorize, endpoints

app_name = "oidc"

urlpatterns = [
    path("oidc/jwks", endpoints.jwks_view, name="jwks"),
    path("oidc/authorize", authorize.authorize_view, name="authorize"),
    path(
        "oidc/authorize/<str:request_id>/usager/",
        authorize.choose_usager_view,
        name="choose_usager",
    ),
    path(
        "oidc/authorize/<str:request_id>/usager/<int:usager_id>/",
        authorize.choose_demarche_view,
        name="choose_demarche",
    ),
    path("oidc/authorize/<str:request_id>/annuler/", authorize.cancel_view, name="cancel"),
    path("oidc/token", endpoints.token_view, name="token"),
    path("oidc/userinfo", endpoints.userinfo_view, name="userinfo"),
    path("oidc/revoke", endpoints.revoke_view, name="revoke"),
    path("oidc/end_session", endpoints.end_session_view, name="end_session"),
]

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from oidc.views import endpoints as oidc_endpoints

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="aidants:espace")), name="home"),
    path("admin/", admin.site.urls),
    path("", include("aidants.urls")),
    path("journal/", include("journal.urls")),
    path("", include("mandats.urls")),
    # oidc: Relais as an OpenID Connect provider
    path(
        ".well-known/openid-configuration",
        oidc_endpoints.discovery_view,
        name="openid_configuration",
    ),
    path("", include("oidc.urls")),
]

handler403 = "config.errors.forbidden"
handler404 = "config.errors.not_found"

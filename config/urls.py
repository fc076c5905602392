from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="aidants:espace")), name="home"),
    path("admin/", admin.site.urls),
    path("", include("aidants.urls")),
    path("journal/", include("journal.urls")),
    path("", include("mandats.urls")),
]

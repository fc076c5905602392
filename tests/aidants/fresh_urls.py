"""A test-only URLconf: all of Relais's URLs plus a dummy sensitive view."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from aidants.decorators import otp_fresh_required


@otp_fresh_required
def sensitive_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sensible")


urlpatterns = [
    path("sensible/", sensitive_view, name="sensitive"),
    path("", include("config.urls")),
]

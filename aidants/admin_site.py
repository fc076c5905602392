from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class RelaisAdminSite(OTPAdminSite):
    """Staff with a verified OTP only. Login goes through Relais's own two-step login."""

    site_header = "Administration de Relais"
    site_title = "Relais"
    index_title = "Administration"

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('aidants:login')}?{urlencode({'next': next_url})}")

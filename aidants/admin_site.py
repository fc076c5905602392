from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_otp.admin import OTPAdminSite

from aidants.middleware import otp_verified
from config.errors import Forbidden


class RelaisAdminSite(OTPAdminSite):
    """Staff with a verified OTP only. Login goes through Relais's own two-step login."""

    site_header = "Administration de Relais"
    site_title = "Relais"
    index_title = "Administration"

    # Public like Django's own admin login, so that LoginRequiredMiddleware does not wrap
    # the admin's `next` inside another `next`.
    @method_decorator(never_cache)
    @login_not_required
    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        if otp_verified(request.user) and not self.has_permission(request):
            # Fully logged in but not staff: sending them to the login would loop back here.
            raise Forbidden("Réservé à l'équipe d'administration.")
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('aidants:login')}?{urlencode({'next': next_url})}")

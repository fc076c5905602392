from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as relais_urlpatterns


@csrf_exempt
@login_not_required
def ceiling_view(request: HttpRequest) -> HttpResponse:
    """The ceiling: the same stack and one INSERT, nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ceiling (created_at) VALUES (now())")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling", ceiling_view), *relais_urlpatterns]

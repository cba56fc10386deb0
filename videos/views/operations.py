"""Endpoints for the machines that run the app: health, readiness, metrics."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from prometheus_client import CONTENT_TYPE_LATEST

from .. import observability


@login_not_required
def health(request):
    """For load balancers and uptime checks: the app answers."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def ready(request):
    """For orchestrators: 503 while the database is unreachable or no worker is alive."""
    is_ready, why = observability.readiness()
    return HttpResponse(why, content_type="text/plain", status=200 if is_ready else 503)


@login_not_required
def metrics(request):
    """Prometheus metrics, for a scraper holding ``MARKETOS_METRICS_TOKEN`` (else 404)."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not constant_time_compare(given, token):
        raise Http404("No metrics here.")
    return HttpResponse(observability.metrics_text(), content_type=CONTENT_TYPE_LATEST)

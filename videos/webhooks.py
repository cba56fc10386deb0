"""Provider webhook receiver: signed, fresh, accepted once; polling stays the fallback.

The adapter verifies a delivery and says which provider job it is about; the payload is only a
hint: the job is then polled through the API as usual, so a forged or replayed delivery (were
one to pass the signature check) could never mark a job done.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers import registry
from providers.base import WebhookRejected

from . import lifecycle
from .models import WebhookDelivery

log = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
def provider_webhook(request, provider):
    secret = registry.webhook_secret(provider)
    if not secret:
        return HttpResponse(status=404)
    try:
        event = registry.adapter(provider).webhook_event(request.headers, request.body, secret)
    except WebhookRejected as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(provider=provider, idempotency_key=event.delivery_key)
    except IntegrityError:
        return HttpResponse("already received")
    moved = lifecycle.webhook_reported(provider, event.job_id)
    log.info("%s webhook %s for job %s (polled now: %s)", provider, event.kind, event.job_id, moved)
    return HttpResponse("ok")

"""OpenRouter's webhook receiver: signed, fresh, accepted once; polling stays the fallback.

The payload is only a hint: the job is then polled through the API as usual, so a forged or
replayed delivery (were one to pass the signature check) could never mark a job done.
"""

import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import lifecycle
from .models import WebhookDelivery

log = logging.getLogger(__name__)


def valid_signature(header: str, body: bytes, secret: str, now: float | None = None) -> bool:
    """``X-OpenRouter-Signature: t=<ts>,v1=<hex>``, v1 = HMAC-SHA256(secret, "<ts>,<body>")."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not signature:
        return False
    if abs((now or time.time()) - int(timestamp)) > settings.WEBHOOK_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"," + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), signature)


@csrf_exempt
@login_not_required
@require_POST
def openrouter_webhook(request):
    secret = settings.OPENROUTER_WEBHOOK_SECRET
    if not secret:
        return HttpResponse(status=404)
    body = request.body
    if not valid_signature(request.headers.get("X-OpenRouter-Signature", ""), body, secret):
        return HttpResponseForbidden("bad or stale signature")
    try:
        payload = json.loads(body)
        job_id = payload["data"]["id"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("not an OpenRouter video webhook")
    if not isinstance(job_id, str):
        return HttpResponseBadRequest("not an OpenRouter video webhook")
    key = request.headers.get("X-OpenRouter-Idempotency-Key") or f"{job_id}-{payload.get('type')}"
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(provider="openrouter", idempotency_key=key[:300])
    except IntegrityError:
        return HttpResponse("already received")
    moved = lifecycle.webhook_reported(job_id)
    log.info(
        "OpenRouter webhook %s for job %s (polled now: %s)", payload.get("type"), job_id, moved
    )
    return HttpResponse("ok")

from django.db import models

from providers import registry


class WebhookDelivery(models.Model):
    """Each provider webhook delivery is accepted once, by its idempotency key."""

    provider = models.CharField(max_length=20, choices=registry.choices)
    idempotency_key = models.CharField(max_length=300)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "idempotency_key"], name="one_delivery_per_key"
            )
        ]

    def __str__(self):
        return f"{self.provider} webhook {self.idempotency_key}"

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def withdraw_older_duplicates(apps, schema_editor):
    """Keep the newest open invitation per workspace and address; withdraw the older ones."""
    Invitation = apps.get_model("workspaces", "Invitation")
    seen = set()
    open_ones = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    for invitation in open_ones.order_by("-created_at", "-pk"):
        address = (invitation.workspace_id, invitation.email)
        if address in seen:
            Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        seen.add(address)


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0003_clients_and_projects"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(withdraw_older_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("accepted_at__isnull", True), ("revoked_at__isnull", True)),
                fields=("workspace", "email"),
                name="one_open_invitation_per_address",
            ),
        ),
    ]

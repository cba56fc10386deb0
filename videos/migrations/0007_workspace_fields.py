"""Keys and jobs move from single users to workspaces: the column first, nullable, so the
data migration after it can fill it in."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0006_panel_version"),
        ("workspaces", "0001_workspaces_and_memberships"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="providerkey",
            name="workspace",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="provider_keys",
                to="workspaces.workspace",
            ),
        ),
        migrations.AddField(
            model_name="videojob",
            name="workspace",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="video_jobs",
                to="workspaces.workspace",
            ),
        ),
        migrations.AlterField(
            model_name="providerkey",
            name="owner",
            field=models.ForeignKey(
                help_text="Who added the key; the workspace it belongs to decides who may use it.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="provider_keys",
                to=settings.AUTH_USER_MODEL,
                verbose_name="added by",
            ),
        ),
        migrations.AlterField(
            model_name="videojob",
            name="owner",
            field=models.ForeignKey(
                help_text="Who started the job; its idempotency keys are theirs.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="video_jobs",
                to=settings.AUTH_USER_MODEL,
                verbose_name="started by",
            ),
        ),
    ]

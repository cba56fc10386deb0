"""Every key and job now has its workspace: the column becomes required, and a key's label is
unique within its workspace (for one provider) rather than per user."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0008_personal_workspaces"),
    ]

    operations = [
        migrations.AlterField(
            model_name="providerkey",
            name="workspace",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="provider_keys",
                to="workspaces.workspace",
            ),
        ),
        migrations.AlterField(
            model_name="videojob",
            name="workspace",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="video_jobs",
                to="workspaces.workspace",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="providerkey",
            name="unique_key_label_per_provider",
        ),
        migrations.AddConstraint(
            model_name="providerkey",
            constraint=models.UniqueConstraint(
                fields=("workspace", "provider", "label"), name="unique_key_label_per_provider"
            ),
        ),
    ]

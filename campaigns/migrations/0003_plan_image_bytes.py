from django.core.files.storage import default_storage
from django.db import migrations, models


def count_stored_images(apps, schema_editor):
    """The plans nobody started yet: the bytes of their images, as stored."""
    Campaign = apps.get_model("campaigns", "Campaign")
    for campaign in Campaign.objects.filter(started_at__isnull=True):
        total = 0
        for entry in campaign.image_inputs:
            try:
                total += default_storage.size(entry["path"])
            except OSError:
                continue
        Campaign.objects.filter(pk=campaign.pk).update(image_bytes=total)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_told_once_all_videos_ended"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="image_bytes",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(count_stored_images, migrations.RunPython.noop),
    ]

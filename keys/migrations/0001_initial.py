# The provider keys move here from the videos app, table, rows and all: the model is created in
# the migration state only, over the table videos made (videos_providerkey), which is left as it
# is. videos.0017 then takes it out of videos' state. Its content type (and with it the
# permissions and admin history that point at it) moves to this app as well.

import django.db.models.deletion
import providers.registry
import uuid
from django.conf import settings
from django.db import migrations, models


def content_type_to(app_label, other):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if not ContentType.objects.using(db).filter(app_label=app_label, model="providerkey").exists():
            ContentType.objects.using(db).filter(app_label=other, model="providerkey").update(
                app_label=app_label
            )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('workspaces', '0005_budgets'),
        ('videos', '0016_unusable_cost'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ProviderKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('provider', models.CharField(choices=providers.registry.choices, max_length=20)),
                        ('label', models.CharField(max_length=100)),
                        ('secret_encrypted', models.TextField(editable=False)),
                        ('masked', models.CharField(editable=False, max_length=40)),
                        ('status', models.CharField(choices=[('unverified', 'Not verified yet'), ('valid', 'Works'), ('no_credit', 'No credits left'), ('no_models', 'Offers no video model'), ('invalid', 'Refused by the provider')], default='unverified', max_length=20)),
                        ('status_message', models.CharField(blank=True, max_length=300)),
                        ('last_verified_at', models.DateTimeField(blank=True, null=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('owner', models.ForeignKey(blank=True, help_text='Who added the key; the workspace it belongs to decides who may use it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='provider_keys', to=settings.AUTH_USER_MODEL, verbose_name='added by')),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='provider_keys', to='workspaces.workspace')),
                    ],
                    options={
                        'db_table': 'videos_providerkey',
                        'ordering': ['provider', 'label'],
                        'constraints': [models.UniqueConstraint(fields=('workspace', 'provider', 'label'), name='unique_key_label_per_provider')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to("keys", "videos"), content_type_to("videos", "keys")),
    ]

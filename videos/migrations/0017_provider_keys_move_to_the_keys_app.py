# The provider keys now belong to the keys app (keys.0001, over this app's table, which stays):
# a job's key points there, and ProviderKey leaves this app's migration state. Nothing changes
# in the database.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('keys', '0001_initial'),
        ('videos', '0016_unusable_cost'),
        # Every key pointing at this app's ProviderKey points at the keys app's first.
        ('campaigns', '0004_key_of_the_keys_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='videojob',
                    name='key',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='jobs', to='keys.providerkey'),
                ),
                migrations.RemoveConstraint(
                    model_name='providerkey',
                    name='unique_key_label_per_provider',
                ),
                migrations.DeleteModel(
                    name='ProviderKey',
                ),
            ],
            database_operations=[],
        ),
    ]

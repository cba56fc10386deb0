# A campaign's key is now the keys app's ProviderKey, over the same table: the column and its
# constraint stay as they are (migration state only).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0003_plan_image_bytes'),
        ('keys', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='campaign',
                    name='key',
                    field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='campaigns', to='keys.providerkey'),
                ),
            ],
            database_operations=[],
        ),
    ]

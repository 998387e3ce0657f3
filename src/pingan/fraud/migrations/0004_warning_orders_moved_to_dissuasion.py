"""Warning orders and their contact attempts move to the dissuasion app. Only the migration
state forgets them here; their tables and rows stay, and ``dissuasion.0001_initial`` takes
them over (and renames the tables)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fraud', '0003_verbose_names'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ContactAttempt'),
                migrations.DeleteModel(name='WarningOrder'),
            ],
            database_operations=[],
        ),
    ]

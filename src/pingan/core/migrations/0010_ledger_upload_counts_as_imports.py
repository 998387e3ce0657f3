"""An upload records what its import counted, as every ledger import counts it: the rows skipped
as imported before are the rows it left unchanged (kept, renamed), and the cases it updated."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_field_names_after_merge'),
    ]

    operations = [
        migrations.RenameField(
            model_name='ledgerupload',
            old_name='skipped',
            new_name='unchanged',
        ),
        migrations.AlterField(
            model_name='ledgerupload',
            name='unchanged',
            field=models.PositiveIntegerField(default=0, verbose_name='rows unchanged'),
        ),
        migrations.AddField(
            model_name='ledgerupload',
            name='updated',
            field=models.PositiveIntegerField(default=0, verbose_name='cases updated'),
        ),
    ]

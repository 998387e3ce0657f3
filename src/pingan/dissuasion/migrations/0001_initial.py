"""Warning orders and their contact attempts, taken over from the fraud app with their rows:
the models enter the state on the fraud app's tables (no SQL), then the tables and the index
are renamed to this app's names. The content types follow, so permissions granted on them stay.
On a new database the fraud app's 0002 has just created the tables, so the same steps apply."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ('warningorder', 'contactattempt')


def content_types_to(app_label, from_label):
    def move(apps, schema_editor):
        content_type = apps.get_model('contenttypes', 'ContentType')
        db = schema_editor.connection.alias
        taken = set(content_type.objects.using(db).filter(app_label=app_label, model__in=MODELS)
                    .values_list('model', flat=True))
        (content_type.objects.using(db).filter(app_label=from_label, model__in=MODELS)
         .exclude(model__in=taken).update(app_label=app_label))
    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0004_alter_event_type'),
        ('fraud', '0004_warning_orders_moved_to_dissuasion'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WarningOrder',
                    fields=[
                        ('case_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='core.case')),
                        ('issuer', models.CharField(choices=[('national', 'National anti-fraud centre (国家反诈中心)'), ('province_city', 'Provincial or city anti-fraud centre'), ('police', 'District police anti-fraud centre'), ('bank', 'Bank'), ('carrier', 'Telecom operator'), ('other', 'Other')], max_length=20, verbose_name='issued by')),
                        ('risk_level', models.CharField(choices=[('high', 'High risk'), ('medium', 'Medium risk'), ('low', 'Low risk')], max_length=10, verbose_name='risk level')),
                        ('person_name', models.CharField(blank=True, max_length=60, verbose_name='name')),
                        ('person_phone', models.CharField(blank=True, max_length=20, verbose_name='phone')),
                        ('person_id_number', models.CharField(blank=True, max_length=18, verbose_name='ID number')),
                        ('person_address', models.CharField(blank=True, max_length=200, verbose_name='address')),
                        ('contact_due_at', models.DateTimeField(verbose_name='contact deadline')),
                        ('first_contact_at', models.DateTimeField(blank=True, null=True, verbose_name='first reached')),
                        ('contact_seconds', models.PositiveIntegerField(blank=True, null=True, verbose_name='time to contact (seconds)')),
                        ('fraud_case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='warning_orders', to='fraud.fraudcase', verbose_name='fraud case')),
                    ],
                    options={
                        'verbose_name': 'warning order',
                        'verbose_name_plural': 'warning orders',
                        'db_table': 'fraud_warningorder',
                    },
                    bases=('core.case',),
                ),
                migrations.CreateModel(
                    name='ContactAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(verbose_name='when')),
                        ('method', models.CharField(choices=[('phone', 'By phone'), ('in_person', 'In person'), ('other', 'Other (message, through family…)')], max_length=20, verbose_name='how')),
                        ('reached', models.BooleanField(verbose_name='reached the person')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('recorded_at', models.DateTimeField(verbose_name='recorded')),
                        ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('warning', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contacts', to='dissuasion.warningorder', verbose_name='warning order')),
                    ],
                    options={
                        'verbose_name': 'contact attempt',
                        'verbose_name_plural': 'contact attempts',
                        'ordering': ['warning_id', 'at', 'id'],
                        'indexes': [models.Index(fields=['warning', 'at'], name='fraud_contact_warning_at')],
                        'db_table': 'fraud_contactattempt',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='warningorder', table=None),
        migrations.AlterModelTable(name='contactattempt', table=None),
        migrations.RenameIndex(model_name='contactattempt', new_name='dissuasion_contact_warning_at',
                               old_name='fraud_contact_warning_at'),
        migrations.RunPython(content_types_to('dissuasion', 'fraud'), content_types_to('fraud', 'dissuasion')),
    ]

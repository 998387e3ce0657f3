"""Who may see what, and who changed the rules (issue 10 §7).

Roles belong to a domain. An existing role keeps the reach its current use implies: a role
at a department whose lines all lie in one domain gets that domain (信访局: petitions,
公安分局: fraud, 消防救援大队: hazards); any other role (the 平安办's at the district and the
towns, grid workers) stays a role of every domain, as it was.

Changes made in the admin site are recorded as ConfigurationChange rows, append-only: on
PostgreSQL a trigger refuses UPDATE and DELETE, as for events (0002).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from pingan.core.append_only import append_only_sql, on_postgres

APPEND_ONLY, DROP_APPEND_ONLY = append_only_sql("core_configurationchange", "configuration_change")


def domains_from_use(apps, schema_editor):
    Role = apps.get_model("core", "Role")
    Responsibility = apps.get_model("core", "Responsibility")
    domains_by_department: dict[int, set] = {}
    for department_id, kind in Responsibility.objects.values_list("department_id", "case_kind"):
        domains_by_department.setdefault(department_id, set()).add(
            settings.PINGAN_CASE_DOMAINS.get(kind))
    for department_id, domains in domains_by_department.items():
        if len(domains) == 1 and None not in domains:
            Role.objects.filter(unit_id=department_id).update(domain=domains.pop())


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_ledger_upload'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='role',
            name='role_unique',
        ),
        migrations.AddField(
            model_name='role',
            name='domain',
            field=models.CharField(blank=True, choices=[('hazards', 'Hazards'), ('petitions', 'Petitions'), ('fraud', 'Telecom fraud')], help_text="The work this role is for: it reaches only that domain's cases. Empty: every domain, for the public-safety office (平安办) and its grid workers.", max_length=20, verbose_name='domain'),
        ),
        migrations.AddConstraint(
            model_name='role',
            constraint=models.UniqueConstraint(fields=('user', 'unit', 'role', 'domain'), name='role_unique'),
        ),
        migrations.RunPython(domains_from_use, migrations.RunPython.noop),
        migrations.CreateModel(
            name='ConfigurationChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='when')),
                ('action', models.CharField(choices=[('added', 'Added'), ('changed', 'Changed'), ('deleted', 'Deleted')], max_length=10, verbose_name='action')),
                ('model', models.CharField(max_length=100, verbose_name='kind of object')),
                ('object_id', models.CharField(max_length=64, verbose_name='object id')),
                ('object_repr', models.CharField(max_length=200, verbose_name='object')),
                ('before', models.JSONField(blank=True, default=dict, verbose_name='before')),
                ('after', models.JSONField(blank=True, default=dict, verbose_name='after')),
                ('message', models.TextField(blank=True, verbose_name='change')),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
            ],
            options={
                'verbose_name': 'configuration change',
                'verbose_name_plural': 'configuration changes',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['model', 'object_id'], name='configuration_change_object')],
            },
        ),
        migrations.RunPython(on_postgres(APPEND_ONLY), on_postgres(DROP_APPEND_ONLY)),
    ]

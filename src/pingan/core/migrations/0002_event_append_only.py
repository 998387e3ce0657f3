"""On PostgreSQL, refuse UPDATE and DELETE of event rows in the database itself
(``pingan.core.append_only``)."""

from django.db import migrations

from pingan.core.append_only import append_only_sql, on_postgres

CREATE, DROP = append_only_sql("core_event", "event")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(on_postgres(CREATE), on_postgres(DROP))]

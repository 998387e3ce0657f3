"""On PostgreSQL, refuse UPDATE and DELETE of event rows in the database itself.

SQLite has no such guard; there the hash chain (``pingan audit verify``) finds tampering.
TRUNCATE is left to table ownership (the test runner flushes with it): run the application
as a role that does not own the tables to take that away too.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION pingan_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_event_append_only
    BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION pingan_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_event_append_only ON core_event;
DROP FUNCTION IF EXISTS pingan_event_append_only();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]

"""Trigram indexes for finding a case by its words (``pingan.core.search``).

PostgreSQL: ``pg_trgm`` and a GIN index per searched column on ``UPPER(column)``, the
expression ``icontains`` compiles to. SQLite (3.34 or later, which brought the trigram
tokenizer): an external-content FTS5 table over the same columns, filled once here and kept
in step by triggers; an update touching none of the columns (a status change, a new version)
leaves the index alone.
"""

from django.db import migrations

COLUMNS = ("ref", "title", "description", "location", "external_ref")

PG_CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX case_{column}_trgm ON core_case USING gin (UPPER({column}::text) gin_trgm_ops)"
    for column in COLUMNS
]
PG_DROP = [f"DROP INDEX IF EXISTS case_{column}_trgm" for column in COLUMNS]

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE core_case_text USING fts5(ref, title, description, location, external_ref, "
    "content='core_case', content_rowid='id', tokenize='trigram')",
    "INSERT INTO core_case_text(core_case_text) VALUES ('rebuild')",
    """CREATE TRIGGER core_case_text_insert AFTER INSERT ON core_case BEGIN
        INSERT INTO core_case_text(rowid, ref, title, description, location, external_ref)
        VALUES (new.id, new.ref, new.title, new.description, new.location, new.external_ref);
    END""",
    """CREATE TRIGGER core_case_text_delete AFTER DELETE ON core_case BEGIN
        INSERT INTO core_case_text(core_case_text, rowid, ref, title, description, location, external_ref)
        VALUES ('delete', old.id, old.ref, old.title, old.description, old.location, old.external_ref);
    END""",
    """CREATE TRIGGER core_case_text_update
        AFTER UPDATE OF ref, title, description, location, external_ref ON core_case
        WHEN old.ref IS NOT new.ref OR old.title IS NOT new.title
          OR old.description IS NOT new.description OR old.location IS NOT new.location
          OR old.external_ref IS NOT new.external_ref
    BEGIN
        INSERT INTO core_case_text(core_case_text, rowid, ref, title, description, location, external_ref)
        VALUES ('delete', old.id, old.ref, old.title, old.description, old.location, old.external_ref);
        INSERT INTO core_case_text(rowid, ref, title, description, location, external_ref)
        VALUES (new.id, new.ref, new.title, new.description, new.location, new.external_ref);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_case_text_insert",
    "DROP TRIGGER IF EXISTS core_case_text_delete",
    "DROP TRIGGER IF EXISTS core_case_text_update",
    "DROP TABLE IF EXISTS core_case_text",
]
SQLITE_TRIGRAM = (3, 34)


def _run(pg, sqlite):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor == "postgresql":
            statements = pg
        elif connection.vendor == "sqlite":
            version = connection.Database.sqlite_version_info
            if version < SQLITE_TRIGRAM:
                raise RuntimeError(
                    "Pingan's text search needs SQLite 3.34 or later (the FTS5 trigram "
                    f"tokenizer); this Python uses SQLite {connection.Database.sqlite_version}."
                )
            statements = sqlite
        else:
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0005_ledger_upload")]
    operations = [migrations.RunPython(_run(PG_CREATE, SQLITE_CREATE), _run(PG_DROP, SQLITE_DROP))]

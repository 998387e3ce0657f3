"""On PostgreSQL, a table whose rows are never updated or deleted refuses it in the database
itself (the event log, the configuration's audit trail). SQLite has no such guard; there the
event log's hash chain (``pingan audit verify``) finds tampering. TRUNCATE is left to table
ownership (the test runner flushes with it): run the application as a role that does not
own the tables to take that away too. Used by migrations: keep its output stable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def append_only_sql(table: str, name: str) -> tuple[str, str]:
    """The SQL that makes ``table`` append-only, and the SQL that undoes it."""
    function, trigger = f"pingan_{name}_append_only", f"{table}_append_only"
    create = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
    return create, drop


def on_postgres(sql: str) -> Callable[[Any, Any], None]:
    """A RunPython operation's function that runs ``sql`` on PostgreSQL only."""
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run

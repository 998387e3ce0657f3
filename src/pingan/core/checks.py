from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def holiday_calendar_is_current(app_configs, **kwargs):
    """Only when it matters: open cases whose due dates rest on a year with no confirmed
    holiday schedule, named so the admin knows what the year's import will move.

    A database check, so it runs where the database is asked for: ``migrate`` (every start
    of the platform) and ``check --database default``."""
    from pingan.core.holiday_import import provisional_open_cases

    if not kwargs.get("databases"):
        return []
    try:
        affected = provisional_open_cases()
    except DatabaseError:  # not migrated yet: there is nothing to name
        return []
    if not affected.count:
        return []
    refs = ", ".join(affected.first_refs)
    more = ", …" if affected.count > len(affected.first_refs) else ""
    return [
        checks.Warning(
            f"{affected.count} open case(s) have due dates counted on the provisional holidays "
            f"of {', '.join(map(str, affected.years))} (no confirmed State Council schedule): "
            f"{refs}{more}.",
            hint="Import the year's State Council notice (`pingan holidays import FILE`, or the "
                 "admin site's holiday schedule): those due dates are then counted again.",
            id="pingan.W001",
        )
    ]

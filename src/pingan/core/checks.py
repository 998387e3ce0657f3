from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def holiday_calendar_is_current(app_configs, databases=None, **kwargs):
    """Only when it matters: open cases whose due dates rest on a year with no confirmed
    holiday schedule, named so the admin knows what the year's import will move.

    A database check, so it runs where the database is asked for: ``migrate`` (every start
    of the platform) and ``check --database default``."""
    from pingan.core.holiday_import import provisional_open_cases

    if not databases:  # the registry runs a database check in every run: asked for, or not
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


@checks.register()
def every_case_kind_is_placed(app_configs, **kwargs):
    """A kind listed in no domain is reached by every domain's roles (``scoping.kind_domain``),
    and a kind with no page cannot be linked to: both are refused at start, not found later in
    a list that shows too much."""
    from django.apps import apps
    from django.conf import settings

    from pingan.core.models import Case

    problems = []
    for model in apps.get_models():
        if not issubclass(model, Case) or model is Case:
            continue
        name = f"{model._meta.label}"
        if not model.KIND:
            problems.append(checks.Error(f"{name} names no KIND.", id="pingan.E002",
                                         hint="Set KIND on the model to the kind its cases are stored with."))
            continue
        if model.KIND not in settings.PINGAN_CASE_DOMAINS:
            problems.append(checks.Error(
                f"{name}'s kind “{model.KIND}” is in no domain: every domain's roles would reach it.",
                hint="Add it to PINGAN_CASE_DOMAINS.", id="pingan.E003"))
        if model.KIND not in settings.PINGAN_CASE_PAGES:
            problems.append(checks.Error(
                f"{name}'s kind “{model.KIND}” has no page.",
                hint="Add it to PINGAN_CASE_PAGES.", id="pingan.E004"))
    return problems

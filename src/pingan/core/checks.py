from django.core import checks
from django.utils import timezone


@checks.register()
def holiday_calendar_is_current(app_configs, **kwargs):
    from pingan.core.deadlines import calendar_covers

    year = timezone.now().year
    missing = [y for y in (year, year + 1) if not calendar_covers(y)]
    if not missing:
        return []
    return [
        checks.Warning(
            f"The holiday library has no State Council schedule for {missing}; working days "
            "in those years count weekends only.",
            hint="Upgrade the chinesecalendar package once the year's holiday notice is out.",
            id="pingan.W001",
        )
    ]

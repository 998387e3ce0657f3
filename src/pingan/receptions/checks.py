from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def reception_period_is_known(app_configs, **kwargs):
    from pingan.receptions.periods import period_kind

    try:
        period_kind()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Set PINGAN_RECEPTION_PERIOD in the environment.",
                             id="receptions.E001")]
    return []

"""Reports and accusations (the discipline line, sealed by settings.PINGAN_SEALED_LINES) are
read by the departments that handle the line. Until now the petition bureau handled every
category, this one included, and so read every accusation: the line is left to the
discipline-inspection unit (settings.PINGAN_PETITION_DISCIPLINE_UNIT_CODE) alone."""

from django.conf import settings
from django.db import migrations

KIND = "petition"
DISCIPLINE = "discipline"


def leave_the_line_to_the_discipline_unit(apps, schema_editor):
    Responsibility = apps.get_model("core", "Responsibility")
    Unit = apps.get_model("core", "Unit")
    office = Unit.objects.filter(code=settings.PINGAN_PETITION_DISCIPLINE_UNIT_CODE).first()
    if office is None:
        return  # no district yet: its departments are created with their own lines
    Responsibility.objects.get_or_create(department=office, case_kind=KIND, category=DISCIPLINE)
    Responsibility.objects.filter(case_kind=KIND, category=DISCIPLINE).exclude(department=office).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_access"),
        ("petitions", "0003_backlog"),
    ]

    operations = [
        migrations.RunPython(leave_the_line_to_the_discipline_unit, migrations.RunPython.noop),
    ]

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pingan.core.deadlines import DayKind
from pingan.core.management.exit_codes import PinganCommand
from pingan.core.models import DayType
from pingan.petitions.models import Profile
from pingan.petitions.profiles import CALCULATOR_RULES, Calculation, calculate


def _day(day: dt.date) -> str:
    return f"{day:%Y-%m-%d} {formats.date_format(day, 'l')}"


def _count(calc: Calculation, note) -> str:
    if note.counted:
        if calc.day_type == DayType.WORKING:
            return _("working day %(n)s") % {"n": note.counted}
        return _("day %(n)s, counted") % {"n": note.counted}
    if note.rolled:
        return _("passed over by the roll-forward")
    return _("the deadline") if note.day == calc.due else _("skipped")


class Command(PinganCommand):
    help = ("The due date of a petition term counted from a start date, with every rest day, "
            "holiday and make-up working day that decided it.")
    refused_help = "refused: the rule does not apply under the profile (the reason on stderr)"

    def add_arguments(self, parser):
        parser.add_argument("--profile", choices=Profile.values,
                            help="Default: the profile in force (the petition rules page).")
        parser.add_argument("--rule", required=True, choices=[name for name, _label in CALCULATOR_RULES])
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None,
                            help="YYYY-MM-DD, the day the term counts from (default: today).")

    def handle(self, *args, profile, rule, start, **options):
        calc = calculate(profile=profile, rule=rule, start=start or timezone.localdate())
        explanation = calc.explanation
        unit = _("working days") if calc.day_type == DayType.WORKING else _("calendar days")
        term = " + ".join(str(p) for p in calc.parts) + (f" = {calc.days}" if len(calc.parts) > 1 else "")
        out = self.stdout.write
        out(f"{calc.profile_label} · {calc.rule_label}")
        out(_("Counted from: %(start)s (%(what)s; that day itself is not counted)")
            % {"start": _day(calc.start), "what": calc.start_label})
        out(_("Term: %(term)s %(unit)s") % {"term": term, "unit": unit})
        out(_("The count ends on: %(day)s") % {"day": _day(explanation.count_ends)})
        if explanation.rolled:
            out(_("Roll-forward: yes, to the next working day"))
        else:
            out(_("Roll-forward: none"))
        out(_("Due: %(day)s") % {"day": _day(calc.due)})
        out(_("Source: %(sources)s") % {"sources": "; ".join(calc.sources)})
        if explanation.provisional:
            out(_("PROVISIONAL: the holiday schedule for %(years)s is not confirmed; its statutory "
                  "holidays stood in, with no make-up working days. The date may move when the "
                  "State Council's schedule is imported.")
                % {"years": ", ".join(map(str, explanation.provisional_years))})
        for note in explanation.days:
            kind = note.kind_label + (f" ({note.holiday})" if note.holiday else "")
            if note.provisional and note.kind != DayKind.WORKING:
                kind += " " + _("(provisional)")
            out(f"  {_day(note.day)}  {kind}  {_count(calc, note)}")

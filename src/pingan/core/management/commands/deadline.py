"""``pingan deadline``: the deadline calculator (``core.calculator``) on the command line."""

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pingan.core.calculator import calculate, profile_names, rule_names
from pingan.core.deadlines import DayKind
from pingan.core.management.exit_codes import PinganCommand


def _day(day: dt.date) -> str:
    return f"{day:%Y-%m-%d} {formats.date_format(day, 'l')}"


class Command(PinganCommand):
    help = ("The due date of a statutory term (a petition's, a deputy's suggestion's) counted from a "
            "start date, with every rest day, holiday and make-up working day that decided it.")
    refused_help = "refused: the rule does not apply under the profile (the reason on stderr)"

    def add_arguments(self, parser):
        parser.add_argument("--profile", choices=profile_names(),
                            help="The petition rules' profile (default: the one in force, as on the "
                                 "petition rules page); the other rules do not depend on it.")
        parser.add_argument("--rule", required=True, choices=rule_names())
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None,
                            help="YYYY-MM-DD, the day the term counts from (default: today).")

    def handle(self, *args, profile, rule, start, **options):
        calc = calculate(rule=rule, profile=profile, start=start or timezone.localdate())
        explanation = calc.explanation
        out = self.stdout.write
        out(" · ".join(label for label in (calc.group_label, calc.profile_label, calc.rule_label) if label))
        out(_("Counted from: %(start)s (%(what)s; that day itself is not counted)")
            % {"start": _day(calc.start), "what": calc.start_label})
        out(_("Term: %(term)s %(unit)s") % {"term": calc.term, "unit": calc.unit_label})
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
        for note, counted in calc.days_explained:
            kind = note.kind_label + (f" ({note.holiday})" if note.holiday else "")
            if note.provisional and note.kind != DayKind.WORKING:
                kind += " " + _("(provisional)")
            out(f"  {_day(note.day)}  {kind}  {counted}")

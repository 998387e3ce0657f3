from pathlib import Path

from django.utils.translation import gettext as _

from pingan.core.holiday_import import holidays_import, provisional_open_cases
from pingan.core.holidays import schedule, statutory_days
from pingan.core.ledger import LedgerRejected
from pingan.core.management.exit_codes import PinganCommand, refusal
from pingan.core.management.ledger_commands import IMPORT_REFUSED, acting_user, report_rejected
from pingan.core.models import HolidayKind, HolidayYear


class Command(PinganCommand):
    help = (
        "The State Council holiday schedule: import a year's notice (FILE, .xlsx or .csv, one row "
        "a day with the columns 日期, 类型 (放假 or 上班) and 节日), which confirms the year and counts "
        "again the open cases' provisional due dates; or list the years and whether each is confirmed."
    )
    refused_help = IMPORT_REFUSED

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = self.subcommand(actions, "import", refused=IMPORT_REFUSED,
                               help="Import a year's schedule from the State Council's notice.")
        load.add_argument("file", type=Path)
        load.add_argument("--user", required=True, help="Import as this user (named on the recounted cases).")
        load.add_argument("--basis", default="", help="The notice it comes from, e.g. 国办发明电〔2026〕5号.")
        load.add_argument("--errors", type=Path, metavar="REPORT.csv",
                          help="Also write the bad rows to this CSV file.")
        show = self.subcommand(actions, "list",
                               help="The years of the schedule and whether each is confirmed.")
        show.add_argument("year", type=int, nargs="?", help="Also list that year's days.")

    def handle(self, *args, action, **options):
        if action == "import":
            self.load(**options)
        else:
            self.show(options["year"])

    def load(self, *, file: Path, user: str, basis: str, errors: Path | None, **_options) -> None:
        actor = acting_user(user)
        try:
            result = holidays_import(source=file, actor=actor, basis=basis)
        except LedgerRejected as exc:
            report_rejected(self, exc.row_errors, errors)
            raise refusal(exc.message) from exc
        self.stdout.write(str(result))

    def show(self, year: int | None) -> None:
        for row in HolidayYear.objects.all():
            state = _("confirmed") if row.confirmed else _("not confirmed: statutory holidays, provisional")
            self.stdout.write(f"{row.year}  {state}  {row.get_source_display()}  {row.basis}")
        affected = provisional_open_cases()
        if affected.count:
            self.stdout.write(_("Open cases with provisional due dates: %(count)s (%(refs)s)")
                              % {"count": affected.count, "refs": ", ".join(affected.first_refs)})
        if year is None:
            return
        current = schedule()
        days = ({d: e for d, e in current.days.items() if d.year == year} if current.is_confirmed(year)
                else statutory_days(year))
        for day, entry in sorted(days.items()):
            mark = f" ({_('provisional')})" if entry.provisional else ""
            self.stdout.write(f"  {day:%Y-%m-%d}  {entry.festival_label}  "
                              f"{HolidayKind(entry.kind).label}{mark}")


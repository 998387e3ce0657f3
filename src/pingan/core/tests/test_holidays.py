"""The holiday schedule as data: seeded from the package, statutory holidays standing in for
a year with no confirmed schedule, the import of a year's notice, the system check and the
admin's yearly notice."""

import datetime as dt
import io
from typing import Any

import chinese_calendar
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client
from django.urls import reverse

from pingan.core.checks import holiday_calendar_is_current
from pingan.core.deadlines import DayKind, count_deadline, describe_day, is_working_day, year_confirmed
from pingan.core.errors import DomainError
from pingan.core.holiday_import import holiday_notice_sweep, holidays_import
from pingan.core.holidays import package_days, qingming, seed_from_package, statutory_days
from pingan.core.ledger import LedgerRejected
from pingan.core.models import (
    ConfigurationChange,
    DayType,
    Festival,
    HolidayDay,
    HolidayKind,
    HolidaySource,
    HolidayYear,
    Notification,
)

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
PACKAGE_YEARS = sorted(package_days())


def notice_csv(rows: list[tuple[str, str, str]], header: str = "日期,类型,节日") -> io.BytesIO:
    text = "\n".join([header, *(",".join(row) for row in rows)]) + "\n"
    return io.BytesIO(text.encode("utf-8"))


# A plausible 2027 notice: New Year 1–3 Jan, Spring Festival 5–13 Feb with Sunday 14 Feb
# worked, and the rest of the year's holidays (only the days the tests below meet matter).
NOTICE_2027 = [
    ("2027-01-01", "放假", "元旦"), ("2027-01-02", "放假", "元旦"), ("2027-01-03", "放假", "元旦"),
    *((f"2027-02-{d:02d}", "放假", "春节") for d in range(5, 14)),
    ("2027-02-14", "上班", "春节"),
    ("2027-04-05", "放假", "清明节"), ("2027-05-01", "放假", "劳动节"), ("2027-05-02", "放假", "劳动节"),
    ("2027-06-09", "放假", "端午节"), ("2027-09-15", "放假", "中秋节"),
    *((f"2027-10-{d:02d}", "放假", "国庆节") for d in range(1, 8)),
    ("2027-10-09", "上班", "国庆节"),
]


def test_the_package_years_are_seeded_confirmed_and_2027_is_not():
    assert PACKAGE_YEARS[0] == 2004 and PACKAGE_YEARS[-1] == 2026
    assert all(year_confirmed(y) for y in PACKAGE_YEARS)
    assert not year_confirmed(2027)
    row = HolidayYear.objects.get(year=2026)
    assert (row.confirmed, row.source) == (True, HolidaySource.PACKAGE)
    # Seeding again changes nothing: a year with days is never touched.
    assert seed_from_package() == []


@pytest.mark.parametrize(("day", "working", "kind", "provisional"), [
    ("2026-10-01", False, DayKind.HOLIDAY, False),   # National Day, from the package
    ("2026-10-10", True, DayKind.MAKE_UP, False),    # Saturday worked for National Day
    ("2026-10-12", True, DayKind.WORKING, False),
    ("2026-10-11", False, DayKind.REST, False),
    ("2027-01-01", False, DayKind.HOLIDAY, True),    # statutory New Year, provisional
    ("2027-01-04", True, DayKind.WORKING, True),     # an ordinary Monday of an unconfirmed year
    ("2027-02-06", False, DayKind.HOLIDAY, True),    # Spring Festival
    ("2027-02-09", True, DayKind.WORKING, True),     # the statutory four days are over
    ("2027-02-13", False, DayKind.REST, True),       # a Saturday, and no make-up days guessed
])
def test_days_on_the_schedule(day, working, kind, provisional):
    assert is_working_day(D(day)) is working
    described = describe_day(D(day))
    assert (described[0], described[2]) == (kind, provisional)


@pytest.mark.parametrize(("year", "expected"), [
    # New Year's Eve and the first three days; Qingming; Dragon Boat; Mid-Autumn (published
    # lunar calendars, e.g. the Hong Kong Observatory's).
    (2027, {Festival.SPRING_FESTIVAL: ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"],
            Festival.QINGMING: ["2027-04-05"], Festival.DRAGON_BOAT: ["2027-06-09"],
            Festival.MID_AUTUMN: ["2027-09-15"]}),
    (2028, {Festival.SPRING_FESTIVAL: ["2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"],
            Festival.QINGMING: ["2028-04-04"], Festival.DRAGON_BOAT: ["2028-05-28"]}),
])
def test_statutory_holidays_of_2027_and_2028(year, expected):
    days = statutory_days(year)
    by_festival: dict[str, list[str]] = {}
    for day, entry in sorted(days.items()):
        by_festival.setdefault(entry.festival, []).append(day.isoformat())
        assert (entry.kind, entry.source) == (HolidayKind.DAY_OFF, HolidaySource.PROVISIONAL)
    for festival, dates in expected.items():
        assert by_festival[festival] == dates
    assert by_festival[Festival.NEW_YEAR] == [f"{year}-01-01"]
    assert by_festival[Festival.LABOUR_DAY] == [f"{year}-05-01", f"{year}-05-02"]
    assert by_festival[Festival.NATIONAL_DAY] == [f"{year}-10-01", f"{year}-10-02", f"{year}-10-03"]
    # 1 + 4 + 1 + 2 + 1 + 1 + 3 days, as the 2024 amendment gives; in 2028 Mid-Autumn (15th
    # of the 8th lunar month) is 3 October, inside National Day, and no day is added for it.
    assert len(days) == (13 if year == 2027 else 12)
    if year == 2028:
        assert days[D("2028-10-03")].festival == Festival.NATIONAL_DAY


@pytest.mark.parametrize("year", range(2024, 2032))
def test_qingming_agrees_with_the_package_s_own_solar_terms(year):
    # A second source: chinesecalendar computes the solar terms by its own method.
    terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
    assert [day for day, name in terms if name == "清明"] == [qingming(year)]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_statutory_lunar_holidays_fall_inside_the_published_ones(year):
    # The years the State Council published: each statutory lunar day is a day off there.
    stored = {d for d, kind, _f in package_days()[year] if kind == HolidayKind.DAY_OFF}
    lunar = [d for d, e in statutory_days(year).items()
             if e.festival in (Festival.DRAGON_BOAT, Festival.MID_AUTUMN, Festival.QINGMING)]
    assert lunar and all(d in stored for d in lunar)


def test_a_term_counted_into_an_unconfirmed_year_is_provisional_and_keeps_its_basis():
    deadline = count_deadline(D("2026-12-20"), 30, DayType.CALENDAR)
    assert (deadline.due, deadline.provisional_years) == (D("2027-01-19"), (2027,))
    assert deadline.case_fields()["due_basis"] == {"start": "2026-12-20", "days": 30, "day_type": "calendar"}
    # Ending in 2026, the same kind of count rests on the confirmed year only.
    confirmed = count_deadline(D("2026-11-01"), 30, DayType.CALENDAR)
    assert not confirmed.provisional and confirmed.case_fields()["due_basis"] is None
    # A working-day count is decided by every day it passes: one day into 2027 suffices.
    assert count_deadline(D("2026-12-30"), 2, DayType.WORKING).provisional_years == (2027,)


def test_the_import_confirms_the_year_and_the_calendar_follows(personas):
    assert not is_working_day(D("2027-02-08")) and is_working_day(D("2027-02-10"))
    result = holidays_import(source=notice_csv(NOTICE_2027), filename="2027.csv",
                             actor=personas.admin, basis="国办发明电〔2026〕7号")
    assert (result.confirmed, result.unchanged, result.days) == ([2027], [], len(NOTICE_2027))
    row = HolidayYear.objects.get(year=2027)
    assert (row.confirmed, row.source, row.basis) == (True, HolidaySource.NOTICE, "国办发明电〔2026〕7号")
    assert year_confirmed(2027)
    assert not is_working_day(D("2027-02-10"))  # the notice's nine days, not the statute's four
    assert is_working_day(D("2027-02-14"))      # a make-up Sunday
    assert describe_day(D("2027-02-14")) == (DayKind.MAKE_UP, str(Festival.SPRING_FESTIVAL.label), False)
    # In the rules' audit trail once; the unchanged re-import below adds nothing.
    (audit,) = ConfigurationChange.objects.filter(model="core.holidayyear", object_id=str(row.pk))
    assert audit.actor == personas.admin and len(audit.after["days"]) == len(NOTICE_2027)
    again = holidays_import(source=notice_csv(NOTICE_2027), filename="2027.csv", actor=personas.admin)
    assert (again.confirmed, again.unchanged, again.recounted) == ([], [2027], [])
    assert HolidayYear.objects.get(year=2027).basis == "国办发明电〔2026〕7号"
    assert ConfigurationChange.objects.filter(model="core.holidayyear").count() == 1


def test_a_bad_file_is_refused_row_by_row_and_changes_nothing(personas):
    rows = [
        ("2027-01-01", "放假", "元旦"),
        ("2027-13-01", "放假", "元旦"),          # no such date
        ("2027-02-05", "请假", "春节"),          # not a kind
        ("2027-02-06", "放假", "圣诞节"),        # not a holiday of the rules
        ("2027-02-10", "上班", "春节"),          # a Wednesday cannot be a make-up day
        ("2027-01-01", "放假", "元旦"),          # twice
    ]
    with pytest.raises(LedgerRejected) as refused:
        holidays_import(source=notice_csv(rows), filename="bad.csv", actor=personas.admin)
    assert [e.row for e in refused.value.row_errors] == [3, 4, 5, 6, 7]
    assert "周" not in refused.value.row_errors[0].message
    assert not HolidayYear.objects.filter(year=2027, confirmed=True).exists()
    assert not HolidayDay.objects.filter(day__year=2027).exists()
    assert not year_confirmed(2027)
    with pytest.raises(DomainError):
        holidays_import(source=notice_csv([("2027-02-14", "上班", "春节")]), filename="x.csv",
                        actor=personas.admin)
    with pytest.raises(DomainError):
        holidays_import(source=notice_csv([], header="姓名,电话"), filename="x.csv", actor=personas.admin)


def test_the_import_reads_an_xlsx_with_english_headers(personas, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2027年全国节假日安排"])
    sheet.append(["Date", "Kind", "Holiday"])
    sheet.append([dt.datetime(2027, 10, 1), "day off", "National Day"])
    sheet.append(["2027年10月9日", "调休上班", "国庆节、中秋节"])
    path = tmp_path / "notice.xlsx"
    book.save(path)
    result = holidays_import(source=path, actor=personas.admin)
    assert result.confirmed == [2027]
    days = list(HolidayDay.objects.filter(year__year=2027).values_list("day", "kind", "festival"))
    assert days == [(D("2027-10-01"), HolidayKind.DAY_OFF, Festival.NATIONAL_DAY),
                    (D("2027-10-09"), HolidayKind.MAKE_UP, Festival.NATIONAL_DAY)]


def test_the_command_imports_and_refuses_with_a_failing_exit(personas, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型,节日\n2027-02-10,上班,春节\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("holidays", "import", str(bad), "--user", personas.admin.username, stderr=err)
    assert "2027-02-10" in err.getvalue()
    good = tmp_path / "2027.csv"
    good.write_bytes(notice_csv(NOTICE_2027).getvalue())
    out = io.StringIO()
    call_command("holidays", "import", str(good), "--user", personas.admin.username, stdout=out)
    assert "2027" in out.getvalue() and year_confirmed(2027)
    listing = io.StringIO()
    call_command("holidays", "list", "2028", stdout=listing)
    assert "2028-01-25" in listing.getvalue()


@time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False)
def test_the_system_check_speaks_only_when_an_open_case_is_provisional(make_hazard):
    assert holiday_calendar_is_current(None, databases=["default"]) == []
    make_hazard(title="年底前的隐患")  # 7 days from 1 December: 8 December 2026, confirmed
    assert holiday_calendar_is_current(None, databases=["default"]) == []
    with time_machine.travel(dt.datetime(2026, 12, 28, 9, tzinfo=dt.UTC), tick=False):
        late = make_hazard(title="跨年的隐患")
    assert late.due_provisional
    (warning,) = holiday_calendar_is_current(None, databases=["default"])
    assert warning.id == "pingan.W001"
    assert "1 open case" in warning.msg and late.ref in warning.msg and "2027" in warning.msg
    # Without a database asked for (``check`` alone), a database check stays silent.
    assert holiday_calendar_is_current(None) == []
    # ``check --database default`` names it.
    with pytest.raises(SystemCheckError, match=late.ref):
        call_command("check", "--database", "default", "--fail-level", "WARNING")


def test_the_admin_is_told_once_from_october_while_next_year_is_unconfirmed(personas):
    september = dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC)
    october = dt.datetime(2026, 10, 2, 1, tzinfo=dt.UTC)
    assert not holiday_notice_sweep(now=september)
    assert holiday_notice_sweep(now=october)
    assert not holiday_notice_sweep(now=october + dt.timedelta(days=1))  # once a year
    (notice,) = Notification.objects.filter(user=personas.admin)
    assert notice.case is None and "2027" in notice.message
    assert notice.link == reverse("admin:core_holidayyear_changelist")
    assert not Notification.objects.filter(user=personas.town_handler).exists()
    # The inbox shows it.
    from pingan.core.inbox import unread_for
    assert list(unread_for(personas.admin)) == [notice]
    client = Client()
    client.force_login(personas.admin)
    page = client.get(reverse("my-work")).content.decode()
    assert notice.message in page and f'href="{notice.link}"' in page
    # Once the year is confirmed, nothing more is sent, in any year's October.
    holidays_import(source=notice_csv(NOTICE_2027), filename="2027.csv", actor=personas.admin)
    HolidayYear.objects.filter(year=2027).update(unconfirmed_notice_at=None)
    assert not holiday_notice_sweep(now=october)


def test_the_admin_site_confirms_a_year_and_imports_a_notice(client, personas, make_hazard):
    with time_machine.travel(dt.datetime(2026, 12, 28, 9, tzinfo=dt.UTC), tick=False):
        hazard = make_hazard(title="跨年的隐患")  # 7 days: Monday 4 January 2027, provisional
    assert hazard.due_provisional
    client.force_login(personas.admin)  # the district admin, whom the October notice sends here
    response = client.post(reverse("admin:core_holidayyear_add"), {
        "year": "2027", "confirmed": "on", "basis": "国办发明电〔2026〕7号",
        "days-TOTAL_FORMS": "2", "days-INITIAL_FORMS": "0",
        "days-0-day": "2027-01-01", "days-0-kind": "day_off", "days-0-festival": "new_year",
        # The admin gives 4 January off: the hazard's date moves to the 5th.
        "days-1-day": "2027-01-04", "days-1-kind": "day_off", "days-1-festival": "new_year",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert year_confirmed(2027) and not is_working_day(D("2027-01-04"))
    assert HolidayDay.objects.get(day=D("2027-01-04")).source == HolidaySource.ADMIN
    hazard.refresh_from_db()
    assert (hazard.due_at.date(), hazard.due_provisional) == (D("2027-01-05"), False)
    # A day outside the year is refused on the form.
    refused = client.post(reverse("admin:core_holidayyear_add"), {
        "year": "2028", "confirmed": "on", "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0",
        "days-0-day": "2029-01-01", "days-0-kind": "day_off", "days-0-festival": "new_year",
    })
    assert refused.status_code == 200 and not HolidayYear.objects.filter(year=2028).exists()
    weekday = client.post(reverse("admin:core_holidayyear_add"), {
        "year": "2028", "confirmed": "on", "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0",
        "days-0-day": "2028-01-26", "days-0-kind": "make_up", "days-0-festival": "spring_festival",
    })
    assert weekday.status_code == 200 and not HolidayYear.objects.filter(year=2028).exists()
    # The import page: a bad file lists its rows and changes nothing; a good one confirms.
    page = client.get(reverse("admin:core_holidayyear_import"))
    assert page.status_code == 200
    bad = client.post(reverse("admin:core_holidayyear_import"),
                      {"file": _upload("bad.csv", [("2028-02-09", "上班", "春节")])})
    assert bad.status_code == 200 and "2028-02-09" in bad.content.decode()
    assert not year_confirmed(2028)
    good = client.post(reverse("admin:core_holidayyear_import"),
                       {"file": _upload("2028.csv", [("2028-01-01", "放假", "元旦")]), "basis": "通知"})
    assert good.status_code == 302 and year_confirmed(2028)
    # The district admin, staff but no holiday permission, cannot reach the import page.
    client.force_login(personas.town_handler)
    assert client.get(reverse("admin:core_holidayyear_import")).status_code in (302, 403)


def _upload(name: str, rows: list[tuple[str, str, str]]) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, notice_csv(rows).getvalue(), content_type="text/csv")


@pytest.mark.django_db(transaction=True)
def test_the_worker_s_sweep_sends_the_notice(personas):
    from django_tasks_db.models import DBTaskResult

    with time_machine.travel(dt.datetime(2026, 10, 5, 2, tzinfo=dt.UTC), tick=False):
        call_command("worker", "--once")
    swept = DBTaskResult.objects.get(task_path="pingan.core.tasks.sweep_holiday_notice")
    assert swept.status == "SUCCESSFUL"
    assert Notification.objects.filter(user=personas.admin, case__isnull=True).count() == 1

"""Deputies' suggestions and members' proposals in the demo district (柯城区): the items the
district's deputies brought to 市八届人大一次会议 (opened 26 April 2022) and its members to 市政协
八届一次会议 (opened 25 April 2022), as the source document's last article reports, handled
through the real services with back-dated times.

The district's office (``renda``) registers them in early May and assigns each in May to a
lead unit, a third with co-handlers; three leads send a wrong assignment back within the
window and the office re-assigns it (every term counting again); one extension is approved;
the co-handlers send their opinions, the leads contact the proposers before replying with a
reply document and a result class; the office records every rating. Most replies come on
time, some late; one 不满意 is handled again and then rated 基本满意; class B and C replies
promise a date, most since kept, two still open — one falling due within the board's window
of the demo's today, one about half a year on — so the promise board has something to show.
Five are key suggestions supervised by a deputy district head.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction

from pingan.core.deadlines import next_working_day_on_or_after
from pingan.core.models import Domain, RoleName, Unit
from pingan.demo import suggestion_texts as texts
from pingan.demo.district import DISTRICT_CODE, demo_login, demo_role, leader_in_charge
from pingan.demo.generator import DemoContext, DomainDemo, Summary, local_moment
from pingan.demo.people import Hiring, invented_name
from pingan.demo.play import mark_handled_notices_read
from pingan.demo.suggestion_texts import Fate, Item
from pingan.demo.supervision import LEADER
from pingan.suggestions import services
from pingan.suggestions.models import Channel, ContactWay, Return, Satisfaction, Session, Status, Suggestion
from pingan.suggestions.workflow import promise_latest
from pingan.testing import tiny_pdf

SEED_OFFSET = 13
# (name, body, opening day): the source's "分别于4月26日和4月25日开幕".
SESSIONS = (("市八届人大一次会议", Channel.CONGRESS, dt.date(2022, 4, 26)),
            ("市政协八届一次会议", Channel.CONFERENCE, dt.date(2022, 4, 25)))
# The city's offices hand the district its share a week or so after the sessions close; the
# district's office registers them, then assigns them over the next week or so — early enough
# that the returned ones are re-assigned in May too.
REGISTERED_ON = {Channel.CONGRESS: dt.date(2022, 5, 6), Channel.CONFERENCE: dt.date(2022, 5, 9)}
ASSIGNED_FROM, ASSIGNING_DAYS = dt.date(2022, 5, 10), 8
OFFICE = ("renda", "区政府办 方晓红", "建议提案办理科")
LIAISON_TITLE = "建议提案办理联络员"
FIXED_LOGINS = {"交通运输局": "jiaotong"}
PROMISE_CLASSES = {Fate.PROMISE_KEPT: ("B", "C"), Fate.PROMISE_SOON: ("B",), Fate.PROMISE_LATER: ("C",)}
CONTACT_WAYS = (ContactWay.VISIT, ContactWay.PHONE, ContactWay.MEETING)


class Handling:
    """One item played from registration to its last step, each step through the services at
    a back-dated moment, by whoever takes it."""

    def __init__(self, ctx: DemoContext, rng: random.Random, people: dict[str, Any], units: dict[str, Unit],
                 office: Any):
        self.ctx, self.rng, self.people, self.units, self.office = ctx, rng, people, units, office

    def step(self, suggestion: Suggestion, name: str, actor: Any, at: dt.datetime, **inputs: Any) -> None:
        suggestion.refresh_from_db()
        services.suggestion_transition(suggestion=suggestion, name=name, actor=actor,
                                       expected_version=suggestion.version, at=at, **inputs)

    def assign(self, suggestion: Suggestion, lead: str, co: tuple[str, ...], day: dt.date) -> None:
        suggestion.refresh_from_db()
        services.suggestion_assign(suggestion=suggestion, actor=self.office, lead=self.units[lead],
                                   co_handlers=[self.units[name] for name in co],
                                   expected_version=suggestion.version, at=local_moment(day, 9))

    def play(self, suggestion: Suggestion, item: Item, assigned: dt.date) -> None:
        rng = self.rng
        if item.fate == Fate.RETURNED:
            self.assign(suggestion, item.wrong_lead, (), assigned)
            returned = assigned + dt.timedelta(days=rng.randint(2, 7))
            self.step(suggestion, "return", self.people[item.wrong_lead], local_moment(returned, 15),
                      note=item.return_reason)
            assigned = next_working_day_on_or_after(returned + dt.timedelta(days=rng.randint(1, 3)))
        self.assign(suggestion, item.lead, item.co, assigned)
        lead = self.people[item.lead]
        reply_day = self._reply_day(item, assigned, suggestion.reply_due)
        contact_day = max(assigned, reply_day - dt.timedelta(days=rng.randint(2, 10)))
        # The opinions come while the lead is still at work (before it contacts the proposer),
        # in the order they come.
        opinions = sorted((max(assigned, min(assigned + dt.timedelta(days=rng.randint(10, 40)),
                                             contact_day - dt.timedelta(days=1))), name) for name in item.co)
        for opinion_day, name in opinions:
            services.suggestion_co_opinion(suggestion=suggestion, actor=self.people[name],
                                           at=local_moment(opinion_day, 11),
                                           opinion=texts.CO_OPINION.format(ask_head=item.ask.split("，")[0]))
        if item.fate == Fate.EXTENDED:  # after the opinions came, before the three months ran out
            self._extend(suggestion, lead, asked=assigned + dt.timedelta(days=rng.randint(60, 75)))
        code, promise = self._result(item, reply_day)
        self._reply(suggestion, lead, contact_day, reply_day, code, promise)
        rated = reply_day + dt.timedelta(days=rng.randint(8, 20))
        if item.fate == Fate.REHANDLED:
            self._rate(suggestion, Satisfaction.DISSATISFIED, rated, note=texts.DISSATISFIED_NOTE)
            again = next_working_day_on_or_after(rated + dt.timedelta(days=rng.randint(14, 24)))
            contacted = rated + dt.timedelta(days=rng.randint(3, 8))
            self._reply(suggestion, lead, contacted, again, "A", None, note=texts.REHANDLED_REPLY)
            self._rate(suggestion, Satisfaction.BASICALLY, again + dt.timedelta(days=10))
            return
        self._rate(suggestion, self._satisfaction(code, item), rated)
        if item.fate == Fate.PROMISE_KEPT:
            kept = max(rated + dt.timedelta(days=1), promise - dt.timedelta(days=rng.randint(0, 20)))
            self.step(suggestion, "keep_promise", lead, local_moment(kept, 16), note=texts.PROMISE_KEPT_NOTE,
                      attachments=[("承诺事项完成情况.pdf", tiny_pdf(f"{suggestion.ref} promise kept"))])

    def _reply_day(self, item: Item, assigned: dt.date, reply_due: dt.date) -> dt.date:
        """A working day: by the three months' due date (itself a working day); after it when
        late, or extended (then well within the six months)."""
        rng = self.rng
        if item.fate == Fate.LATE:
            return next_working_day_on_or_after(reply_due + dt.timedelta(days=rng.randint(3, 24)))
        if item.fate == Fate.EXTENDED:
            return next_working_day_on_or_after(reply_due + dt.timedelta(days=rng.randint(20, 60)))
        return next_working_day_on_or_after(assigned + dt.timedelta(days=rng.randint(30, 82)))

    def _extend(self, suggestion: Suggestion, lead: Any, *, asked: dt.date) -> None:
        approved = asked + dt.timedelta(days=2)
        self.step(suggestion, "request_extension", lead, local_moment(asked, 10),
                  note=texts.EXTENSION_REQUEST)
        self.step(suggestion, "approve_extension", self.office, local_moment(approved, 10),
                  note=texts.EXTENSION_APPROVED)

    def _result(self, item: Item, reply_day: dt.date) -> tuple[str, dt.date | None]:
        """The reply's class and, for B and C, its promised date. A promise reaches at most
        ``PINGAN_SUGGESTION_PROMISE_MAX_YEARS`` past its 2022 reply: a demo loaded after mid-2027
        finds the two open ones overdue rather than falling due."""
        if item.fate not in PROMISE_CLASSES:
            return ("D" if item.fate == Fate.REHANDLED else self.rng.choice("AAAD")), None
        today = self.ctx.today
        promise = {
            Fate.PROMISE_KEPT: reply_day + dt.timedelta(days=self.rng.randint(120, 420)),
            Fate.PROMISE_SOON: today + dt.timedelta(days=settings.PINGAN_SUGGESTION_PROMISE_SOON_DAYS - 2),
            Fate.PROMISE_LATER: today + dt.timedelta(days=200),
        }[item.fate]
        return self.rng.choice(PROMISE_CLASSES[item.fate]), min(promise, promise_latest(reply_day))

    def _reply(self, suggestion: Suggestion, lead: Any, contact_day: dt.date, reply_day: dt.date, code: str,
               promise: dt.date | None, note: str = "") -> None:
        way = self.rng.choice(CONTACT_WAYS)
        proposer = suggestion.proposers.split("（")[0]
        self.step(suggestion, "record_contact", lead, local_moment(contact_day, 14, 30),
                  contacted_on=contact_day, way=way, note=texts.CONTACT_NOTES[way].format(proposers=proposer))
        document = (f"{suggestion.ref}答复函.pdf", tiny_pdf(f"{suggestion.ref} reply, class {code}"))
        self.step(suggestion, "reply", lead, local_moment(reply_day, 16), note=note or texts.REPLIES[code],
                  result_class=code, promise_due=promise, reply_document=[document])

    def _satisfaction(self, code: str, item: Item) -> str:
        if item.fate == Fate.LATE or code == "D":
            return self.rng.choice((Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.BASICALLY))
        return self.rng.choice((Satisfaction.SATISFIED,) * 4 + (Satisfaction.BASICALLY,))

    def _rate(self, suggestion: Suggestion, satisfaction: str, day: dt.date, note: str = "") -> None:
        suggestion.refresh_from_db()
        services.suggestion_rate(suggestion=suggestion, actor=self.office, satisfaction=satisfaction,
                                 expected_version=suggestion.version, at=local_moment(day, 10),
                                 note=note or texts.RATING_NOTE)


def _staff(rng: random.Random, items: tuple[Item, ...]) -> tuple[Any, dict[str, Any], dict[str, Unit]]:
    """The office, the supervising leaders, and a liaison at every unit the items go to."""
    district = Unit.objects.get(prefix=DISTRICT_CODE)
    login, name, title = OFFICE
    office = demo_login(login, name)
    demo_role(office, district, RoleName.HANDLER, title, Domain.SUGGESTIONS)
    leaders = {LEADER[0]: leader_in_charge(*LEADER, district, Domain.SUGGESTIONS, texts.LEADER_TITLE)}
    login, name, title = texts.ECONOMY_LEADER
    leaders[login] = leader_in_charge(login, name, district, Domain.SUGGESTIONS, title)
    names = sorted({name for item in items for name in (item.lead, item.wrong_lead, *item.co) if name})
    units = {unit.name: unit for unit in Unit.objects.filter(name__in=names, parent=district)}
    hiring = Hiring(rng)
    people = {name: hiring.hire(units[name], name, LIAISON_TITLE, domain=Domain.SUGGESTIONS,
                                login=FIXED_LOGINS.get(name, "")) for name in names}
    hiring.save()
    return office, {**people, **leaders}, units


def _proposers(rng: random.Random, item: Item) -> str:
    if item.proposers:
        return item.proposers
    surname, given = invented_name(rng)
    signers = rng.choice((0, 0, 3, 5))
    return f"{surname}{given}" + (f"等{signers}名{texts.SIGNERS[item.channel]}" if signers else "")


def generate(ctx: DemoContext, count: int) -> Summary:
    """The first ``count`` items of the two sessions (the source's own first), each played to
    its last step."""
    rng = ctx.rng(SEED_OFFSET)
    items = texts.ITEMS[:count]
    with transaction.atomic():
        office, people, units = _staff(rng, items)
        sessions = {channel: services.session_get_or_create(actor=office, name=name, channel=channel,
                                                            opened_on=opened_on)
                    for name, channel, opened_on in SESSIONS}
        numbers = {channel: rng.randint(5, 20) for channel in sessions}
        handling = Handling(ctx, rng, people, units, office)
        for item in items:
            numbers[item.channel] += rng.randint(1, 9)
            suggestion = services.suggestion_register(
                actor=office, session=sessions[item.channel], number=str(numbers[item.channel]),
                title=item.title, proposers=_proposers(rng, item), delegation=texts.DELEGATIONS[item.channel],
                text=item.ask, category=item.category, is_key=bool(item.leader),
                supervising_leader=people[item.leader] if item.leader else None,
                at=local_moment(REGISTERED_ON[item.channel], 10))
            assigned = next_working_day_on_or_after(
                ASSIGNED_FROM + dt.timedelta(days=rng.randrange(ASSIGNING_DAYS)))
            handling.play(suggestion, item, assigned)
        mark_handled_notices_read(now=ctx.now)
    return summarise(ctx)


def summarise(ctx: DemoContext) -> Summary:
    suggestions = Suggestion.objects.all()
    return Summary(
        domain="suggestions and proposals", now=ctx.now, total=suggestions.count(),
        breakdowns={"body": dict(Counter(suggestions.values_list("session__channel", flat=True))),
                    "status": dict(Counter(suggestions.values_list("status", flat=True)))},
        counts={"returned": Return.objects.count(),
                "re-handled": suggestions.exclude(rehandle_due=None).count(),
                "late": suggestions.filter(first_reply_on_time=False).count(),
                "open promises": suggestions.filter(status=Status.PROMISE).count(),
                "key": suggestions.filter(is_key=True).count()},
        named={"sessions": " / ".join(Session.objects.order_by("opened_on").values_list("name", flat=True))},
    )


SUGGESTIONS = DomainDemo(
    name="suggestions", default_count=len(texts.ITEMS),
    count_help="How many of the two 2022 sessions' suggestions and proposals to register (at most "
               f"{len(texts.ITEMS)}; the source document's own first).",
    generate=generate,
)

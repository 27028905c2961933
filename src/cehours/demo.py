"""A synthetic Lishui for demonstration and benchmarks: every name and number is made up (Faker zh_CN).

Its people have hours for the `years` complete calendar years before the current one and for the
current year up to today — nothing dated later, since the ledger's door refuses the future. Most
people meet the annual requirement (R11) in every complete year, so a title check over those years
(R13) passes for them; every fifth one falls short in one or two years on purpose (too few
professional hours, too few public hours, or enough of each but too few in all), so reviewers see
both answers with their reasons. Each person-year's records lie on days of their own, so the
daily cap of offline hours (R12a) never has to cut one.
"""

from __future__ import annotations

import random
from base64 import b32encode
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from cehours.access.models import Role
from cehours.access.services import grant_create, password_set, totp_enrol_confirmed
from cehours.access.signin import second_factor_required
from cehours.audit.services import audit_record
from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.rulesets import rules_for_year
from cehours.ledger.services import NewEntry, Outcome, entries_register_bulk
from cehours.people.identity import stored_identity
from cehours.people.models import County, Organisation, OrganisationKind, Person, Series, TitleRequirement, Unit
from cehours.rules.conversion import offline_training_hours, online_hours
from cehours.rules.hours import Category
from cehours.rules.identifiers import id_check_digit, uscc_check_char
from cehours.rules.ruleset import RuleSet, RuleVersion
from cehours.rules.titles import TitleLevel

DEMO_PASSWORD = "cehours-demo-2026"

SERIES = [
    ("health", "卫生"),
    ("education", "教育"),
    ("engineering", "工程"),
    ("agriculture", "农业"),
    ("economics", "经济"),
    ("accounting", "会计"),
]
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# R13: city HR's title table for the demo series — PLACEHOLDER figures, not the official ones
# (第十三条 names no numbers; the years each application requires are set by the title rules of
# each series). Marked `placeholder` so every page that uses them says 占位值.
DEMO_TITLE_YEARS = {
    TitleLevel.JUNIOR: 2,
    TitleLevel.INTERMEDIATE: 3,
    TitleLevel.DEPUTY_SENIOR: 5,
    TitleLevel.SENIOR: 5,
}
DEMO_TITLE_NAMES = {
    "health": ("医师", "主治医师", "副主任医师", "主任医师"),
    "education": ("二级教师", "一级教师", "高级教师", "正高级教师"),
    "engineering": ("助理工程师", "工程师", "高级工程师", "正高级工程师"),
    "agriculture": ("助理农艺师", "农艺师", "高级农艺师", "正高级农艺师"),
    "economics": ("助理经济师", "经济师", "高级经济师", "正高级经济师"),
    "accounting": ("助理会计师", "会计师", "高级会计师", "正高级会计师"),
}
DEMO_TITLE_FROM = date(1990, 1, 1)  # in force for every year the platform holds


def _demo_title_requirements(series: dict[str, Series]) -> int:
    """Placeholder rows for every demo series and level, once (the table is append-only)."""
    if TitleRequirement.objects.filter(series__in=list(series.values())).exists():
        return 0
    rows = [
        TitleRequirement(
            series=s,
            level=level.value,
            local_name=DEMO_TITLE_NAMES.get(code, ("", "", "", ""))[index],
            required_years=DEMO_TITLE_YEARS[level],
            effective_from=DEMO_TITLE_FROM,
            placeholder=True,
        )
        for code, s in series.items()
        for index, level in enumerate(TitleLevel)
    ]
    TitleRequirement.objects.bulk_create(rows)
    audit_record(
        actor=None,
        actor_label="demo",
        action="titles.placeholders_loaded",
        object_type="title_requirement",
        after={"rows": len(rows), "years": {level.value: n for level, n in DEMO_TITLE_YEARS.items()}},
    )
    return len(rows)


def synthetic_id_number(rng: random.Random, county_code: str) -> str:
    birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
    first17 = f"{county_code}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_digit(first17)


def synthetic_credit_code(rng: random.Random, county_code: str) -> str:
    first17 = "12" + county_code + "".join(rng.choice(_USCC_BODY) for _ in range(9))
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    description: str


def _staff(username: str, role: str, description: str, name: str = "", **grant) -> DemoAccount:
    # A synthetic display name: pages name people, never logins (issue 12).
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"first_name": name})
    # Through the one password door: checked, and to be changed at the first sign-in like any
    # password someone else chose.
    password_set(user=user, raw=DEMO_PASSWORD)
    if created:
        grant_create(user=user, role=role, **grant)
    if second_factor_required(user):
        # Enrolled here so a tester can sign in at once: the secret goes into any authenticator app.
        secret = b32encode(totp_enrol_confirmed(user=user).bin_key).decode()
        description += f"；动态口令密钥：{secret}"
    return DemoAccount(username, role, description)


class DemoNotRegistered(CommandError):
    """The ledger's door did not take the demo's records as they are: the demo and the door disagree."""


# The sizes of the demo's learning: courseware minutes of an online course, and offline trainings
# of 2–5 days claiming some hours (R12a cuts a claim above 6 hours a day before it is registered).
_COURSE_MINUTES = (135, 180, 270, 360, 400, 540)
_SHORTEST_COURSE = 45  # only to land exactly on a planned shortfall
_TRAINING_DAYS = (2, 3, 4, 5)
_TRAINING_CLAIMS = (12, 16, 24, 30)
_TRAINING_SHARE = 0.45  # of a year's professional records
_GENERAL_SHARES = ("0.6", "0.65", "0.7")  # of the public hours
# The current year's progress against a full year, relative to how much of it has passed.
_PACE = (0.5, 0.8, 1.0, 1.15)
# A shortfall the demo plants in a complete year, as compliance.py names the missing figure.
_SHORTFALLS = ("professional", "public", "total")
SHORT_EVERY = 5  # one person in this many (the demo professional excepted) falls short on purpose


class _Item(NamedTuple):
    """One planned record: an online course (days 0; amount = minutes) or a training (amount = hours claimed)."""

    category: str
    hours: Decimal
    days: int
    amount: int
    explanation: str


class _Year:
    """What every person-year of one calendar year shares: its rules, record sizes and available days."""

    def __init__(self, year: int, today: date, versions: list[RuleVersion]) -> None:
        self.year = year
        # A year is judged by the rules in force on 31 December (ledger.rulesets.rules_for_year).
        self.rules: RuleSet = rules_for_year(year, versions)
        first, last = date(year, 1, 1), min(date(year, 12, 31), today)
        self.days = tuple(first + timedelta(days=n) for n in range((last - first).days + 1))
        self.elapsed = len(self.days) / ((date(year, 12, 31) - first).days + 1)
        per_hour = self.rules.online_minutes_per_hour
        self.courses = {
            category: [
                _Item(category, online_hours(m, self.rules), 0, m, f"课件时长 {m} 分钟，每{per_hour}分钟折算1学时")
                for m in (_SHORTEST_COURSE, *_COURSE_MINUTES)
            ]
            for category in Category
        }
        # Every length up to the longest: a training that finds fewer free days is shortened (_span).
        lengths = range(1, max(_TRAINING_DAYS) + 1)
        self.trainings = {(d, claim): self._training(d, claim) for d in lengths for claim in _TRAINING_CLAIMS}
        self.fill = {
            category: [*self.courses[category], *(self.trainings.values() if category == Category.PROFESSIONAL else ())]
            for category in Category
        }

    def _training(self, days: int, claim: int) -> _Item:
        start = date(self.year, 1, 1)
        result = offline_training_hours(start, start + timedelta(days=days - 1), Decimal(claim), self.rules)
        return _Item(Category.PROFESSIONAL, result.hours, days, claim, result.explanation if result.capped else "")

    def pick(self, rng: random.Random, category: Category) -> _Item:
        if category == Category.PROFESSIONAL and rng.random() < _TRAINING_SHARE:
            return self.trainings[rng.choice(_TRAINING_DAYS), rng.choice(_TRAINING_CLAIMS)]
        return rng.choice(self.courses[category][1:])

    def plan(self, rng: random.Random, category: Category, goal: Decimal, *, ceiling: bool = False):
        """Records of one category until `goal` is reached; with `ceiling`, never above it."""
        items: list[_Item] = []
        have = Decimal(0)
        while have < goal:
            item = self.pick(rng, category)
            if ceiling and have + item.hours > goal:
                fitting = [i for i in self.fill[category] if have + i.hours <= goal]
                if not fitting:
                    break
                item = rng.choice(fitting)
            items.append(item)
            have += item.hours
        return items, have

    def person_year(
        self, rng: random.Random, *, shortfall: str | None = None, pace: float | None = None
    ) -> list[_Item]:
        """One person's records for the year: meeting R11, short of it as `shortfall` says, or at `pace`."""
        r = self.rules
        if shortfall == "public":
            public_goal = _part(r.annual_public, rng.choice(("0.4", "0.6", "0.8"))) - 1
        elif shortfall == "total":
            public_goal = r.annual_public + rng.randint(1, 2)
        else:
            public_goal = r.annual_public + rng.randint(0, 6)
        general_goal = _part(public_goal, rng.choice(_GENERAL_SHARES))
        # Never nothing: on 1 January too the current year has begun for everyone.
        scale = Decimal("1") if pace is None else Decimal(str(max(round(pace, 3), 0.001)))
        # A planted shortfall never goes above its figures; otherwise the last record may overshoot.
        exact = shortfall in ("public", "total")
        general, general_have = self.plan(rng, Category.GENERAL_PUBLIC, general_goal * scale, ceiling=exact)
        industry, public_have = self.plan(
            rng, Category.INDUSTRY_PUBLIC, public_goal * scale - general_have, ceiling=exact
        )
        public_have += general_have
        if shortfall == "professional":
            professional_goal = _part(r.annual_professional, rng.choice(("0.6", "0.75", "0.9")))
        elif shortfall == "total":
            professional_goal = r.annual_professional + rng.randint(1, 4)
        else:
            professional_goal = max(r.annual_professional, r.annual_total - public_have) + rng.randint(0, 12)
        exact = shortfall in ("professional", "total")
        professional, _ = self.plan(rng, Category.PROFESSIONAL, professional_goal * scale, ceiling=exact)
        return general + industry + professional


def _part(hours: Decimal, share: str | Decimal) -> Decimal:
    return (hours * Decimal(share)).to_integral_value()


def _shortfall_possible(rules: RuleSet, kind: str) -> bool:
    # "total": each sub-requirement met but not the sum; the figures must leave room for that.
    return kind != "total" or rules.annual_total - rules.annual_professional - rules.annual_public >= 10


def _entries(rng: random.Random, person_id: int, year: _Year, items: list[_Item], days: tuple[date, ...]):
    """The planned records as ledger entries, each on days of its own among `days`."""
    rng.shuffle(items)
    if len(items) > len(days):  # only early in January: fewer records than days so far
        del items[len(days) :]
    n, length = len(items), len(days)
    entries = []
    for k, item in enumerate(items):
        lo, hi = k * length // n, (k + 1) * length // n
        if item.days == 0:
            day = days[rng.randrange(lo, hi)]
            entries.append(
                NewEntry(
                    person_id=person_id,
                    category=item.category,
                    hours=item.hours,
                    source=Source.PLATFORM_COURSE,
                    activity_type="online_course",
                    title=f"在线课程第{rng.randint(1, 400)}讲",
                    completed_on=day,
                    explanation=item.explanation,
                )
            )
            continue
        start, end, item = _span(rng, year, days, lo, hi, item)
        entries.append(
            NewEntry(
                person_id=person_id,
                category=item.category,
                hours=item.hours,
                source=Source.DECLARATION,
                activity_type="offline_training",
                title=f"专业技术培训班（{item.days}天）",
                start_on=start,
                end_on=end,
                completed_on=end,
                explanation=item.explanation,
                day_capped=True,  # R12a, as a verified declaration of a training registers
            )
        )
    return entries


def _span(rng: random.Random, year: _Year, days: tuple[date, ...], lo: int, hi: int, item: _Item):
    """Consecutive days for a training within days[lo:hi]; shorter (and re-capped) where they do not fit."""
    span = min(item.days, hi - lo)
    while span > 1:
        starts = range(lo, hi - span + 1)
        j = rng.choice(starts)
        if (days[j + span - 1] - days[j]).days != span - 1:  # a reserved day lies in between
            fits = [s for s in starts if (days[s + span - 1] - days[s]).days == span - 1]
            j = rng.choice(fits) if fits else -1
        if j >= 0:
            break
        span -= 1
    else:
        j = rng.randrange(lo, hi)
    if span != item.days:
        item = year.trainings[span, item.amount]
    return days[j], days[j + span - 1], item


def _register(entries: list[NewEntry], refused: Counter, reasons: list[str]) -> None:
    """Through the ledger's write door like every other source: checked, totalled and audited."""
    outcomes = entries_register_bulk(entries=entries, by_label="demo", audit_object_type="demo")
    for entry, outcome in zip(entries, outcomes, strict=True):
        # Refused, held for a reviewer (ledger/holds.py: `hold` says why) or cut by the daily cap.
        problem = outcome.refusal or getattr(outcome, "hold", None) or outcome.notice
        if outcome.status == Outcome.CREATED and outcome.notice is None:
            continue
        refused[outcome.status if outcome.notice is None else "cut"] += 1
        if len(reasons) < 5:
            reasons.append(f"{entry.completed_on} {entry.title}：{problem.message if problem else outcome.status}")


def _history(
    rng: random.Random,
    person_ids: list[int],
    *,
    professional_id: int | None,
    years: int,
    today: date,
    versions,
    progress: Callable[[str], None] = lambda message: None,
) -> dict:
    """Every person's records for the `years` complete years before today's and for this year so far."""
    calendar = {y: _Year(y, today, versions) for y in range(today.year - years, today.year + 1)}
    complete = [y for y in calendar if y < today.year]
    # The demo declaration and 高研班 lie on these days; the professional has no other training on them.
    workflow = {today - timedelta(days=n) for n in range(20, 25)}
    free_of_workflow = {y: tuple(d for d in c.days if d not in workflow) for y, c in calendar.items()}
    refused: Counter = Counter()
    reasons: list[str] = []
    batch: list[NewEntry] = []
    short = 0
    for n, pid in enumerate(p for p in person_ids if p != professional_id):
        planted: dict[int, str] = {}
        if n % SHORT_EVERY == 0 and complete:
            for y in rng.sample(complete, min(len(complete), 1 if rng.random() < 0.7 else 2)):
                kind = rng.choice(_SHORTFALLS)
                planted[y] = kind if _shortfall_possible(calendar[y].rules, kind) else "professional"
            short += 1
        for y, year in calendar.items():
            pace = year.elapsed * rng.choice(_PACE) if y == today.year else None
            items = year.person_year(rng, shortfall=planted.get(y), pace=pace)
            batch.extend(_entries(rng, pid, year, items, year.days))
        if len(batch) > 20000:
            _register(batch, refused, reasons)
            batch = []
            progress(f"已登记 {n + 1} / {len(person_ids)} 名人员的学时记录……")
    if professional_id is not None:
        for y, year in calendar.items():
            pace = year.elapsed if y == today.year else None
            batch.extend(_entries(rng, professional_id, year, year.person_year(rng, pace=pace), free_of_workflow[y]))
    _register(batch, refused, reasons)
    if refused:
        counts = "，".join(f"{status} {count} 条" for status, count in sorted(refused.items()))
        raise DemoNotRegistered(f"演示学时记录未被全部登记（{counts}），例如：" + "；".join(reasons))
    return {"first_year": min(calendar), "short_people": short}


def _demo_workflow(person: Person, user, series: dict, today: date) -> None:
    """Something in each queue: a submitted declaration for reviewer1, a filed 高研班 project.

    Both took place three weeks ago, so the declaration is of learning already done and the 高研班's
    attendees may be registered once it is approved (a 高研班 enters the ledger after its last day).
    """
    from cehours.declarations.models import ActivityType
    from cehours.declarations.seminars import seminar_file
    from cehours.declarations.services import declaration_create, declaration_submit, evidence_add

    day = today - timedelta(days=20)
    declaration = declaration_create(
        person=person,
        by=user,
        activity=ActivityType.objects.get(series=None, code="training", superseded_at__isnull=True),
        title="丽水市专业技术人员能力提升培训班",
        organiser="丽水市继续教育基地",
        start_on=day - timedelta(days=1),
        end_on=day,
        quantity=2,
    )
    evidence_add(declaration=declaration, by=user, name="结业证书.pdf", content=b"%PDF-1.4\n% demo certificate\n")
    declaration_submit(declaration=declaration, by=user)
    provider = get_user_model().objects.get(username="provider")
    start = day - timedelta(days=4)
    seminar_file(
        by=provider,
        name="基层卫生技术骨干高级研修班",
        organiser="丽水市继续教育基地",
        level="municipal",
        series=series["health"],
        year=start.year,  # a project is filed for the year it starts in (第九条)
        start_on=start,
        end_on=day,
    )


def _demo_intake(rng: random.Random, fake, county: County, today: date) -> dict:
    """A connected system's batch with what reviewers must see: two records held for reviewer1 (75
    hours in one record; the same training another source registered) and two people no unit has
    yet (待确认人员), first seen in the system's records without a unit."""
    from cehours.integration.keys import system_save
    from cehours.integration.services import records_intake

    system, _ = system_save(
        code="demo-hospital-platform", name="丽水市卫生健康继续教育平台", categories=[], industries=[]
    )
    local = list(Person.objects.filter(county=county, unit__isnull=False).order_by("pk")[:3])
    twin = LedgerEntry.objects.filter(person__in=local, source=Source.PLATFORM_COURSE).order_by("-completed_on").first()
    records: list[dict] = []
    if local:
        big = local[-1]
        day = today - timedelta(days=30)
        records.append(
            {
                "source_record_id": "demo-held-1", "id_number": big.id_number, "name": big.name,
                "category": "professional", "activity": "other", "title": "全年业务进修（一条记录报送）",
                "hours": "75", "completed_on": day.isoformat(),
            }
        )  # fmt: skip
    if twin is not None:
        records.append(
            {
                "source_record_id": "demo-held-2", "id_number": twin.person.id_number, "name": twin.person.name,
                "category": twin.category, "activity": "other", "title": twin.title, "hours": "2",
                "completed_on": twin.completed_on.isoformat(),
            }
        )  # fmt: skip
    for i in range(2):
        records.append(
            {
                "source_record_id": f"demo-unplaced-{i + 1}", "id_number": synthetic_id_number(rng, county.code),
                "name": fake.name(), "category": "general_public", "activity": "online_course",
                "title": "专业技术人员职业道德与诚信建设", "minutes": 135,
                "completed_on": (today - timedelta(days=10 + i)).isoformat(), "industry": "health",
            }
        )  # fmt: skip
    answer = records_intake(system=system, records=records, today=today).as_dict()
    wanted = {"held": len(records) - 2, "created": 2}
    got = {key: answer[key] for key in wanted}
    if got != wanted:
        raise DemoNotRegistered(f"演示对接系统记录的结果与预期不符：{answer}")
    return {"demo_intake": got}


def load_demo(
    *,
    people: int = 3000,
    years: int = 5,
    seed: int = 20261129,
    today: date | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> dict:
    """Create the demo city once; later calls only make sure the demo accounts exist. `progress` hears
    what is being done, for a start-up that is not silent for a minute (issue 12).

    `years` complete calendar years before today's get hours, and the current year up to `today`
    (default: today in the platform's time zone, the day the ledger's door measures the future by).
    """
    from faker import Faker

    from cehours.learning.demo import demo_courses
    from cehours.ledger.rulesets import stored_versions

    today = today or timezone.localdate()
    this_year = today.year
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    counties = list(County.objects.order_by("code"))
    created = not Person.objects.exists()
    history: dict = {}

    with transaction.atomic():
        series = {code: Series.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in SERIES}
        _demo_title_requirements(series)
        lishui = counties[0]
        Organisation.objects.get_or_create(
            name="丽水市人力资源和社会保障局", defaults={"kind": OrganisationKind.HR_BUREAU}
        )
        for county in counties:
            Organisation.objects.get_or_create(
                name=f"{county.name}人力资源和社会保障局",
                defaults={"kind": OrganisationKind.HR_BUREAU, "county": county},
            )
        for s in series.values():
            Organisation.objects.get_or_create(
                name=f"丽水市{s.name}行业主管部门", defaults={"kind": OrganisationKind.INDUSTRY_AUTHORITY, "series": s}
            )
        professional = None
        if created:
            progress(f"正在生成演示数据：{people} 名人员、{years} 个完整年度及本年度的学时记录（约需一两分钟）……")
            units = []
            for i in range(max(10, people // 20)):
                county = counties[i % len(counties)]
                units.append(
                    Unit(
                        credit_code=synthetic_credit_code(rng, county.code),
                        name=f"{fake.company()}{i + 1}",
                        county=county,
                        series=rng.choice(list(series.values())),
                        self_evaluating=(i % 17 == 0),
                    )
                )
            Unit.objects.bulk_create(units)
            units = list(Unit.objects.all())
            seen: set[str] = set()
            persons: list[Person] = []
            while len(persons) < people:
                unit = rng.choice(units)
                number = synthetic_id_number(rng, unit.county_id)
                if number in seen:
                    continue
                seen.add(number)
                persons.append(
                    Person(
                        name=fake.name(),
                        **stored_identity(number).as_fields(),
                        unit=unit,
                        series=unit.series,
                        county=unit.county,
                        title_level=rng.choice(["初级", "中级", "副高级", "正高级"]),
                        title_obtained_on=date(rng.randint(this_year - 12, this_year - 1), rng.randint(1, 12), 1),
                    )
                )
            Person.objects.bulk_create(persons, batch_size=1000)
            # In reviewer1's and reviewer2's scope, so the demo's declaration flow works end to end;
            # chosen first so that the records leave its declaration's days free.
            everyone = Person.objects.order_by("pk")
            professional = everyone.filter(county=lishui).first() or everyone.first()
            history = _history(
                rng,
                list(everyone.values_list("pk", flat=True)),
                professional_id=professional.pk if professional else None,
                years=years,
                today=today,
                versions=stored_versions(),
                progress=progress,
            )

        staff_names = Faker("zh_CN")  # apart from `fake`, so the rest of the city stays as it was
        staff_names.seed_instance(seed + 1)
        accounts = [
            _staff("hr_admin", Role.HR_ADMIN, name=staff_names.name(), description="市人力社保局管理员（全市）"),
            _staff(
                "reviewer3",
                Role.REVIEWER,
                name=staff_names.name(),
                description="三级管理权限：市人力社保局（全市）",
                level=3,
            ),
            _staff(
                "reviewer2",
                Role.REVIEWER,
                name=staff_names.name(),
                description=f"二级管理权限：{lishui.name}人力社保局",
                level=2,
                county=lishui,
            ),
            _staff(
                "reviewer1",
                Role.REVIEWER,
                name=staff_names.name(),
                description=f"一级管理权限：{lishui.name}评委会组建部门",
                level=1,
                county=lishui,
            ),
            _staff(
                "industry",
                Role.INDUSTRY_AUTHORITY,
                name=staff_names.name(),
                description="卫生行业主管部门（全市卫生系列）",
                series=series["health"],
            ),
            _staff(
                "unit_staff",
                Role.UNIT_STAFF,
                name=staff_names.name(),
                description="单位经办人（本单位）",
                unit=Unit.objects.order_by("pk").first(),
            ),
            _staff("evaluator", Role.EVALUATOR, name=staff_names.name(), description="评委会（全市）"),
            _staff("provider", Role.PROVIDER, name=staff_names.name(), description="继续教育基地（无人员查询权限）"),
        ]
        user, _ = get_user_model().objects.get_or_create(username="professional")
        password_set(user=user, raw=DEMO_PASSWORD)
        if professional is not None:
            professional.user = user
            professional.save(update_fields=["user"])
        accounts.append(DemoAccount("professional", Role.PROFESSIONAL, "专业技术人员（查看本人学时）"))
        if created and professional is not None:
            _demo_workflow(professional, user, series, today)
        if created:
            history |= _demo_intake(rng, fake, lishui, today)
            progress("正在生成演示课程的示例视频……")
            history["courses"] = demo_courses(series=professional.series if professional else None, today=today)
        if created:
            audit_record(
                actor=None,
                actor_label="demo",
                action="demo.loaded",
                object_type="demo",
                after={
                    "people": people,
                    "years": years,
                    "seed": seed,
                    "through": today.isoformat(),
                    "entries": LedgerEntry.objects.count(),
                    **history,
                },
            )
    return {
        "created": created,
        "accounts": accounts,
        "people": Person.objects.count(),
        "entries": LedgerEntry.objects.count(),
        **history,
    }

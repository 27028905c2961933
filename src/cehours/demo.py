"""A synthetic Lishui for demonstration and benchmarks: every name and number is made up (Faker zh_CN)."""

from __future__ import annotations

import random
from base64 import b32encode
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from cehours.access.models import Role
from cehours.access.services import grant_create, password_set, totp_enrol_confirmed
from cehours.access.signin import second_factor_required
from cehours.audit.services import audit_record
from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.rulesets import rules_on
from cehours.ledger.services import NewEntry, entries_register_bulk
from cehours.people.identity import stored_identity
from cehours.people.models import County, Organisation, OrganisationKind, Person, Series, Unit
from cehours.rules.conversion import offline_training_hours, online_hours
from cehours.rules.hours import Category
from cehours.rules.identifiers import id_check_digit, uscc_check_char

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


def _staff(username: str, role: str, description: str, **grant) -> DemoAccount:
    user, created = get_user_model().objects.get_or_create(username=username)
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


def _course_entries(rng: random.Random, person_id: int, year: int, target: dict[Category, int]) -> list[NewEntry]:
    """Entries for one person-year, roughly reaching the target hours per category."""
    entries = []
    for category, goal in target.items():
        have = Decimal("0")
        n = 0
        while have < goal and n < 12:
            n += 1
            day = date(year, rng.randint(1, 12), rng.randint(1, 28))
            rules = _rules_for(day)
            if category == Category.PROFESSIONAL and rng.random() < 0.5:
                days = rng.randint(1, 4)
                start = day - timedelta(days=days - 1)
                claim = Decimal(rng.choice([6, 8, 12, 16, 24, 30]))
                result = offline_training_hours(start, day, claim, rules)
                hours, title, source, activity = (
                    result.hours,
                    f"专业技术培训班（{days}天）",
                    Source.DECLARATION,
                    "offline_training",
                )
                explanation = result.explanation if result.capped else ""
            else:
                minutes = rng.choice([45, 90, 135, 180, 270, 360, 400])
                hours, start = online_hours(minutes, rules), None
                title, source, activity = f"在线课程第{rng.randint(1, 400)}讲", Source.PLATFORM_COURSE, "online_course"
                explanation = f"课件时长 {minutes} 分钟，每45分钟折算1学时"
            entries.append(
                NewEntry(
                    person_id=person_id,
                    category=category,
                    hours=hours,
                    source=source,
                    activity_type=activity,
                    title=title,
                    start_on=start,
                    end_on=day if start else None,
                    completed_on=day,
                    explanation=explanation,
                )
            )
            have += hours
    return entries


_VERSIONS: list = []
_RULES_BY_DAY: dict = {}


def _rules_for(day: date):
    if day not in _RULES_BY_DAY:
        _RULES_BY_DAY[day] = rules_on(day, _VERSIONS)
    return _RULES_BY_DAY[day]


def _register(entries: list[NewEntry]) -> None:
    """Through the ledger's write door like every other source: checked, totalled and audited."""
    entries_register_bulk(entries=entries, by_label="demo", audit_object_type="demo")


def _demo_workflow(person: Person, user, series: dict, this_year: int) -> None:
    """Something in each queue: a submitted declaration for reviewer1, a filed 高研班 project."""
    from cehours.declarations.models import ActivityType
    from cehours.declarations.seminars import seminar_file
    from cehours.declarations.services import declaration_create, declaration_submit, evidence_add

    day = date(this_year, 1, 10) if date.today() < date(this_year, 2, 1) else date.today() - timedelta(days=20)  # noqa: DTZ011
    declaration = declaration_create(
        person=person,
        by=user,
        activity=ActivityType.objects.get(series=None, code="training"),
        title="丽水市专业技术人员能力提升培训班",
        organiser="丽水市继续教育基地",
        start_on=day - timedelta(days=1),
        end_on=day,
        quantity=2,
    )
    evidence_add(declaration=declaration, by=user, name="结业证书.pdf", content=b"%PDF-1.4\n% demo certificate\n")
    declaration_submit(declaration=declaration, by=user)
    provider = get_user_model().objects.get(username="provider")
    seminar_file(
        by=provider,
        name="基层卫生技术骨干高级研修班",
        organiser="丽水市继续教育基地",
        level="municipal",
        series=series["health"],
        year=day.year,
        start_on=day - timedelta(days=4),
        end_on=day,
    )


def load_demo(*, people: int = 3000, years: int = 5, seed: int = 20261129, this_year: int | None = None) -> dict:
    """Create the demo city once; later calls only make sure the demo accounts exist."""
    from faker import Faker

    from cehours.ledger.rulesets import stored_versions

    _VERSIONS[:] = stored_versions()
    _RULES_BY_DAY.clear()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    this_year = this_year or date.today().year  # noqa: DTZ011 - the calendar year is meant
    counties = list(County.objects.order_by("code"))
    created = not Person.objects.exists()

    with transaction.atomic():
        series = {code: Series.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in SERIES}
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
        if created:
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
            person_ids = list(Person.objects.values_list("pk", flat=True))
            batch: list[NewEntry] = []
            for pid in person_ids:
                diligence = rng.random()
                for year in range(this_year - years + 1, this_year + 1):
                    # Most people comply; some fall short in one category; the current year is in progress.
                    scale = 1.0 if diligence > 0.25 else rng.choice([0.5, 0.8, 0.95])
                    if year == this_year:
                        scale *= rng.choice([0.4, 0.7, 1.0])
                    target = {
                        Category.GENERAL_PUBLIC: int(14 * scale),
                        Category.INDUSTRY_PUBLIC: int(8 * scale),
                        Category.PROFESSIONAL: int(rng.choice([68, 72, 80]) * scale),
                    }
                    batch.extend(_course_entries(rng, pid, year, target))
                if len(batch) > 20000:
                    _register(batch)
                    batch = []
            _register(batch)

        accounts = [
            _staff("hr_admin", Role.HR_ADMIN, "市人力社保局管理员（全市）"),
            _staff("reviewer3", Role.REVIEWER, "三级管理权限：市人力社保局（全市）", level=3),
            _staff("reviewer2", Role.REVIEWER, f"二级管理权限：{lishui.name}人力社保局", level=2, county=lishui),
            _staff("reviewer1", Role.REVIEWER, f"一级管理权限：{lishui.name}评委会组建部门", level=1, county=lishui),
            _staff("industry", Role.INDUSTRY_AUTHORITY, "卫生行业主管部门（全市卫生系列）", series=series["health"]),
            _staff("unit_staff", Role.UNIT_STAFF, "单位经办人（本单位）", unit=Unit.objects.order_by("pk").first()),
            _staff("evaluator", Role.EVALUATOR, "评委会（全市）"),
            _staff("provider", Role.PROVIDER, "继续教育基地（无人员查询权限）"),
        ]
        # In reviewer1's and reviewer2's scope, so the demo's declaration flow works end to end.
        professional = None
        if created:
            unlinked = Person.objects.filter(user__isnull=True).order_by("pk")
            professional = unlinked.filter(county=lishui).first() or unlinked.first()
        user, _ = get_user_model().objects.get_or_create(username="professional")
        password_set(user=user, raw=DEMO_PASSWORD)
        if professional is not None:
            professional.user = user
            professional.save(update_fields=["user"])
        accounts.append(DemoAccount("professional", Role.PROFESSIONAL, "专业技术人员（查看本人学时）"))
        if created and professional is not None:
            _demo_workflow(professional, user, series, this_year)
        if created:
            audit_record(
                actor=None,
                actor_label="demo",
                action="demo.loaded",
                object_type="demo",
                after={"people": people, "years": years, "seed": seed, "entries": LedgerEntry.objects.count()},
            )
    return {
        "created": created,
        "accounts": accounts,
        "people": Person.objects.count(),
        "entries": LedgerEntry.objects.count(),
    }

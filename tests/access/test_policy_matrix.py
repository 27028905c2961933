"""The access policy as a generated matrix (R17, R20, R21, 第九条): every scoped model × every action ×
every kind of user, and every URL and endpoint that takes an id.

The expectation is written here from the regulation, independently of access/policy.py: `MAY` says,
for each action, which kinds of grant allow it (in the words of 第十七条 and 第九条), and `PLACE`
says where each object of the little city sits (county, series, unit, owner). A grant reaches an
object when the object sits inside the grant's scope. The policy must give exactly those rows for
every (model, action, user); every page and endpoint that takes an id must answer an object the
user may not reach exactly as it answers an id that does not exist (404, same body).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cehours.access.models import Grant, ProfessionalAccount, Role
from cehours.access.policy import SCOPES, Action, restrict
from cehours.access.professionals import registration_submit
from cehours.access.services import grant_create, token_issue
from cehours.audit.models import AuditEvent
from cehours.declarations.catalogue_admin import activity_save
from cehours.declarations.models import (
    ActivityType,
    AttendeeList,
    Declaration,
    Evidence,
    IntegrityEntry,
    SeminarProject,
    SpotCheck,
    SpotCheckItem,
)
from cehours.declarations.seminars import attendees_submit, seminar_decide, seminar_file, seminar_register_approved
from cehours.declarations.services import integrity_record
from cehours.declarations.spotchecks import spot_check_draw
from cehours.demo import synthetic_id_number
from cehours.integration.keys import key_issue, system_save
from cehours.integration.models import ConnectedSystem
from cehours.learning.models import Course
from cehours.ledger.holds import Hold, entries_hold, held_decide
from cehours.ledger.models import HeldRecord, HoldReason, LedgerEntry, PersonYearTotal, Source
from cehours.ledger.services import NewEntry, entries_register_bulk
from cehours.people.models import Person, Series, Unit

from ..declarations.conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from ..declarations.support import decide, declare, today

PASSWORD = "test-password-123"


@dataclass(frozen=True)
class Kind:
    """A kind of user: one grant (role, level, scope by city-fixture keys), or a person, or nobody."""

    role: str = ""
    level: int | None = None
    county: str | None = None
    series: str | None = None
    unit: str | None = None
    person: str | None = None  # the login of this person of the cast
    active: bool = True


KINDS: dict[str, Kind] = {
    "l1_liandu": Kind(Role.REVIEWER, 1, county="liandu"),
    "l1_hospital": Kind(Role.REVIEWER, 1, unit="hospital"),  # not a self-evaluating unit
    "l1_college": Kind(Role.REVIEWER, 1, unit="college"),  # 自主评聘
    "l2_liandu": Kind(Role.REVIEWER, 2, county="liandu"),
    "l2_qingtian": Kind(Role.REVIEWER, 2, county="qingtian"),
    "l2_health": Kind(Role.REVIEWER, 2, series="health"),
    "l3_city": Kind(Role.REVIEWER, 3),
    "ia_health": Kind(Role.INDUSTRY_AUTHORITY, series="health"),
    "ia_education_liandu": Kind(Role.INDUSTRY_AUTHORITY, county="liandu", series="education"),
    "hr_city": Kind(Role.HR_ADMIN),
    "hr_liandu": Kind(Role.HR_ADMIN, county="liandu"),
    "unit_hospital": Kind(Role.UNIT_STAFF, unit="hospital"),
    "eval_city": Kind(Role.EVALUATOR),
    "eval_qingtian": Kind(Role.EVALUATOR, county="qingtian"),
    "provider": Kind(Role.PROVIDER),
    # 等保 三权分立: three administrators, each with one duty.
    "system_admin": Kind(Role.SYSTEM_ADMIN),
    "security_admin": Kind(Role.SECURITY_ADMIN),
    "audit_admin": Kind(Role.AUDIT_ADMIN),
    "nurse": Kind(person="nurse"),
    "teacher": Kind(person="teacher"),
    "stranger": Kind(),
    "inactive_l3": Kind(Role.REVIEWER, 3, active=False),
}

READERS = {Role.UNIT_STAFF, Role.REVIEWER, Role.INDUSTRY_AUTHORITY, Role.HR_ADMIN, Role.EVALUATOR}


def _level(kind: Kind) -> int:
    return kind.level or (1 if kind.role == Role.INDUSTRY_AUTHORITY else 0)


def _reviews(kind: Kind) -> bool:
    """第十七条: reviewers of every level and industry authorities review offline declarations; a
    unit's own reviewer only where the unit is self-evaluating (自主评聘)."""
    return kind.role in (Role.REVIEWER, Role.INDUSTRY_AUTHORITY) and kind.unit != "hospital"


def _city_body(kind: Kind) -> bool:
    return kind.county is None


# Which kinds of grant allow each action, in the regulation's words.
MAY = {
    Action.VIEW_PERSON: lambda k: k.role in READERS,
    Action.EVALUATE: lambda k: k.role in READERS,
    Action.VIEW_OVERVIEW: lambda k: k.role in READERS,
    Action.VIEW_EVIDENCE: _reviews,
    Action.DECLARE: lambda k: False,
    Action.DECIDE: _reviews,
    Action.SPOT_CHECK: lambda k: k.role == Role.REVIEWER and _level(k) >= 2,
    Action.RECORD_INTEGRITY: lambda k: k.role == Role.REVIEWER and _level(k) >= 2,
    Action.LIFT_INTEGRITY: lambda k: k.role == Role.REVIEWER and _level(k) == 3,
    Action.VIEW_SEMINAR: lambda k: k.role in (Role.PROVIDER, Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY),
    Action.FILE_SEMINAR: lambda k: k.role == Role.PROVIDER,
    Action.APPROVE_SEMINAR: lambda k: k.role in (Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY) and _city_body(k),
    Action.REGISTER_SEMINAR: lambda k: k.role == Role.HR_ADMIN and _city_body(k),
    Action.SUBMIT_ATTENDEES: lambda k: k.role == Role.PROVIDER,
    Action.CHECK_ATTENDEES: lambda k: k.role in (Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY) and _city_body(k),
    Action.EDIT_CATALOGUE: lambda k: k.role == Role.INDUSTRY_AUTHORITY,
    Action.MANAGE_SYSTEMS: lambda k: k.role == Role.HR_ADMIN,
    Action.IMPORT_DATA: lambda k: k.role == Role.HR_ADMIN,
    Action.EXPORT_DATA: lambda k: k.role == Role.HR_ADMIN,
    Action.READ_AUDIT: lambda k: (
        k.role in (Role.HR_ADMIN, Role.AUDIT_ADMIN) or (k.role == Role.REVIEWER and _level(k) >= 2)
    ),
    # 等保 三权分立: accounts are the system administrator's, grants the security administrator's.
    Action.MANAGE_ACCOUNTS: lambda k: k.role == Role.SYSTEM_ADMIN,
    Action.MANAGE_GRANTS: lambda k: k.role == Role.SECURITY_ADMIN,
    # PIPL 第五十一条: who read whose personal data is the audit administrator's to review.
    Action.READ_ACCESS_LOG: lambda k: k.role == Role.AUDIT_ADMIN,
    # 第四条, R12d: the city HR bureau (市人力社保局) sets the rules: level 3, or its city-wide administrators.
    Action.EDIT_RULES: lambda k: (
        ((k.role == Role.REVIEWER and _level(k) == 3) or k.role == Role.HR_ADMIN) and _city_body(k)
    ),
    # R2: a person belongs to their unit; the unit's own staff claim the people no unit has confirmed.
    Action.CLAIM_PERSON: lambda k: k.role == Role.UNIT_STAFF,
    # Issue 10: the unit confirms its people's accounts (an HR bureau those of people no unit has).
    Action.CONFIRM_ACCOUNT: lambda k: k.role in (Role.UNIT_STAFF, Role.HR_ADMIN),
    Action.ISSUE_ACTIVATION: lambda k: k.role == Role.UNIT_STAFF,
    Action.RELEASE_PERSON: lambda k: k.role == Role.UNIT_STAFF,
    Action.MANAGE_UNITS: lambda k: k.role == Role.HR_ADMIN,
    Action.EDIT_ROSTER: lambda k: k.role == Role.UNIT_STAFF,
    Action.WITHDRAW_CERTIFICATE: lambda k: k.role == Role.HR_ADMIN,
    # 第七条, 第十五条: general-public courses are the city HR bureau's, a series' its authority's.
    Action.MANAGE_COURSES: lambda k: (k.role == Role.HR_ADMIN and _city_body(k)) or k.role == Role.INDUSTRY_AUTHORITY,
}
# What a person does with their own rows (their record, declarations, evidence, audit events).
OWN = {Action.VIEW_PERSON, Action.EVALUATE, Action.VIEW_EVIDENCE, Action.DECLARE, Action.READ_AUDIT}


def test_the_matrix_names_every_action_and_every_scoped_model():
    assert set(MAY) == set(Action), "an action without an expectation here is an action nobody tested"
    assert set(SCOPES) == {m._meta.label_lower for m in MODELS}


@dataclass
class Place:
    """Where an object sits: the person it belongs to, or the scope fields that place it."""

    county: str | None = None
    series: str | None = None
    unit: str | None = None
    own_login: object = None  # the user whose own row it is
    provider: object = None  # a seminar's (or list's) provider
    level: str = ""  # a seminar's level (for a held record: its seminar's, if any)
    seminar_series: str | None = None  # a held record's seminar's series
    drawn_by: object = None  # a spot check's drawer
    actor_grants: list[Place] = field(default_factory=list)  # where an audit event's actor's grants sit


def _inside(kind: Kind, place: Place) -> bool:
    return all(
        want is None or want == have
        for want, have in ((kind.county, place.county), (kind.series, place.series), (kind.unit, place.unit))
    )


def expected(kind_name: str, user, action: Action, model, place: Place) -> bool:
    """Whether a user of this kind may take the action on the object at `place`: the regulation's answer."""
    kind = KINDS[kind_name]
    if not kind.active:
        return False
    label = model._meta.label_lower
    person_owned = label in PERSON_MODELS
    own = place.own_login is not None and place.own_login == user
    if action in OWN and own and (person_owned or label in ("audit.auditevent", "ledger.heldrecord")):
        return True
    if not (kind.role and MAY[action](kind)):
        return False
    if label in ("auth.user", "access.grant"):  # 等保: the city's administrators manage every staff account
        return True
    if label == "access.professionalaccount":  # the person's unit; for someone without one, the unit named
        return _inside(kind, place)
    if label == "ledger.heldrecord":
        # DESIGN §2: a level-1 reviewer of the person's scope decides a held record; a 高研班
        # attendee outside the project's series is the project's approving authority's (第九条).
        if action == Action.CHECK_ATTENDEES:
            return place.level != "" and kind.series in (None, place.seminar_series)
        if action == Action.DECIDE and place.level:
            return False
        return _inside(kind, place)
    if person_owned:
        return _inside(kind, place)
    if label == "people.unit":
        return _inside(kind, place)
    if label in ("declarations.seminarproject", "declarations.attendeelist"):
        if kind.role == Role.PROVIDER:
            return place.provider == user
        if kind.series and kind.series != place.series:
            return False
        return action != Action.APPROVE_SEMINAR or place.level == "municipal"
    if label == "declarations.activitytype":
        return place.series is not None and kind.series in (None, place.series)
    if label == "learning.course":
        if action != Action.MANAGE_COURSES:
            return False
        if kind.role == Role.HR_ADMIN:
            return place.series is None
        return place.series is not None and kind.series in (None, place.series)
    if label == "integration.connectedsystem":
        # A system belongs to the scope that registered it.
        return kind.unit is None and kind.county in (None, place.county) and kind.series in (None, place.series)
    if label == "declarations.spotcheck":
        return place.drawn_by == user
    if label == "declarations.spotcheckitem":
        return place.drawn_by == user and _inside(kind, place)
    if label == "audit.auditevent":
        city_wide_readers = (Role.HR_ADMIN, Role.AUDIT_ADMIN)  # the audit administrator reads the whole trail
        if not (kind.county or kind.series or kind.unit) and (kind.role in city_wide_readers or _level(kind) == 3):
            return True
        return any(_inside(kind, grant) for grant in place.actor_grants)
    raise AssertionError(label)


PERSON_MODELS = {
    "people.person",
    "ledger.ledgerentry",
    "ledger.personyeartotal",
    "declarations.declaration",
    "declarations.evidence",
    "declarations.integrityentry",
}
MODELS = [
    Person,
    Unit,
    LedgerEntry,
    PersonYearTotal,
    HeldRecord,
    Declaration,
    Evidence,
    IntegrityEntry,
    SpotCheck,
    SpotCheckItem,
    SeminarProject,
    AttendeeList,
    ActivityType,
    Course,
    ConnectedSystem,
    AuditEvent,
]


@pytest.fixture
def world(city, cast, make_staff, make_person):  # noqa: F811 - the fixture imported above
    """The cast's people and their objects, and one user of every kind."""
    users = {}
    for name, kind in KINDS.items():
        if kind.person:
            users[name] = cast[kind.person].user
            continue
        user = get_user_model().objects.create_user(f"kind_{name}", password=PASSWORD, is_active=kind.active)
        if kind.role:
            grant_create(
                user=user,
                role=kind.role,
                level=kind.level,
                county=city["counties"][kind.county] if kind.county else None,
                series=city["series"][kind.series] if kind.series else None,
                unit=city["units"][kind.unit] if kind.unit else None,
            )
        users[name] = user
    people = {name: cast[name] for name in ("nurse", "lecturer", "teacher")}
    declarations = {name: declare(person) for name, person in people.items()}
    decided = decide(declarations["nurse"], users["l1_liandu"], "approve")
    check = spot_check_draw(
        by=users["l2_liandu"],
        rate=Decimal("1"),
        minimum_per_reviewer=1,
        decided_from=today() - timedelta(days=1),
        decided_to=today() + timedelta(days=1),
    )
    integrity_record(person=people["teacher"], finding="伪造证书", by=users["l3_city"], on=today())
    health, education = Series.objects.get(code="health"), Series.objects.get(code="education")
    window = {"year": today().year, "start_on": date(today().year, 1, 1)}
    window["end_on"] = window["start_on"] + timedelta(days=2)
    municipal = {
        s.code: seminar_file(
            by=users["provider"], name=f"{s.name}研修班", organiser="丽水学院", level="municipal", series=s, **window
        )
        for s in (health, education)
    }
    seminar_decide(project=municipal["health"], by=users["hr_city"], approve=True)
    seminar_decide(project=municipal["health"], by=users["ia_health"], approve=True)
    national = seminar_register_approved(
        by=users["hr_city"], provider=users["provider"], name="国家级研修班", organiser="国家卫健委", level="national",
        series=health, approval_document="人社厅发〔2026〕1号", **window,
    )  # fmt: skip
    for project in (municipal["health"], national):
        attendees_submit(
            project=project,
            by=users["provider"],
            rows=[(2, {"id_number": people["nurse"].id_number, "name": "王护士"})],
        )
    for series in (health, education):
        activity_save(
            by=users["ia_health"] if series == health else make_staff("industry_authority", series="education"),
            series=series, code="training", name="培训", category="professional", formula="per_day",
            hours_per_unit=Decimal("6"), unit_label="天", per_item_cap=None, per_year_cap=None, evidence_hint="",
        )  # fmt: skip
    for series in (None, health, education):
        Course.objects.create(
            category="general_public" if series is None else "professional", series=series,
            title=f"{series.name if series else '公需'}课程", year_from=today().year, year_to=today().year,
        )  # fmt: skip
    # Held records: one a connected system sent (500 hours in one record), one a 高研班 attendee
    # outside the project's series (the teacher, 教育, on the 卫生 seminar).
    entries_register_bulk(
        entries=[
            NewEntry(
                person_id=people["lecturer"].pk, category="professional", hours="500", title="超长培训",
                source=Source.CONNECTED_SYSTEM, completed_on=today(), source_system="city-system",
                source_record_id="big-1",
            )
        ]
    )  # fmt: skip
    outside = NewEntry(
        person_id=people["teacher"].pk, category="professional", hours="36", title="高研班", source=Source.SEMINAR,
        completed_on=window["end_on"], source_system=f"seminar-{municipal['health'].pk}",
        source_record_id=str(people["teacher"].pk),
    )  # fmt: skip
    entries_hold([outside], {0: Hold(HoldReason.OUTSIDE_SERIES, "不属于本系列")}, by_label="test",
                 seminar_id=municipal["health"].pk)  # fmt: skip
    assert HeldRecord.objects.count() == 2
    system_save(code="city-system", name="市级系统", categories=[], industries=[], by=users["hr_city"])
    system_save(code="liandu-system", name="莲都系统", categories=[], industries=[], by=users["hr_liandu"])
    # Spot checks reach every path (DESIGN §5): 莲都's level 2 re-reviews the decision on the held
    # record, the city's level 3 the entry that decision registered for the connected system.
    held_decide(held=HeldRecord.objects.get(source_record_id="big-1"), by=users["l1_liandu"], approve=True)
    for drawer, source, code in (("l2_liandu", "held_decision", ""), ("l3_city", "connected_system", "city-system")):
        spot_check_draw(
            by=users[drawer], rate=Decimal("1"), minimum_per_reviewer=1, decided_from=today() - timedelta(days=1),
            decided_to=today() + timedelta(days=1), source=source, system_code=code,
        )  # fmt: skip
    assert SpotCheckItem.objects.filter(entry__isnull=False).exists()
    assert SpotCheckItem.objects.filter(held__isnull=False).exists()
    # 实名注册 waiting for confirmation: someone new to the platform naming the hospital, and the
    # teacher's colleague registering a record that already sits in 青田's school.
    registration_submit(
        name="许新人", id_number=synthetic_id_number(random.Random(7), "331102"), mobile="13905780007",
        unit_query="莲都测试医院", password="Lishui-2026-ok",
    )  # fmt: skip
    colleague = make_person(unit="school", name="周同事")
    registration_submit(
        name=colleague.name, id_number=colleague.id_number, mobile="13905780008", unit_query="青田测试学校",
        password="Lishui-2026-ok",
    )  # fmt: skip
    return {"users": users, "people": people, "declarations": declarations, "check": check, "decided": decided}


def _place(obj, world) -> Place:
    """Where each object of the little city sits, read from its own fields."""
    label = obj._meta.label_lower
    person = {
        "people.person": lambda o: o,
        "declarations.evidence": lambda o: o.declaration.person,
        "declarations.spotcheckitem": lambda o: o.subject.person,  # a declaration's, an entry's, a held record's
    }.get(label, lambda o: getattr(o, "person", None))(obj)
    if label in ("auth.user", "access.grant"):
        return Place()
    if label == "access.professionalaccount":
        if obj.person.unit_id is None:
            return Place(county=_county_key(obj.unit.county_id), series=obj.unit.series_id, unit=_unit_key(obj.unit))
        return _place(obj.person, world)
    if label == "ledger.heldrecord":
        place = Place(
            county=_county_key(person.county_id),
            series=person.series_id,
            unit=_unit_key(person.unit),
            own_login=person.user,
        )
        if obj.seminar_id:  # decided by the seminar's approvers: where the seminar sits
            place.level, place.seminar_series = obj.seminar.level, obj.seminar.series_id
        return place
    if label in PERSON_MODELS or label == "declarations.spotcheckitem":
        place = Place(
            county=_county_key(person.county_id),
            series=person.series_id,
            unit=_unit_key(person.unit),
            own_login=person.user,
        )
        if label == "declarations.spotcheckitem":
            place.drawn_by = obj.spot_check.drawn_by
        return place
    if label == "people.unit":
        return Place(county=_county_key(obj.county_id), series=obj.series_id, unit=_unit_key(obj))
    if label == "declarations.seminarproject":
        return Place(series=obj.series_id, provider=obj.provider, level=obj.level)
    if label == "declarations.attendeelist":
        return Place(series=obj.project.series_id, provider=obj.project.provider, level=obj.project.level)
    if label == "declarations.activitytype":
        return Place(series=obj.series_id)
    if label == "learning.course":
        return Place(series=obj.series_id)
    if label == "integration.connectedsystem":
        return Place(county=_county_key(obj.owner_county_id), series=obj.owner_series_id)
    if label == "declarations.spotcheck":
        return Place(drawn_by=obj.drawn_by)
    if label == "audit.auditevent":
        grants = Grant.objects.filter(user_id=obj.actor_id) if obj.actor_id else Grant.objects.none()
        places = [Place(county=_county_key(g.county_id), series=g.series_id, unit=_unit_key(g.unit)) for g in grants]
        return Place(own_login=obj.actor, actor_grants=places)
    raise AssertionError(label)


def _county_key(code: str | None) -> str | None:
    return {None: None, "331102": "liandu", "331121": "qingtian"}[code]


def _unit_key(unit) -> str | None:
    if unit is None:
        return None
    return {"莲都测试医院": "hospital", "青田测试学校": "school", "莲都测试学院": "college"}[unit.name]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_r17_restrict_gives_exactly_the_rows_the_regulation_allows(world, model):
    """Every (model, action, kind of user): the rows the policy yields are the rows expected."""
    rows = list(model._default_manager.all())
    assert rows, f"the little city has no {model._meta.label}"
    places = {row.pk: _place(row, world) for row in rows}
    wrong = []
    for action in Action:
        for name, user in world["users"].items():
            got = set(restrict(model._default_manager.all(), user, action).values_list("pk", flat=True))
            want = {pk for pk, place in places.items() if expected(name, user, action, model, place)}
            if got != want:
                wrong.append(f"{action.value} × {name}: extra {sorted(got - want)}, missing {sorted(want - got)}")
    assert not wrong, "\n".join(wrong)


def test_r17_the_matrix_reaches_both_sides_of_every_action(world):
    """Guard against a matrix that passes by reaching nothing: each action is allowed somewhere and
    refused somewhere, so a policy that allowed or refused everything would fail the test above."""
    for action in Action:
        outcomes = {MAY[action](kind) for kind in KINDS.values() if kind.role}
        assert outcomes == {True, False} or action == Action.DECLARE, action


# ---- every URL and endpoint that takes an id -----------------------------------------------------

# A held record is decided by a reviewer of the person's scope or, for a 高研班 attendee outside the
# project's series, by the project's approving authority (第九条): either action opens the page.
HELD_ACTIONS = (Action.DECIDE, Action.CHECK_ATTENDEES)
# (method, URL with {id}, the object it takes, the action that page needs at all (403 without it), the
# action that decides which objects it reaches (404 outside)). Objects: keys of `_objects`.
URLS = [
    ("get", "/people/{id}/", "person", None, Action.VIEW_PERSON),
    ("get", "/people/{id}/entries/", "person", None, Action.VIEW_PERSON),
    ("get", "/people/{id}/eligibility/", "person", None, Action.VIEW_PERSON),
    ("get", "/people/{id}/certificate/", "person", None, Action.VIEW_PERSON),
    ("get", "/declarations/{id}/", "declaration", None, Action.VIEW_PERSON),
    ("post", "/declarations/{id}/act/", "declaration", None, Action.VIEW_PERSON),
    ("post", "/declarations/{id}/decide/", "declaration", None, Action.VIEW_PERSON),
    ("post", "/declarations/{id}/integrity/", "declaration", None, Action.VIEW_PERSON),
    ("post", "/entries/{id}/integrity/", "entry", None, Action.VIEW_PERSON),
    ("get", "/evidence/{id}/", "evidence", None, Action.VIEW_EVIDENCE),
    ("get", "/spot-checks/{id}/", "spot_check", Action.SPOT_CHECK, Action.SPOT_CHECK),
    ("post", "/spot-checks/items/{id}/", "spot_check_item", Action.SPOT_CHECK, Action.SPOT_CHECK),
    ("post", "/integrity/{id}/lift/", "integrity_entry", None, Action.VIEW_PERSON),
    ("post", "/seminars/{id}/decide/", "seminar", Action.APPROVE_SEMINAR, Action.VIEW_SEMINAR),
    ("post", "/seminars/{id}/attendees/", "seminar", Action.SUBMIT_ATTENDEES, Action.VIEW_SEMINAR),
    ("get", "/seminars/attendee-lists/{id}/", "attendee_list", Action.CHECK_ATTENDEES, Action.CHECK_ATTENDEES),
    ("post", "/systems/{id}/rotate/", "system", Action.MANAGE_SYSTEMS, Action.MANAGE_SYSTEMS),
    ("post", "/systems/{id}/revoke/", "system", Action.MANAGE_SYSTEMS, Action.MANAGE_SYSTEMS),
    ("get", "/api/v1/people/{id}/compliance", "person", None, Action.VIEW_PERSON),
    ("get", "/api/v1/people/{id}/eligibility?application_year=2026&required_years=2", "person", None, Action.EVALUATE),
    ("get", "/api/v1/people/{id}/entries", "person", None, Action.VIEW_PERSON),
    ("post", "/review/held/{id}/", "held", HELD_ACTIONS, HELD_ACTIONS),
    ("post", "/roster/accounts/{id}/", "registration", Action.CONFIRM_ACCOUNT, Action.CONFIRM_ACCOUNT),
    ("post", "/roster/people/{id}/release/", "person", Action.RELEASE_PERSON, Action.RELEASE_PERSON),
    ("post", "/staff/accounts/{id}/active/", "staff_user", Action.MANAGE_ACCOUNTS, Action.MANAGE_ACCOUNTS),
    ("post", "/staff/grants/{id}/withdraw/", "grant", Action.MANAGE_GRANTS, Action.MANAGE_GRANTS),
    ("get", "/courses/manage/{id}/", "course", Action.MANAGE_COURSES, Action.MANAGE_COURSES),
    ("post", "/courses/manage/{id}/", "course", Action.MANAGE_COURSES, Action.MANAGE_COURSES),
    # Last: an empty title form clears the person's series, which moves them for every check after it.
    ("post", "/roster/people/{id}/title/", "person", Action.EDIT_ROSTER, Action.EDIT_ROSTER),
]
MISSING = {"person": 999999, "system": "no-such-system"}


def _objects(world) -> dict[str, list]:
    return {
        "person": list(Person.objects.all()),
        "declaration": list(Declaration.objects.all()),
        "entry": list(LedgerEntry.objects.all()),
        "evidence": list(Evidence.objects.all()),
        "spot_check": list(SpotCheck.objects.all()),
        "spot_check_item": list(SpotCheckItem.objects.all()),
        "integrity_entry": list(IntegrityEntry.objects.all()),
        "seminar": list(SeminarProject.objects.all()),
        "attendee_list": list(AttendeeList.objects.all()),
        "system": list(ConnectedSystem.objects.all()),
        "held": list(HeldRecord.objects.all()),
        "registration": list(ProfessionalAccount.objects.filter(status=ProfessionalAccount.Status.PENDING)),
        "staff_user": list(get_user_model().objects.filter(person__isnull=True, is_active=True)),
        "grant": list(Grant.objects.all()),
        "course": list(Course.objects.all()),
    }


def _url(template: str, obj) -> str:
    if template.startswith("/api/"):
        key = obj if isinstance(obj, str) else obj.id_number
    elif isinstance(obj, ConnectedSystem):
        key = obj.code
    else:
        key = obj if isinstance(obj, (int, str)) else obj.pk
    return template.replace("{id}", str(key))


def _missing(kind: str, template: str):
    if template.startswith("/api/"):
        return synthetic_id_number(random.Random(404), "331102")  # valid, and held by nobody here
    return MISSING.get(kind, 999999)


def _answer(client: Client, method: str, url: str, headers: dict) -> tuple[int, str]:
    response = getattr(client, method)(url, **headers)
    if response.status_code == 302:
        body = response["Location"].split("?")[0]
    elif response.streaming:
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)  # a fresh token on every page
    body = re.sub(r'<div class="messages">.*?</div>', "", body, flags=re.S)  # left by an earlier request
    return response.status_code, re.sub(r"\d{6,}|/\d+/", "#", body)


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_r17_every_url_answers_an_object_out_of_scope_exactly_like_a_missing_one(world, kind_name):
    user = world["users"][kind_name]
    client = Client()
    headers: dict = {}
    if user.is_active:
        client.force_login(user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}
    objects = _objects(world)
    problems = []
    for method, template, kind, page_action, lookup in URLS:
        api = template.startswith("/api/")
        own_headers = headers if api else {}
        missing = _answer(client, method, _url(template, _missing(kind, template)), own_headers)
        page_actions = page_action if isinstance(page_action, tuple) else (page_action,)
        lookups = lookup if isinstance(lookup, tuple) else (lookup,)
        page_allowed = page_action is None or bool(
            KINDS[kind_name].role and any(MAY[a](KINDS[kind_name]) for a in page_actions)
        )
        assert objects[kind], f"the little city has no {kind} for {template}"
        for obj in objects[kind]:
            place = _place(obj, world)
            answer = _answer(client, method, _url(template, obj), own_headers)
            if not user.is_active:
                ok = answer[0] in (401, 302) and answer == missing
            elif not page_allowed:
                ok = answer[0] == 403
            elif any(expected(kind_name, user, a, type(obj), place) for a in lookups):
                ok = answer[0] not in (404, 500)
            else:
                ok = answer == missing and answer[0] == 404
            if not ok:
                problems.append(
                    f"{kind_name}: {method.upper()} {_url(template, obj)} → {answer[0]} (missing → {missing[0]})"
                )
    assert not problems, "\n".join(problems)


def test_r17_a_connected_system_key_reaches_no_person_and_no_page(world):
    system = ConnectedSystem.objects.get(code="city-system")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key_issue(system=system)}"}
    client = Client()
    person = world["people"]["nurse"]
    for template in ("/api/v1/people/{id}/compliance", "/api/v1/people/{id}/entries"):
        assert client.get(_url(template, person), **headers).status_code == 401
    assert client.get(f"/people/{person.pk}/", **headers).status_code == 302  # to the login page

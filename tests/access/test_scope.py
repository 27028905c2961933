"""Scope (R17, DESIGN §1): who may read which person, and attempts to escape it through every page and endpoint.

One table of roles and what each may see (`SCOPE_CASES`) and one list of every URL that reads a person
(`PERSON_READING_URLS`). Every case tries every URL against every person it must not see and expects
exactly what an unknown person gives (404, same body); every person it may see answers 200. Adding an
endpoint or a page that reads a person means adding one line to `PERSON_READING_URLS`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cehours.access.services import grant_create, token_issue
from cehours.declarations.models import IntegrityEntry
from cehours.declarations.services import integrity_record
from cehours.demo import synthetic_id_number
from cehours.integration.keys import key_issue, system_save
from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.services import entry_register
from cehours.people.models import Person
from cehours.people.services import person_register

PASSWORD = "test-password-123"

# Every URL that reads one person: `{id_number}` for the API, `{pk}` for the pages.
PERSON_READING_URLS = [
    "/api/v1/people/{id_number}/compliance",
    "/api/v1/people/{id_number}/compliance?from=2024&to=2025",
    "/api/v1/people/{id_number}/eligibility?application_year=2026&required_years=2",
    "/api/v1/people/{id_number}/eligibility?application_year=2026&required_years=3&since_year=2020",
    "/api/v1/people/{id_number}/entries",
    "/api/v1/people/{id_number}/entries?year=2025&figure=professional",
    "/people/{pk}/",
    "/people/{pk}/?start=2024&end=2025",
    "/people/{pk}/entries/",
    "/people/{pk}/entries/?year=2025&figure=total",
    "/people/{pk}/eligibility/",
    "/people/{pk}/eligibility/?application_year=2026&required_years=2",
]

# Searches that could reveal a person: by full name, by name prefix, by full ID number (either case).
# The search form posts them (an ID number never goes into a URL: DESIGN §7).
SEARCH_QUERIES = [
    "{name}",
    "{name_prefix}",
    "{id_number}",
    "{id_number_lower}",
]

# The population: hospital (莲都区/卫生), college (莲都区/教育), school (青田县/教育), and a person
# registered in 莲都区 with neither unit nor series.
PEOPLE = {
    "hospital_a": ("hospital", "甲医生", "61.1"),
    "hospital_b": ("hospital", "乙医生", "62.2"),
    "college": ("college", "丙讲师", "63.3"),
    "school": ("school", "丁教师", "64.4"),
    "unattached": (None, "戊自由", "65.5"),
}
EVERYONE = frozenset(PEOPLE)
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ScopeCase:
    """A user: their grants (city-fixture keys), whether they are hospital_a's own login, whom they see."""

    id: str
    grants: tuple[dict, ...]
    sees: frozenset[str]
    is_hospital_a: bool = False


SCOPE_CASES = [
    ScopeCase(
        "unit_staff_of_hospital", ({"role": "unit_staff", "unit": "hospital"},), frozenset({"hospital_a", "hospital_b"})
    ),
    ScopeCase("unit_staff_of_school", ({"role": "unit_staff", "unit": "school"},), frozenset({"school"})),
    ScopeCase(
        "reviewer_l1_county_liandu",
        ({"role": "reviewer", "level": 1, "county": "liandu"},),
        frozenset({"hospital_a", "hospital_b", "college", "unattached"}),
    ),
    ScopeCase(
        "reviewer_l2_county_qingtian", ({"role": "reviewer", "level": 2, "county": "qingtian"},), frozenset({"school"})
    ),
    ScopeCase("reviewer_l3_city", ({"role": "reviewer", "level": 3},), EVERYONE),
    ScopeCase(
        "industry_authority_health",
        ({"role": "industry_authority", "series": "health"},),
        frozenset({"hospital_a", "hospital_b"}),
    ),
    ScopeCase(
        "industry_authority_education",
        ({"role": "industry_authority", "series": "education"},),
        frozenset({"college", "school"}),
    ),
    ScopeCase(
        "reviewer_l2_county_and_series_intersect",
        ({"role": "reviewer", "level": 2, "county": "liandu", "series": "education"},),
        frozenset({"college"}),
    ),
    ScopeCase("evaluator_city", ({"role": "evaluator"},), EVERYONE),
    ScopeCase("hr_admin_city", ({"role": "hr_admin"},), EVERYONE),
    ScopeCase(
        "two_grants_see_the_union",
        ({"role": "unit_staff", "unit": "school"}, {"role": "industry_authority", "series": "health"}),
        frozenset({"school", "hospital_a", "hospital_b"}),
    ),
    ScopeCase("provider_city", ({"role": "provider"},), NOBODY),
    ScopeCase("provider_county", ({"role": "provider", "county": "liandu"},), NOBODY),
    ScopeCase("professional_sees_only_self", (), frozenset({"hospital_a"}), is_hospital_a=True),
    ScopeCase("account_without_grant", (), NOBODY),
]
CASES_WITH_OUTSIDERS = [c for c in SCOPE_CASES if c.sees != EVERYONE]
CASES_WITH_INSIDERS = [c for c in SCOPE_CASES if c.sees]

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
_rng = random.Random(20)


@pytest.fixture
def population(city, make_person, add_hours):
    """Five people with distinct names and distinct 2025 professional hours (so a leak is recognisable)."""
    people = {}
    for key, (unit, name, professional) in PEOPLE.items():
        if unit is None:
            liandu = city["counties"]["liandu"]
            person = person_register(name=name, id_number=synthetic_id_number(_rng, liandu.code), county=liandu)
        else:
            person = make_person(unit=unit, name=name, with_login=(key == "hospital_a"))
        add_hours(person, 2024, general_public="9", industry_public="9", professional="72")
        add_hours(person, 2025, general_public="9", industry_public="9", professional=professional)
        people[key] = person
    return people


@pytest.fixture
def user_for(city, population):
    def make(case: ScopeCase):
        if case.is_hospital_a:
            return population["hospital_a"].user
        user = get_user_model().objects.create_user(f"scope-{case.id}", password=PASSWORD)
        for grant in case.grants:
            grant_create(
                user=user,
                role=grant["role"],
                level=grant.get("level"),
                county=city["counties"][grant["county"]] if "county" in grant else None,
                series=city["series"][grant["series"]] if "series" in grant else None,
                unit=city["units"][grant["unit"]] if "unit" in grant else None,
            )
        return user

    return make


class Caller:
    """One user reaching person URLs the ways a browser and a program would: session and bearer token."""

    def __init__(self, user):
        self.session = Client()
        self.session.force_login(user)
        self.token = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")

    def get(self, url: str) -> list[tuple[str, object]]:
        if url.startswith("/api/"):
            return [("session", self.session.get(url)), ("bearer", self.token.get(url))]
        return [("session", self.session.get(url))]

    def search(self, query: str):
        """The people search as its form sends it: POST /people/."""
        return self.session.post("/people/", {"q": query})


def person_url(template: str, person: Person | None, *, unknown_pk: int | None = None) -> str:
    if person is None:  # a valid but unregistered ID number, and a pk that does not exist
        return template.format(id_number=synthetic_id_number(random.Random(404), "331102"), pk=unknown_pk)
    return template.format(id_number=person.id_number, pk=person.pk)


def comparable(response) -> object:
    if response["Content-Type"].startswith("application/json"):
        return response.json()
    return _CSRF.sub("", response.content.decode())


def leaks(response, person: Person, professional_hours: str) -> list[str]:
    text = response.content.decode()
    found = [value for value in (person.name, person.id_number, person.id_number_masked) if value in text]
    if f'"{professional_hours}"' in text or f">{professional_hours}<" in text:
        found.append(professional_hours)
    return found


def _id(case: ScopeCase) -> str:
    return case.id


# visible_to: the one door every query goes through.


@pytest.mark.parametrize("case", SCOPE_CASES, ids=_id)
def test_r17_visible_to_holds_exactly_the_people_in_scope(population, user_for, make_staff, case):
    user = user_for(case)
    city_hr = make_staff("reviewer", level=3)
    for person in population.values():
        integrity_record(person=person, finding="抽查发现", by=city_hr, on=timezone.localdate())
    expected = {population[key].pk for key in case.sees}

    assert set(Person.objects.visible_to(user).values_list("pk", flat=True)) == expected
    assert set(LedgerEntry.objects.visible_to(user).values_list("person_id", flat=True)) == expected
    assert set(IntegrityEntry.objects.visible_to(user).values_list("person_id", flat=True)) == expected


# Escape attempts: every person-reading URL, every person outside the scope.


@pytest.mark.parametrize("template", PERSON_READING_URLS)
@pytest.mark.parametrize("case", CASES_WITH_OUTSIDERS, ids=_id)
def test_r17_person_outside_scope_looks_exactly_like_an_unknown_one(population, user_for, case, template):
    caller = Caller(user_for(case))
    unknown_pk = Person.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    unknown = {}
    for via, response in caller.get(person_url(template, None, unknown_pk=unknown_pk)):
        assert response.status_code == 404, via
        unknown[via] = comparable(response)

    for key in EVERYONE - case.sees:
        person = population[key]
        for via, response in caller.get(person_url(template, person)):
            where = f"{case.id} → {key} via {via}"
            assert response.status_code == 404, where
            assert leaks(response, person, PEOPLE[key][2]) == [], where
            if template.startswith("/api/"):
                assert comparable(response) == unknown[via], where
            else:
                assert comparable(response) == unknown[via].replace(f"/people/{unknown_pk}/", f"/people/{person.pk}/")


@pytest.mark.parametrize("template", SEARCH_QUERIES)
@pytest.mark.parametrize("case", CASES_WITH_OUTSIDERS, ids=_id)
def test_r17_search_finds_nobody_outside_scope(population, user_for, case, template):
    caller = Caller(user_for(case))

    for key in EVERYONE - case.sees:
        person = population[key]
        query = template.format(
            name=person.name,
            name_prefix=person.name[:2],
            id_number=person.id_number,
            id_number_lower=person.id_number.lower(),
        )
        response = caller.search(query)
        html = response.content.decode()
        assert response.status_code == 200, (case.id, key)
        assert f'href="/people/{person.pk}/"' not in html, (case.id, key)
        assert person.id_number_masked not in html, (case.id, key)
        assert "在您的查询范围内没有找到符合条件的人员" in html, (case.id, key)


# In scope: every person-reading URL answers, and the search finds the person.


@pytest.mark.parametrize("template", PERSON_READING_URLS)
@pytest.mark.parametrize("case", CASES_WITH_INSIDERS, ids=_id)
def test_r17_person_inside_scope_is_reachable(population, user_for, case, template):
    caller = Caller(user_for(case))

    for key in case.sees:
        person = population[key]
        for via, response in caller.get(person_url(template, person)):
            where = f"{case.id} → {key} via {via}"
            assert response.status_code == 200, where
            if "/entries" in template and template.startswith("/api/"):
                assert PEOPLE[key][2] in {e["hours"] for e in response.json()}, where
            else:
                assert person.name in response.content.decode(), where


@pytest.mark.parametrize("case", [c for c in CASES_WITH_INSIDERS if not c.is_hospital_a], ids=_id)
def test_r17_search_finds_people_inside_scope_by_name_and_id_number(population, user_for, case):
    caller = Caller(user_for(case))

    for key in case.sees:
        person = population[key]
        for query in (person.name, person.id_number):
            response = caller.search(query)
            html = response.content.decode()
            assert f'href="/people/{person.pk}/"' in html, (case.id, key, query)
            assert person.id_number_masked in html
            assert person.id_number not in html.replace(f'value="{person.id_number}"', "")


def test_r17_same_name_in_and_out_of_scope_shows_only_the_one_in_scope(city, make_person, make_staff):
    inside = make_person(unit="hospital", name="张伟")
    outside = make_person(unit="school", name="张伟")
    client = Client()
    client.force_login(make_staff("unit_staff", unit="hospital"))

    html = client.get("/people/?q=张伟").content.decode()

    assert f'href="/people/{inside.pk}/"' in html
    assert f'href="/people/{outside.pk}/"' not in html
    assert outside.id_number_masked not in html


# Professionals: only themselves.


def test_r17_a_professional_cannot_see_another_professional(population, make_person):
    colleague = make_person(unit="hospital", name="己同事", with_login=True)
    me = population["hospital_a"]

    for viewer, other in ((me, colleague), (colleague, me)):
        caller = Caller(viewer.user)
        for template in PERSON_READING_URLS:
            for via, response in caller.get(person_url(template, other)):
                assert response.status_code == 404, (viewer.name, template, via)
                assert other.name not in response.content.decode()
            for via, response in caller.get(person_url(template, viewer)):
                assert response.status_code == 200, (viewer.name, template, via)
        [(_, search)] = caller.get(f"/people/?q={other.name}")
        assert f'href="/people/{other.pk}/"' not in search.content.decode()


def test_r17_own_pages_show_the_professional_only_their_own_record(population):
    me = population["hospital_a"]
    caller = Caller(me.user)

    [(_, mine)] = caller.get("/me/")
    [(_, entries)] = caller.get("/me/entries/?year=2025&figure=professional")

    assert mine.status_code == entries.status_code == 200
    assert me.id_number in mine.content.decode()
    assert "61.1" in entries.content.decode()
    for key in EVERYONE - {"hospital_a"}:
        assert population[key].name not in mine.content.decode() + entries.content.decode()
        assert PEOPLE[key][2] not in entries.content.decode()


@pytest.mark.parametrize("case", [c for c in SCOPE_CASES if not c.is_hospital_a], ids=_id)
def test_r17_staff_without_own_record_get_404_on_me_pages(population, user_for, case):
    caller = Caller(user_for(case))

    for url in ("/me/", "/me/entries/", "/me/entries/?year=2025&figure=total"):
        [(_, response)] = caller.get(url)
        assert response.status_code == 404, (case.id, url)
        for key in EVERYONE:
            assert population[key].name not in response.content.decode()


# Inactive accounts: nothing, by any way in.


def test_r17_inactive_user_sees_nobody_by_any_way_in(population, make_staff):
    staff = make_staff("hr_admin")
    caller = Caller(staff)
    person = population["hospital_a"]
    assert caller.get(person_url(PERSON_READING_URLS[0], person))[0][1].status_code == 200

    staff.is_active = False
    staff.save(update_fields=["is_active"])

    assert not Person.objects.visible_to(staff).exists()
    assert not LedgerEntry.objects.visible_to(staff).exists()
    for template in PERSON_READING_URLS:
        for via, response in caller.get(person_url(template, person)):
            if template.startswith("/api/"):
                assert response.status_code == 401, (template, via)
            else:
                assert response.status_code == 302, template
                assert response["Location"].startswith("/login/?next=")
            assert person.name not in response.content.decode()
    [(_, search)] = caller.get(f"/people/?q={person.name}")
    assert search.status_code == 302


def test_r17_inactive_professional_loses_access_to_own_record(population):
    me = population["hospital_a"]
    caller = Caller(me.user)
    me.user.is_active = False
    me.user.save(update_fields=["is_active"])

    assert not Person.objects.visible_to(me.user).exists()
    for template in PERSON_READING_URLS[:2]:
        for _, response in caller.get(person_url(template, me)):
            assert response.status_code == 401
    [(_, page)] = caller.get("/me/")
    assert page.status_code == 302


def test_r17_anonymous_sees_nobody(population):
    person = population["hospital_a"]
    anonymous = Client()

    assert not Person.objects.visible_to(None).exists()
    for template in PERSON_READING_URLS:
        response = anonymous.get(person_url(template, person))
        assert response.status_code == (401 if template.startswith("/api/") else 302), template
        assert person.name not in response.content.decode()


def test_r17_grant_removed_takes_effect_on_the_next_request(population, make_staff):
    staff = make_staff("unit_staff", unit="hospital")
    caller = Caller(staff)
    person = population["hospital_a"]
    url = person_url("/api/v1/people/{id_number}/compliance", person)
    assert [r.status_code for _, r in caller.get(url)] == [200, 200]

    staff.grants.all().delete()

    assert [r.status_code for _, r in caller.get(url)] == [404, 404]
    [(_, page)] = caller.get(f"/people/{person.pk}/")
    assert page.status_code == 404


# Personal accounts and connected systems are different doors: neither key opens the other's endpoints.


def test_r17_a_connected_system_key_cannot_read_people(population):
    system, _ = system_save(code="health-lms", name="卫生继续教育系统", categories=[], industries=[])
    system_client = Client(HTTP_AUTHORIZATION=f"Bearer {key_issue(system=system)}")
    person = population["hospital_a"]

    for template in PERSON_READING_URLS:
        if template.startswith("/api/"):
            response = system_client.get(person_url(template, person))
            assert response.status_code == 401, template
            assert person.name not in response.content.decode()


def test_r17_personal_tokens_and_sessions_cannot_use_system_endpoints(population, make_staff):
    caller = Caller(make_staff("hr_admin"))
    entry_register(
        person=population["school"],
        category="professional",
        hours="3",
        source=Source.CONNECTED_SYSTEM,
        source_system="health-lms",
        source_record_id="R-1",
        title="在线课程",
        completed_on=timezone.localdate(),
    )

    for via, response in caller.get("/api/v1/records?source_record_id=R-1"):
        assert response.status_code == 401, via
        assert population["school"].name not in response.content.decode()


def test_r17_a_connected_system_reads_back_only_its_own_records(population):
    mine, _ = system_save(code="health-lms", name="卫生继续教育系统", categories=[], industries=[])
    other, _ = system_save(code="edu-lms", name="教育继续教育系统", categories=[], industries=[])
    for system, person in ((mine, population["hospital_a"]), (other, population["school"])):
        entry_register(
            person=person,
            category="professional",
            hours="3",
            source=Source.CONNECTED_SYSTEM,
            source_system=system.code,
            source_record_id="R-1",
            title="在线课程",
            completed_on=timezone.localdate(),
        )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key_issue(system=mine)}")

    response = client.get("/api/v1/records?source_record_id=R-1")

    assert response.status_code == 200
    assert [(r["name"], r["id_number"]) for r in response.json()] == [
        (population["hospital_a"].name, population["hospital_a"].id_number_masked)
    ]
    assert population["school"].name not in response.content.decode()

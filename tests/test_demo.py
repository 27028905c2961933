"""The demo city (cehours/demo.py): nothing dated after today, years enough for a 5-year title check
(R13) that most people pass and some fail, and every record taken by the ledger's door as it is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from cehours import demo
from cehours.access.models import Role
from cehours.access.services import grant_create
from cehours.declarations.models import Declaration, SeminarProject
from cehours.declarations.services import declaration_decide
from cehours.ledger.models import HeldRecord, LedgerEntry, Source
from cehours.ledger.selectors import person_eligibility
from cehours.ledger.services import Outcome
from cehours.people.models import Person

PEOPLE = 4  # the size tests/access/test_demo_accounts.py loads


@pytest.fixture
def door_outcomes(monkeypatch) -> list:
    """Every outcome the ledger's door answered the demo, recorded beside the demo's own count."""
    seen: list = []
    register = demo.entries_register_bulk

    def recording(**kwargs):
        outcomes = register(**kwargs)
        seen.extend(outcomes)
        return outcomes

    monkeypatch.setattr(demo, "entries_register_bulk", recording)
    return seen


@pytest.fixture
def loaded(db, door_outcomes) -> dict:
    return demo.load_demo(people=PEOPLE)


def test_demo_records_nothing_dated_after_today(loaded):
    today = timezone.localdate()
    later = Q(completed_on__gt=today) | Q(start_on__gt=today) | Q(end_on__gt=today)

    assert loaded["entries"] > 0
    assert not LedgerEntry.objects.filter(later).exists()
    assert not Declaration.objects.filter(Q(start_on__gt=today) | Q(end_on__gt=today)).exists()
    # A 高研班's attendees register only after its last day: the demo's project is over already.
    assert SeminarProject.objects.exists()
    assert not SeminarProject.objects.filter(end_on__gte=today).exists()


def test_demo_covers_the_five_complete_years_before_this_one_and_this_year_so_far(loaded):
    this_year = timezone.localdate().year
    years = set(LedgerEntry.objects.values_list("year", flat=True).distinct())

    assert years == set(range(this_year - 5, this_year + 1))
    for person in Person.objects.filter(unit__isnull=False):  # the 待确认人员 came with one record each
        assert set(person.ledger_entries.values_list("year", flat=True)) >= set(range(this_year - 5, this_year))


def test_demo_door_registers_every_record_as_given(loaded, door_outcomes):
    # The demo's own records; the connected system's batch (below) answers for itself.
    assert len(door_outcomes) == LedgerEntry.objects.exclude(source=Source.CONNECTED_SYSTEM).count()
    assert {outcome.status for outcome in door_outcomes} == {Outcome.CREATED}
    assert [outcome for outcome in door_outcomes if outcome.notice is not None] == []  # none cut (R12a)


def test_r13_demo_people_pass_and_fail_a_five_year_title_check(loaded, client):
    today = timezone.localdate()
    results = {
        person: person_eligibility(person, application_year=today.year, required_years=5, since_year=None, today=today)
        for person in Person.objects.order_by("pk")
    }
    passing = [person for person, result in results.items() if result.eligible]
    failing = [(person, result) for person, result in results.items() if not result.eligible]

    assert passing, "most demo people meet R11 in each of the five years"
    assert failing, "some demo people fall short on purpose"
    assert Person.objects.get(user__username="professional") in passing
    person, result = failing[0]
    assert result.reasons
    assert any("学时" in shortfall.message for row in result.years for shortfall in row.shortfalls)

    evaluator = get_user_model().objects.create_user("demo_evaluator")
    grant_create(user=evaluator, role=Role.EVALUATOR)
    client.force_login(evaluator)
    # Demo people have a title date and placeholder title-table years: judging them by five years
    # from A − 5, as above, is the evaluator's override and needs its reason (R13).
    query = f"application_year={today.year}&required_years=5&since_year={today.year - 5}&override_reason=按五年判断"
    html = client.get(f"/people/{person.pk}/eligibility/?{query}").content.decode()
    assert "继续教育学时不符合申报条件" in html
    assert all(reason in html for reason in result.reasons)


def test_demo_fails_loudly_when_the_door_refuses_its_records(db):
    # A demo dated a year ahead of the platform's today: the door refuses what lies in the future.
    with pytest.raises(demo.DemoNotRegistered, match="refused"):
        demo.load_demo(people=2, years=1, today=timezone.localdate() + timedelta(days=400))
    assert not LedgerEntry.objects.exists()
    assert not Person.objects.exists()


@pytest.mark.parametrize("day", [date(2028, 1, 1), date(2028, 1, 12), date(2028, 2, 29), date(2027, 12, 31)])
def test_demo_loads_on_any_day_of_the_year(db, door_outcomes, monkeypatch, day):
    # The platform's today, as the door, the declarations and the demo all read it.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    demo.load_demo(people=PEOPLE)

    assert {outcome.status for outcome in door_outcomes} == {Outcome.CREATED}
    assert not LedgerEntry.objects.filter(Q(completed_on__gt=day) | Q(start_on__gt=day) | Q(end_on__gt=day)).exists()
    assert set(LedgerEntry.objects.values_list("year", flat=True).distinct()) == set(range(day.year - 5, day.year + 1))
    verdicts = {
        person_eligibility(person, application_year=day.year, required_years=5, since_year=None, today=day).eligible
        for person in Person.objects.all()
    }
    assert verdicts == {True, False}


def test_r12a_demo_declaration_registers_in_full_when_reviewer1_approves_it(loaded):
    declaration = Declaration.objects.get(person__user__username="professional")
    reviewer1 = get_user_model().objects.get(username="reviewer1")

    approved = declaration_decide(declaration=declaration, by=reviewer1, action="approve", version=declaration.version)

    assert approved.entry is not None
    assert approved.entry.hours == declaration.hours > 0, "the demo leaves the declaration's days free"


def test_demo_gives_reviewer1_held_records_and_hr_people_to_place(loaded):
    """DESIGN §2: the 暂缓登记 queue and the 待确认人员 list are not empty in the demo."""
    from cehours.ledger.selectors import held_queue
    from cehours.people.selectors import unplaced_people

    assert loaded["demo_intake"] == {"held": 2, "created": 2}
    reviewer1 = get_user_model().objects.get(username="reviewer1")
    assert sorted(h.reason for h in held_queue(reviewer1)) == ["above_record_limit", "likely_duplicate"]
    assert HeldRecord.objects.count() == 2
    hr = get_user_model().objects.get(username="hr_admin")
    unplaced = list(unplaced_people(hr))
    assert len(unplaced) == 2 and all(p.county_id is None and p.unit_id is None for p in unplaced)


def test_the_demo_command_says_what_it_is_doing_while_it_loads(db):
    """Issue 12: `python3 dev.py serve` is not silent while the demo loads."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("demo", people=PEOPLE, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"正在生成演示数据：{PEOPLE} 名人员、5 个完整年度")
    assert any(line.startswith("已生成演示数据：") for line in lines[1:])
    # The staff accounts carry synthetic display names: pages name people, not logins.
    assert all(u.first_name for u in get_user_model().objects.filter(username__in=["reviewer1", "hr_admin"]))


def test_the_demo_leaves_the_planners_statistics_current_on_postgresql(db):
    """Right after a bulk load PostgreSQL's planner takes the ledger for empty until autovacuum runs:
    a county reviewer's /spot-checks/ took 1.5 s on the demo (bench/pages.py), 25 ms once analysed."""
    import io

    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics (pg_class.reltuples) are PostgreSQL's; SQLite plans without them")
    call_command("demo", people=PEOPLE, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'ledger_ledgerentry'")
        (estimated,) = cursor.fetchone()
    assert estimated == LedgerEntry.objects.count() > 0

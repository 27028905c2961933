"""Reads of personal data are recorded (finding 1: "no read of personal data is recorded anywhere").

One ReadEvent per read, written in one INSERT per request, append-only by database trigger.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cehours.access.services import token_issue
from cehours.privacy.models import ReadAction, ReadEvent, ReadOutcome
from cehours.privacy.services import record_read


def _inserts(queries) -> int:
    return sum(1 for q in queries if q["sql"].upper().startswith("INSERT") and "privacy_readevent" in q["sql"])


def test_a_person_page_read_records_one_read_event(target, unit_staff):
    browser = Client(REMOTE_ADDR="10.1.2.3")
    browser.force_login(unit_staff)

    with CaptureQueriesContext(connection) as queries:
        response = browser.get(f"/people/{target.pk}/")

    assert response.status_code == 200
    assert _inserts(queries.captured_queries) == 1
    [event] = ReadEvent.objects.all()
    assert (event.user, event.person, event.action, event.outcome) == (
        unit_staff,
        target,
        ReadAction.PERSON_PAGE,
        ReadOutcome.FOUND,
    )
    assert event.caller_key == f"user:{unit_staff.pk}"
    assert event.remote_addr == "10.1.2.3"
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/people/{pk}/entries/", ReadAction.PERSON_ENTRIES_PAGE),
        ("/people/{pk}/eligibility/?application_year=2026&required_years=3", ReadAction.PERSON_ELIGIBILITY_PAGE),
        ("/api/v1/people/{id_number}/compliance", ReadAction.API_COMPLIANCE),
        ("/api/v1/people/{id_number}/eligibility?application_year=2026&required_years=3", ReadAction.API_ELIGIBILITY),
        ("/api/v1/people/{id_number}/entries", ReadAction.API_ENTRIES),
    ],
)
def test_every_person_read_records_who_read_whom(target, unit_staff, url, action):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    api.force_login(unit_staff)

    with CaptureQueriesContext(connection) as queries:
        response = api.get(url.format(pk=target.pk, id_number=target.id_number))

    assert response.status_code == 200
    assert _inserts(queries.captured_queries) == 1
    assert list(ReadEvent.objects.values_list("user", "person", "action")) == [(unit_staff.pk, target.pk, action)]


def test_a_person_outside_the_scope_records_nothing_read(target, make_staff):
    outsider = Client()
    outsider.force_login(make_staff("unit_staff", unit="school"))

    assert outsider.get(f"/people/{target.pk}/").status_code == 404
    assert not ReadEvent.objects.exists()


def test_a_search_records_the_number_of_people_it_listed(make_person, unit_staff):
    for _ in range(3):
        make_person(unit="hospital", name=f"查询同名{_}")
    browser = Client()
    browser.force_login(unit_staff)

    browser.post("/people/", {"q": "查询同名"})
    browser.get("/people/?q=查无此人")

    assert list(ReadEvent.objects.order_by("pk").values_list("action", "count", "person")) == [
        (ReadAction.SEARCH, 3, None),
        (ReadAction.SEARCH, 0, None),
    ]


def test_a_search_by_id_number_records_the_person_found(target, unit_staff):
    browser = Client()
    browser.force_login(unit_staff)

    browser.post("/people/", {"q": target.id_number.lower()})

    [event] = ReadEvent.objects.all()
    assert (event.action, event.person, event.outcome) == (ReadAction.SEARCH, target, ReadOutcome.FOUND)


def test_the_overview_csv_records_its_row_count(make_person, make_staff):
    for _ in range(4):
        make_person(unit="hospital")
    hr = Client()
    hr.force_login(make_staff("hr_admin"))

    assert hr.get("/overview/").status_code == 200  # the page itself: not a file, not recorded
    response = hr.get("/overview/?format=csv")

    assert response["Content-Type"].startswith("text/csv")
    assert list(ReadEvent.objects.values_list("action", "count")) == [(ReadAction.OVERVIEW_CSV, 4)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exchange_export_records_its_row_count(make_person, make_staff, add_hours, fmt):
    people = [make_person(unit="hospital") for _ in range(2)]
    for person in people:
        add_hours(person, 2025, professional="10", general_public="5")
    hr = Client()
    hr.force_login(make_staff("hr_admin"))

    response = hr.get(f"/exchange/export/?year=2025&format={fmt}")

    assert response.status_code == 200, response.content[:300]
    [(action, count)] = ReadEvent.objects.values_list("action", "count")
    assert action == ReadAction.EXPORT
    assert count is not None and count >= 1


def test_read_events_cannot_be_updated_or_deleted_even_by_raw_sql(target, unit_staff):
    record_read(None, ReadAction.PERSON_PAGE, person=target)
    pk = ReadEvent.objects.get().pk

    for statement in (
        "UPDATE privacy_readevent SET caller_key = 'someone-else' WHERE id = %s",
        "DELETE FROM privacy_readevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="个人信息访问记录只能追加"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [pk])

    assert ReadEvent.objects.filter(pk=pk).exists()
    assert ReadEvent.objects.get(pk=pk).caller_key == "addr:"

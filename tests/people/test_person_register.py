"""Real-name registration (R3): ID numbers validated, encrypted at rest, found by keyed hash, shown masked."""

import random

import pytest
from django.db import connection

from cehours.audit.models import AuditEvent
from cehours.demo import synthetic_id_number
from cehours.people.models import County, Person
from cehours.people.selectors import person_by_id_number
from cehours.people.services import PersonError, person_register


@pytest.fixture
def liandu(db):
    return County.objects.get(code="331102")


def test_r3_id_number_is_not_stored_in_clear(liandu):
    number = synthetic_id_number(random.Random(1), "331102")
    person = person_register(name="张测试", id_number=number, county=liandu)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
    assert all(number not in str(value) for value in row)
    assert Person.objects.get(pk=person.pk).id_number == number
    assert person.id_number_masked == number[:6] + "********" + number[-4:]


def test_r3_person_is_found_by_id_number_only_through_scope(liandu, make_staff):
    number = synthetic_id_number(random.Random(2), "331102")
    person = person_register(name="李测试", id_number=number, county=liandu)
    assert person_by_id_number(make_staff("hr_admin"), number.lower()) == person
    assert person_by_id_number(make_staff("provider"), number) is None


def test_r3_same_id_number_cannot_be_registered_twice(liandu):
    number = synthetic_id_number(random.Random(3), "331102")
    person_register(name="王测试", id_number=number, county=liandu)
    with pytest.raises(PersonError) as caught:
        person_register(name="王测试", id_number=number, county=liandu)
    assert caught.value.field == "id_number"
    assert Person.objects.count() == 1


def test_r3_invalid_id_number_is_refused_and_changes_nothing(liandu):
    events = AuditEvent.objects.count()
    with pytest.raises(PersonError) as caught:
        person_register(name="赵测试", id_number="331102199001011230", county=liandu)
    assert caught.value.field == "id_number"
    assert "校验位" in caught.value.message
    assert Person.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_registration_is_audited_without_the_full_id_number(liandu):
    number = synthetic_id_number(random.Random(4), "331102")
    person = person_register(name="钱测试", id_number=number, county=liandu)
    event = AuditEvent.objects.get(action="people.person_registered", object_id=str(person.pk))
    assert number not in str(event.after)
    assert event.after["id_number"] == person.id_number_masked

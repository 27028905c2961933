"""/privacy/reads/: the access log for the audit administrator, with callers who read unusually many people."""

from __future__ import annotations

from django.test import Client

from cehours.access.services import token_issue
from cehours.privacy.models import ReadEvent


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_audit_administrator_sees_the_reads_and_the_heavy_reader_by_name(make_person, make_staff, settings):
    settings.READS_FLAG_PEOPLE_PER_HOUR = 3
    harvester = make_staff("unit_staff", unit="hospital")
    harvester.first_name = "王经办"
    harvester.save(update_fields=["first_name"])
    casework = make_staff("unit_staff", unit="hospital")
    casework.first_name = "李经办"
    casework.save(update_fields=["first_name"])
    people = [make_person(unit="hospital", name=f"被查人员{i}") for i in range(5)]
    for person in people:
        assert _browser(harvester).get(f"/people/{person.pk}/").status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=casework)}")
    for _ in range(6):  # many reads, but of the same two people: casework, not harvesting
        for person in people[:2]:
            assert api.get(f"/api/v1/people/{person.id_number}/compliance").status_code == 200

    response = _browser(make_staff("audit_admin")).get("/privacy/reads/")

    html = response.content.decode()
    assert response.status_code == 200
    flagged = html.split('id="flagged"')[1].split('id="reads"')[0]
    assert "王经办" in flagged
    assert '<td class="num">5</td>' in flagged
    assert "李经办" not in flagged
    assert f"共 {ReadEvent.objects.count()} 条" in html
    assert "被查人员0" in html
    assert harvester.username not in html  # callers by name where there is one
    for person in people:
        assert person.id_number not in html


def test_the_reads_list_is_paginated(make_person, make_staff):
    person = make_person(unit="hospital")
    reader = _browser(make_staff("unit_staff", unit="hospital"))
    for _ in range(105):
        reader.get(f"/people/{person.pk}/")
    auditor = _browser(make_staff("audit_admin"))

    first, second = auditor.get("/privacy/reads/"), auditor.get("/privacy/reads/?page=2")

    assert "共 105 条" in first.content.decode()
    assert "第 1 / 2 页" in first.content.decode()
    assert second.content.decode().count("人员学时页面") == 5


def test_users_without_the_action_are_refused(make_staff):
    for role, options in [
        ("unit_staff", {"unit": "hospital"}),
        ("hr_admin", {}),
        ("reviewer", {"level": 3}),
        ("system_admin", {}),
    ]:
        response = _browser(make_staff(role, **options)).get("/privacy/reads/")
        assert response.status_code == 403, role

    assert Client().get("/privacy/reads/").status_code == 302  # to the login page

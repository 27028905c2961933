"""A county-scoped HR administrator acts only inside its county (R17, access policy): imports refuse
rows for people and units outside with a row error and change nothing there; exports hold only
the county's people; the connected systems of others are out of reach.

The attack this guards against was found from outside: `create-staff hrcounty --role hr_admin
--county 331124` imported a people roster that moved a person of another county into its own (and
then exported their full ID number), and imported hours for anyone in the city.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from cehours.ledger.models import LedgerEntry
from cehours.people.models import Person, Unit

from .support import LIANDU, QINGTIAN, new_id_number
from .test_exchange import PEOPLE_HEADER, UNIT_HEADER, write_csv

HOURS_HEADER = ["source_record_id", "id_number", "name", "category", "hours", "title", "completed_on"]


@pytest.fixture
def county_hr(make_staff):
    return make_staff("hr_admin", county="liandu", username="liandu_hr")


def _import(kind: str, path, user) -> str:
    out = StringIO()
    if kind == "hours":
        call_command("import_hours", str(path), "--as", user.username, stdout=out, stderr=StringIO())
    else:
        call_command("import_roster", str(path), "--kind", kind, "--as", user.username, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_r17_a_county_administrator_cannot_move_a_person_of_another_county_into_its_own(
    county_hr, city, make_person, tmp_path
):
    teacher = make_person(unit="school", name="青田老师")  # 青田县
    nurse = make_person(unit="hospital", name="莲都护士")  # 莲都区, inside
    hospital = city["units"]["hospital"]
    rows = [
        [teacher.id_number, teacher.name, hospital.credit_code, "", "", "", ""],  # row 2: outside, moved in
        [nurse.id_number, nurse.name, hospital.credit_code, "", "", "主管护师", ""],  # row 3: inside
        [new_id_number(QINGTIAN), "新青田人", "", "education", QINGTIAN, "", ""],  # row 4: created outside
        [new_id_number(LIANDU), "新莲都人", "", "education", LIANDU, "", ""],  # row 5: created inside
    ]
    said = _import("people", write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows), county_hr).splitlines()
    assert said[-1] == "导入完成：共 4 行，新增 1，更新 1，无变化 0，未导入 2"
    refused = [line for line in said if line.startswith("第 ")]
    assert [line.split("（")[0] for line in refused] == ["第 2 行", "第 4 行"]
    assert all("不在您的管理范围内" in line for line in refused)
    teacher.refresh_from_db()
    assert (teacher.county_id, teacher.unit) == (QINGTIAN, city["units"]["school"]), "nothing changed outside"
    nurse.refresh_from_db()
    assert nurse.title_level == "主管护师"
    assert not Person.objects.filter(name="新青田人").exists()
    assert Person.objects.filter(name="新莲都人", county_id=LIANDU).exists()


def test_r17_a_county_administrator_imports_units_only_in_its_county(county_hr, city, tmp_path):
    school = city["units"]["school"]
    rows = [
        [school.credit_code, "改名学校", QINGTIAN, "", ""],  # an existing unit of 青田县
        [school.credit_code, "搬来学校", LIANDU, "", ""],  # … moved into 莲都区
    ]
    said = _import("units", write_csv(tmp_path / "units.csv", UNIT_HEADER, rows), county_hr).splitlines()
    assert said[-1] == "导入完成：共 2 行，新增 0，更新 0，无变化 0，未导入 2"
    school.refresh_from_db()
    assert (school.name, school.county_id) == ("青田测试学校", QINGTIAN)
    assert Unit.objects.filter(county_id=LIANDU).count() == 2


def test_r17_a_county_administrator_imports_hours_only_for_its_own_people(county_hr, make_person, tmp_path):
    teacher = make_person(unit="school", name="青田老师")
    nurse = make_person(unit="hospital", name="莲都护士")
    stranger = new_id_number(LIANDU)  # nobody the platform knows: only the city creates people by import
    day = date(date.today().year - 1, 5, 1).isoformat()  # noqa: DTZ011 - a date well in the past
    rows = [
        ["p-1", teacher.id_number, teacher.name, "professional", "8", "省培训", day],
        ["p-2", nurse.id_number, nurse.name, "professional", "8", "省培训", day],
        ["p-3", stranger, "新人", "professional", "8", "省培训", day],
    ]
    said = _import("hours", write_csv(tmp_path / "hours.csv", HOURS_HEADER, rows), county_hr).splitlines()
    refused = [line for line in said if line.startswith("第 ")]
    assert [line.split("（")[0] for line in refused] == ["第 2 行", "第 4 行"]
    assert all("不在您的管理范围内" in line for line in refused)
    assert not LedgerEntry.objects.filter(person=teacher).exists()
    assert [e.hours for e in LedgerEntry.objects.filter(person=nurse)] == [Decimal("8.0")]
    assert not Person.objects.filter(name="新人").exists()


def test_r17_a_county_administrators_export_holds_only_its_county(county_hr, make_person, add_hours):
    year = date.today().year - 1  # noqa: DTZ011 - a date well in the past
    teacher, nurse = make_person(unit="school"), make_person(unit="hospital")
    add_hours(teacher, year, professional=10)
    add_hours(nurse, year, professional=12)
    client = Client()
    client.force_login(county_hr)
    response = client.get("/exchange/export/", {"year": year, "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    numbers = {row[next(k for k in row if "id_number" in k or "身份证" in k)] for row in rows}
    assert numbers == {nurse.id_number}

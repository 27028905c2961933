"""The JSON API keeps the promises of its OpenAPI document (schemathesis, through the WSGI app).

Every operation in /api/v1/openapi.json is exercised with generated input by a city-wide
HR administrator; no answer may be a server error and every answer must match the documented
status codes, content type and body schema. Explicit cases then prove that a real person's
figures come back as documented, not only the error answers random input provokes.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from cehours.access.services import token_issue
from cehours.wsgi import application

OPENAPI_PATH = "/api/v1/openapi.json"
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def known_person(make_person, add_hours):
    """A person in 莲都区 with one qualified past year and one short year."""
    person = make_person(name="接口测试人员")
    year = timezone.localdate().year
    add_hours(person, year - 2, general_public="10", industry_public="8", professional="72")
    add_hours(person, year - 1, general_public="6", professional="40")
    return person


@pytest.fixture
def admin_headers(transactional_db, make_staff) -> dict[str, str]:
    """A city-wide HR administrator's bearer token, as a connected program would send it."""
    admin = make_staff("hr_admin")
    return {"Authorization": f"Bearer {token_issue(user=admin)}"}


@pytest.fixture
def api_schema(transactional_db):
    """The OpenAPI document as the running app serves it.

    transactional_db, not db: the app runs Django's request cycle, whose close_old_connections
    would drop a connection held inside the test's wrapping transaction.
    """
    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, application)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_without_server_error_and_as_documented(case, admin_headers, known_person):
    case.call_and_validate(headers=admin_headers, checks=CONFORMANCE_CHECKS)


def _operation(api_schema, path: str):
    return api_schema[path]["GET"]


def test_known_person_compliance_is_200_and_matches_the_schema(api_schema, admin_headers, known_person):
    year = timezone.localdate().year
    case = _operation(api_schema, "/api/v1/people/{id_number}/compliance").Case(
        path_parameters={"id_number": known_person.id_number},
        query={"from": year - 2, "to": year - 1},
    )
    response = case.call_and_validate(headers=admin_headers, checks=CONFORMANCE_CHECKS)
    assert response.status_code == 200
    body = response.json()
    assert body["person"]["name"] == "接口测试人员"
    assert [(y["year"], y["total"], y["qualified"]) for y in body["years"]] == [
        (year - 2, "90.0", True),
        (year - 1, "46.0", False),
    ]


def test_known_person_eligibility_is_200_and_matches_the_schema(api_schema, admin_headers, known_person):
    year = timezone.localdate().year
    case = _operation(api_schema, "/api/v1/people/{id_number}/eligibility").Case(
        path_parameters={"id_number": known_person.id_number},
        query={"application_year": year, "required_years": 2},
    )
    response = case.call_and_validate(headers=admin_headers, checks=CONFORMANCE_CHECKS)
    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is False
    assert body["reasons"], "a refusal must say why"
    assert body["integrity_block"] is False


def test_known_person_entries_are_200_and_match_the_schema(api_schema, admin_headers, known_person):
    year = timezone.localdate().year
    case = _operation(api_schema, "/api/v1/people/{id_number}/entries").Case(
        path_parameters={"id_number": known_person.id_number},
        query={"year": year - 2, "figure": "public"},
    )
    response = case.call_and_validate(headers=admin_headers, checks=CONFORMANCE_CHECKS)
    assert response.status_code == 200
    assert sorted(e["hours"] for e in response.json()) == ["10.0", "8.0"]


def test_invalid_year_is_rejected_with_documented_error_shape(api_schema, admin_headers, known_person):
    case = _operation(api_schema, "/api/v1/people/{id_number}/eligibility").Case(
        path_parameters={"id_number": known_person.id_number},
        query={"application_year": 2026, "required_years": -1},
    )
    response = case.call_and_validate(
        headers=admin_headers, checks=[*CONFORMANCE_CHECKS, negative_data_rejection]
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "required_years"
    assert "required_years" in error["message"]


def test_missing_token_is_401_in_the_documented_error_shape(api_schema, known_person):
    case = _operation(api_schema, "/api/v1/people/{id_number}/compliance").Case(
        path_parameters={"id_number": known_person.id_number},
    )
    response = case.call_and_validate(checks=CONFORMANCE_CHECKS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"

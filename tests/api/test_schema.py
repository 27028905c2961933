"""The JSON API keeps the promises of its OpenAPI document (schemathesis, through the WSGI app).

Every operation in /api/v1/openapi.json is exercised with generated input, sent with the
credentials its documented security asks for: a city-wide HR administrator's personal token for
the people endpoints, a connected system's key for the records endpoints. Valid input for an
unknown person, valid input for a real person (so the documented 200 bodies are checked, not only
error answers), and invalid input, which must be refused. No answer may be a server error, and
every answer must match the documented status codes, content type and body schema.

The cases are driven with Hypothesis `@given` over each operation's strategy rather than
`schema.parametrize()`: the lazy pytest loader of schemathesis 4 writes `Node._nodeid`, which
pytest 9 no longer has, and the schema can only be loaded once the test database exists.
"""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from cehours.access.services import token_issue
from cehours.integration.keys import key_issue, system_save
from cehours.people.services import title_requirement_add
from cehours.rules.titles import TitleLevel
from cehours.wsgi import application

OPENAPI_PATH = "/api/v1/openapi.json"
DOCUMENTED_OPERATIONS = {
    "GET /api/v1/people/{id_number}/compliance",
    "GET /api/v1/people/{id_number}/eligibility",
    "GET /api/v1/people/{id_number}/entries",
    "POST /api/v1/eligibility/batch",
    "GET /api/v1/people/{id_number}/certificate",
    "GET /api/v1/certificates/{code}",
}
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@pytest.fixture
def api_schema(django_db_serialized_rollback, transactional_db):
    """The OpenAPI document exactly as the app serves it.

    A transactional database, because the app runs Django's whole request cycle, whose
    close_old_connections would drop a connection held inside a test-wrapping transaction;
    serialized rollback, so the counties loaded by a data migration are back for every test.
    """
    # Credentials are ours to send (see _headers_for), not a parameter for schemathesis to invent,
    # drop or mutate: a "missing Authorization" case would go out with our header and be accepted.
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, application, config=config)


@pytest.fixture
def known_person(api_schema, make_person, make_staff, add_hours, certifiable):
    """A person in 莲都区 with one qualified past year and one year short of hours; a 初级 title and a
    title table of 2 years for every level of their series, so that R13's defaults exist (a query
    without required_years is answered, one with 2 needs no override reason); a signing certificate,
    so that their hours certificate is issued."""
    person = make_person(name="接口测试人员", title_level="初级")
    city_hr = make_staff("hr_admin")
    for level in TitleLevel:
        title_requirement_add(
            by=city_hr, series=person.series, level=level, required_years=2, effective_from=date(1990, 1, 1)
        )
    year = timezone.localdate().year
    add_hours(person, year - 2, general_public="10", industry_public="8", professional="72")
    add_hours(person, year - 1, general_public="6", professional="40")
    return person


@pytest.fixture
def admin_headers(api_schema, make_staff) -> dict[str, str]:
    """A city-wide HR administrator's personal token."""
    admin = make_staff("hr_admin")
    return {"Authorization": f"Bearer {token_issue(user=admin)}"}


@pytest.fixture
def credentials(api_schema, admin_headers, city) -> dict[str, dict[str, str]]:
    """Headers per security scheme of the OpenAPI document."""
    system, _ = system_save(
        code="schema-fuzz",
        name="接口契约测试对接系统",
        categories=["general_public", "industry_public", "professional"],
        industries=["health", "education"],
    )
    return {
        "PersonalToken": admin_headers,
        "SystemKeyAuth": {"Authorization": f"Bearer {key_issue(system=system)}"},
    }


def _operations(api_schema) -> dict:
    operations = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations[operation.label] = operation
    return operations


def _headers_for(operation, credentials: dict[str, dict[str, str]]) -> dict[str, str]:
    """The credentials of the first documented security requirement we hold; none for a public operation."""
    requirements = operation.definition.raw.get("security") or []
    for requirement in requirements:
        for scheme in requirement:
            if scheme in credentials:
                return credentials[scheme]
    assert not requirements, f"{operation.label}: no test credentials for {requirements}"
    return {}


def _fuzz(operation, strategy, headers: dict[str, str], checks: list) -> list[int]:
    statuses: list[int] = []

    @BOUNDED
    @given(case=strategy)
    def run(case):
        response = case.call_and_validate(headers=headers, checks=checks)
        statuses.append(response.status_code)

    run()
    return statuses


def test_openapi_document_lists_the_people_endpoints(api_schema):
    assert set(_operations(api_schema)) >= DOCUMENTED_OPERATIONS


def test_generated_valid_input_never_errors_and_answers_as_documented(api_schema, credentials, known_person):
    for label, operation in _operations(api_schema).items():
        headers = _headers_for(operation, credentials)
        statuses = _fuzz(operation, operation.as_strategy(GenerationMode.POSITIVE), headers, CONFORMANCE_CHECKS)
        assert statuses, label
        assert 401 not in statuses, f"{label}: the test's credentials were refused"


def test_generated_queries_for_a_known_person_answer_as_documented(api_schema, admin_headers, known_person):
    statuses_by_operation = {}
    for label, operation in _operations(api_schema).items():
        if "{id_number}" not in operation.path:
            continue
        strategy = operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id_number": known_person.id_number})
        statuses_by_operation[label] = _fuzz(operation, strategy, admin_headers, CONFORMANCE_CHECKS)
    for label, statuses in statuses_by_operation.items():
        assert 200 in statuses, f"{label}: no generated query for a known person succeeded: {statuses}"


def _takes_input(operation) -> bool:
    parts = (operation.path_parameters, operation.query, operation.headers, operation.cookies, operation.body)
    return any(len(part) for part in parts)


BATCH = "POST /api/v1/records/batch"


def refused_whole_or_per_record(ctx, response, case):
    """negative_data_rejection, but for a batch, where the contract is per record (README, DESIGN §5):
    a body that is malformed as a whole must be refused (422); a well-formed batch holding a record
    that breaks the documented RecordIn is answered 200 with that record rejected, never registered."""
    if case.operation.label == BATCH and response.status_code == 200:
        body = response.json()
        assert body["rejected"] >= 1, f"a record outside the documented RecordIn was accepted: {body['results']}"
        return None
    return negative_data_rejection(ctx, response, case)


def test_generated_invalid_input_is_refused_without_server_error(api_schema, credentials, known_person):
    fuzzed = []
    for label, operation in _operations(api_schema).items():
        if not _takes_input(operation):
            continue  # nothing to make invalid
        fixed = {}
        if "{id_number}" in operation.path:
            # A real person's ID, so the refusal has to come from the invalid query itself.
            fixed = {"path_parameters": {"id_number": known_person.id_number}}
        strategy = operation.as_strategy(GenerationMode.NEGATIVE, **fixed)
        # negative_data_rejection judges each case: unknown extra query parameters may be ignored,
        # a mutated Authorization header is replaced by ours, a wrong type or range is not; a batch
        # refuses a bad record in its answer instead (refused_whole_or_per_record).
        checks = [*CONFORMANCE_CHECKS, refused_whole_or_per_record]
        statuses = _fuzz(operation, strategy, _headers_for(operation, credentials), checks)
        assert 422 in statuses, (label, statuses)
        fuzzed.append(label)
    assert set(fuzzed) >= DOCUMENTED_OPERATIONS


def _case(api_schema, path: str, method: str = "GET", **parts):
    return api_schema[path][method].Case(**parts)


def test_known_person_compliance_is_200_and_matches_the_schema(api_schema, admin_headers, known_person):
    year = timezone.localdate().year
    case = _case(
        api_schema,
        "/api/v1/people/{id_number}/compliance",
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
    case = _case(
        api_schema,
        "/api/v1/people/{id_number}/eligibility",
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
    case = _case(
        api_schema,
        "/api/v1/people/{id_number}/entries",
        path_parameters={"id_number": known_person.id_number},
        query={"year": year - 2, "figure": "public"},
    )
    response = case.call_and_validate(headers=admin_headers, checks=CONFORMANCE_CHECKS)
    assert response.status_code == 200
    assert sorted(e["hours"] for e in response.json()) == ["10.0", "8.0"]


def test_negative_required_years_is_422_naming_the_field(api_schema, admin_headers, known_person):
    case = _case(
        api_schema,
        "/api/v1/people/{id_number}/eligibility",
        path_parameters={"id_number": known_person.id_number},
        query={"application_year": 2026, "required_years": -1},
    )
    response = case.call_and_validate(headers=admin_headers, checks=CONFORMANCE_CHECKS)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "required_years"
    assert error["message"].startswith("required_years：")


def test_missing_token_is_401_in_the_documented_error_shape(api_schema, known_person):
    case = _case(
        api_schema,
        "/api/v1/people/{id_number}/compliance",
        path_parameters={"id_number": known_person.id_number},
    )
    response = case.call_and_validate(checks=CONFORMANCE_CHECKS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"


def test_batch_body_that_is_not_json_is_422_in_the_documented_error_shape(api_schema, credentials):
    operation = api_schema["/api/v1/records/batch"]["POST"]
    client = schemathesis.python.wsgi.get_client(application)
    response = client.post(
        "/api/v1/records/batch",
        data=b"\x00{not json",
        content_type="application/json",
        headers=credentials["SystemKeyAuth"],
    )
    operation.Case(body={"records": []}, media_type="application/json").validate_response(
        response, checks=CONFORMANCE_CHECKS
    )
    assert response.status_code == 422
    (error,) = response.get_json()["errors"]
    assert error["code"] == "invalid"
    assert "JSON" in error["message"] and "请求内容" in error["message"]


def test_nul_in_a_query_is_422_naming_the_field_not_a_server_error(api_schema, credentials):
    # Found by the fuzzing above on PostgreSQL, which cannot hold NUL in text.
    case = _case(api_schema, "/api/v1/records", query={"source_record_id": "abc\x00def"})
    response = case.call_and_validate(headers=credentials["SystemKeyAuth"], checks=CONFORMANCE_CHECKS)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "source_record_id"
    assert error["message"].startswith("source_record_id：")


def test_nul_in_a_pushed_record_rejects_that_record_naming_the_field(api_schema, credentials, known_person):
    record = {
        "source_record_id": "nul-title",
        "id_number": known_person.id_number,
        "name": known_person.name,
        "category": "professional",
        "activity": "online_course",
        "title": "在线课程\x00第一讲",
        "completed_on": f"{timezone.localdate().year - 1}-05-01",
        "minutes": 90,
    }
    case = _case(api_schema, "/api/v1/records/batch", method="POST", body={"records": [record]})
    response = case.call_and_validate(headers=credentials["SystemKeyAuth"], checks=CONFORMANCE_CHECKS)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"]) == (0, 1)
    (problem,) = body["results"][0]["errors"]
    assert problem["field"] == "title"
    assert problem["message"].startswith("title：")

"""Bad input to every /api/v1/people endpoint: 422 naming the parameter in Chinese, 401 without a valid token.

Every error answer has one shape, `{"errors": [{"field", "code", "message"}]}`; the field names the
parameter at fault, the code is stable for programs, the message is Chinese and names the field.
Bad input changes nothing: no audit event, no ledger entry, no total is written.
"""

from __future__ import annotations

import random
import re

import pytest
from django.contrib.auth import get_user_model

from cehours.access.models import ApiToken
from cehours.access.services import token_issue, token_revoke
from cehours.audit.models import AuditEvent
from cehours.declarations.models import IntegrityEntry
from cehours.demo import synthetic_id_number
from cehours.ledger.models import LedgerEntry, PersonYearTotal
from cehours.rules.identifiers import id_check_digit

CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Every person-reading endpoint, with a query that is valid on its own.
ENDPOINTS = {
    "compliance": "/api/v1/people/{id_number}/compliance?from=2024&to=2025",
    "eligibility": "/api/v1/people/{id_number}/eligibility?application_year=2026&required_years=2",
    "entries": "/api/v1/people/{id_number}/entries?year=2025",
}


def with_check_digit(first17: str) -> str:
    return first17 + id_check_digit(first17)


def wrong_check_digit(number: str) -> str:
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def non_ascii_digits(number: str, zero: str) -> str:
    """The same number written with another script's digits (full-width ０, Arabic-Indic ٠, ...)."""
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in number)


# A valid number whose check character is X: only its digits are non-ASCII in the variants below.
VALID_ENDING_IN_X = next(
    f"33110219800101{n:03d}X" for n in range(1000) if id_check_digit(f"33110219800101{n:03d}") == "X"
)


BAD_ID_NUMBERS = [
    pytest.param(lambda valid: wrong_check_digit(valid), "身份证号码校验位错误", id="check_digit"),
    pytest.param(lambda valid: with_check_digit("33110219990230123"), "出生日期不存在", id="birth_feb_30"),
    pytest.param(lambda valid: with_check_digit("33110219801301123"), "出生日期不存在", id="birth_month_13"),
    pytest.param(lambda valid: with_check_digit("33110218890101123"), "出生日期不合理", id="birth_before_1900"),
    pytest.param(lambda valid: with_check_digit("33110221000101123"), "出生日期不合理", id="birth_in_future"),
    pytest.param(lambda valid: valid[:17], "身份证号码应为18位", id="17_characters"),
    pytest.param(lambda valid: valid + "1", "身份证号码应为18位", id="19_characters"),
    pytest.param(lambda valid: valid[:10] + "AB" + valid[12:], "前17位应为数字", id="letters_inside"),
    pytest.param(lambda valid: valid[:5] + "²" + valid[6:], "前17位应为数字", id="superscript_digit"),
    pytest.param(lambda valid: non_ascii_digits(VALID_ENDING_IN_X, "０"), "前17位应为数字", id="full_width_digits"),
    pytest.param(lambda valid: non_ascii_digits(VALID_ENDING_IN_X, "٠"), "前17位应为数字", id="arabic_indic_digits"),
]

# (endpoint, query, field, code, words the Chinese message must contain)
BAD_QUERIES = [
    pytest.param(
        "compliance", "from=2025&to=2024", "from", "out_of_range", "起始年度不能晚于截止年度", id="from_after_to"
    ),
    pytest.param("compliance", "from=abc", "from", "invalid", "应为整数", id="from_not_integer"),
    pytest.param("compliance", "from=2020.5", "from", "invalid", "应为整数", id="from_fraction"),
    pytest.param("compliance", "to=twenty", "to", "invalid", "应为整数", id="to_not_integer"),
    pytest.param("compliance", "from=1989", "from", "out_of_range", "不能小于 1990", id="from_too_early"),
    pytest.param("compliance", "to=2101", "to", "out_of_range", "不能大于 2100", id="to_too_late"),
    pytest.param("compliance", "from=1990&to=2025", "from", "out_of_range", "最多查询 30 个年度", id="span_too_long"),
    # R13: without a title level or a title-table row there is no default to take: the years are asked for.
    pytest.param(
        "eligibility",
        "application_year=2026",
        "required_years",
        "required",
        "请选择申报等级，或直接填写规定年限",
        id="required_years_missing",
    ),
    pytest.param(
        "eligibility",
        "application_year=2026&required_years=-1",
        "required_years",
        "out_of_range",
        "不能小于 0",
        id="required_years_negative",
    ),
    pytest.param(
        "eligibility",
        "application_year=2026&required_years=21",
        "required_years",
        "out_of_range",
        "不能大于 20",
        id="required_years_too_many",
    ),
    pytest.param(
        "eligibility",
        "application_year=2026&required_years=three",
        "required_years",
        "invalid",
        "应为整数",
        id="required_years_not_integer",
    ),
    # application_year defaults to this year (R13); a level must be one of the four.
    pytest.param("eligibility", "required_years=3&level=chief", "level", "invalid", "取值应为", id="level_invalid"),
    pytest.param(
        "eligibility",
        "application_year=2101&required_years=3",
        "application_year",
        "out_of_range",
        "不能大于 2100",
        id="application_year_too_late",
    ),
    pytest.param(
        "eligibility",
        "application_year=2026&required_years=3&since_year=2027",
        "since_year",
        "out_of_range",
        "取得现职称年份不能晚于申报年度",
        id="since_year_after_application_year",
    ),
    pytest.param(
        "eligibility",
        "application_year=2040&required_years=3&since_year=1995",
        "since_year",
        "out_of_range",
        "不能早于申报年度40年以上",
        id="since_year_too_long_ago",
    ),
    pytest.param(
        "eligibility",
        "application_year=2026&required_years=3&since_year=1989",
        "since_year",
        "out_of_range",
        "不能小于 1990",
        id="since_year_out_of_range",
    ),
    pytest.param("entries", "figure=bogus", "figure", "invalid", "取值应为", id="figure_invalid"),
    pytest.param("entries", "figure=PROFESSIONAL", "figure", "invalid", "取值应为", id="figure_wrong_case"),
    pytest.param("entries", "year=abc", "year", "invalid", "应为整数", id="year_not_integer"),
    pytest.param("entries", "year=1800", "year", "out_of_range", "不能小于 1990", id="year_too_early"),
]


@pytest.fixture
def person(make_person, add_hours):
    person = make_person()
    add_hours(person, 2025, general_public="9", industry_public="9", professional="72")
    return person


@pytest.fixture
def staff_headers(make_staff, bearer):
    return bearer(make_staff("hr_admin"))


def assert_error_shape(body: dict, *, names_field: bool = True) -> list[dict]:
    """The one error shape; input errors (422) also start their message with the field's name."""
    assert set(body) == {"errors"}, body
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}, error
        assert CHINESE.search(error["message"]), error
        if names_field:
            assert error["field"], error
            assert error["message"].startswith(f"{error['field']}："), error
    return body["errors"]


def bare(url: str) -> str:
    return url.split("?", 1)[0]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("make_bad", "words"), BAD_ID_NUMBERS)
def test_r3_invalid_id_number_is_refused_on_every_endpoint(client, person, staff_headers, endpoint, make_bad, words):
    bad = make_bad(person.id_number)

    response = client.get(ENDPOINTS[endpoint].format(id_number=bad), **staff_headers)

    assert response.status_code == 422, response.content.decode()
    [error] = assert_error_shape(response.json())
    assert (error["field"], error["code"]) == ("id_number", "invalid_id_number")
    assert words in error["message"]


@pytest.mark.parametrize(("endpoint", "query", "field", "code", "words"), BAD_QUERIES)
def test_bad_query_parameter_gets_422_naming_the_field(
    client, person, staff_headers, endpoint, query, field, code, words
):
    url = f"{bare(ENDPOINTS[endpoint]).format(id_number=person.id_number)}?{query}"

    response = client.get(url, **staff_headers)

    assert response.status_code == 422, response.content.decode()
    [error] = assert_error_shape(response.json())
    assert (error["field"], error["code"]) == (field, code)
    assert words in error["message"]


def test_every_bad_parameter_is_reported_at_once(client, person, staff_headers):
    url = f"/api/v1/people/{person.id_number}/eligibility?application_year=abc&required_years=-2"

    response = client.get(url, **staff_headers)

    assert response.status_code == 422
    errors = assert_error_shape(response.json())
    assert sorted((e["field"], e["code"]) for e in errors) == [
        ("application_year", "invalid"),
        ("required_years", "out_of_range"),
    ]


def test_bad_query_is_refused_the_same_for_an_unknown_person(client, person, staff_headers):
    unknown = synthetic_id_number(random.Random(7), "331102")

    known = client.get(f"/api/v1/people/{person.id_number}/compliance?from=2025&to=2024", **staff_headers)
    missing = client.get(f"/api/v1/people/{unknown}/compliance?from=2025&to=2024", **staff_headers)

    assert known.status_code == missing.status_code == 422
    assert known.json() == missing.json()


def test_unknown_valid_id_number_gets_404_in_the_error_shape(client, person, staff_headers):
    unknown = synthetic_id_number(random.Random(8), "331121")

    for template in ENDPOINTS.values():
        response = client.get(template.format(id_number=unknown), **staff_headers)
        assert response.status_code == 404, response.content.decode()
        [error] = assert_error_shape(response.json(), names_field=False)
        assert (error["field"], error["code"]) == ("id_number", "not_found")
        assert error["message"] == "未找到该人员，或不在您的查询范围内"


# Authentication: a missing, unknown, revoked or deactivated token answers 401 in Chinese.

UNAUTHENTICATED = {
    "errors": [
        {
            "field": "",
            "code": "unauthenticated",
            "message": "未登录或令牌无效：请登录，或提供 Authorization: Bearer 令牌",
        }
    ]
}


def _no_header(user):
    return {}


def _unknown_token(user):
    return {"HTTP_AUTHORIZATION": "Bearer ceh_" + "A" * 43}


def _not_our_prefix(user):
    return {"HTTP_AUTHORIZATION": "Bearer " + "x" * 40}


def _basic_auth(user):
    return {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}


def _empty_bearer(user):
    return {"HTTP_AUTHORIZATION": "Bearer "}


def _revoked_token(user):
    token = token_issue(user=user)
    assert token_revoke(token_prefix=token[:12], user=user) == 1
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _inactive_user_token(user):
    token = token_issue(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "headers_for",
    [_no_header, _unknown_token, _not_our_prefix, _basic_auth, _empty_bearer, _revoked_token, _inactive_user_token],
)
def test_missing_or_invalid_token_gets_401_in_chinese(client, person, make_staff, endpoint, headers_for):
    headers = headers_for(make_staff("hr_admin"))

    response = client.get(ENDPOINTS[endpoint].format(id_number=person.id_number), **headers)

    assert response.status_code == 401, response.content.decode()
    assert response.json() == UNAUTHENTICATED
    assert person.name not in response.content.decode()


def test_revoking_one_token_keeps_the_other_working(client, person, make_staff):
    staff = make_staff("hr_admin")
    kept, revoked = token_issue(user=staff), token_issue(user=staff)
    token_revoke(token_prefix=revoked[:12], user=staff)
    url = ENDPOINTS["compliance"].format(id_number=person.id_number)

    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {kept}").status_code == 200
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {revoked}").status_code == 401
    assert ApiToken.objects.filter(user=staff, revoked_at__isnull=False).count() == 1


def test_unauthenticated_check_comes_before_input_validation(client, person):
    response = client.get(f"/api/v1/people/{person.id_number[:17]}/compliance?from=abc")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


# Bad input changes nothing.


def _row_counts() -> dict[str, int]:
    return {
        "audit_events": AuditEvent.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "person_year_totals": PersonYearTotal.objects.count(),
        "integrity_entries": IntegrityEntry.objects.count(),
        "api_tokens": ApiToken.objects.count(),
        "users": get_user_model().objects.count(),
    }


def test_bad_input_changes_nothing(client, person, make_staff):
    staff = make_staff("hr_admin")
    token = token_issue(user=staff)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    before = _row_counts()
    last_event = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    totals_before = list(PersonYearTotal.objects.values_list("person_id", "year", "professional").order_by("pk"))
    bad_requests = [
        f"/api/v1/people/{wrong_check_digit(person.id_number)}/compliance",
        f"/api/v1/people/{person.id_number[:17]}/entries",
        f"/api/v1/people/{person.id_number}/compliance?from=2025&to=2024",
        f"/api/v1/people/{person.id_number}/compliance?from=abc",
        f"/api/v1/people/{person.id_number}/eligibility?application_year=2026",
        f"/api/v1/people/{person.id_number}/eligibility?application_year=2026&required_years=3&since_year=2030",
        f"/api/v1/people/{person.id_number}/entries?figure=bogus",
    ]

    statuses = [client.get(url, **headers).status_code for url in bad_requests]
    statuses += [client.get(ENDPOINTS["entries"].format(id_number=person.id_number)).status_code]
    statuses += [
        client.post(f"/api/v1/people/{person.id_number}/entries", data={}, **headers).status_code,
        client.delete(f"/api/v1/people/{person.id_number}/entries", **headers).status_code,
    ]

    assert statuses == [422] * len(bad_requests) + [401, 405, 405]
    assert _row_counts() == before
    assert AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() == last_event
    assert list(PersonYearTotal.objects.values_list("person_id", "year", "professional").order_by("pk")) == (
        totals_before
    )

"""The certificate over the API (R18 第十八条): GET /api/v1/people/{id_number}/certificate gives the
signed PDF, GET /api/v1/certificates/{code} the verify page's answer, without a token."""

from __future__ import annotations

from django.utils import timezone

from cehours.integration.keys import key_issue, system_save
from cehours.reports.models import Certificate
from cehours.reports.signing import check_signature

from .conftest import pdf_text

YEAR = timezone.localdate().year - 1


def _url(person, first=YEAR, last=YEAR) -> str:
    return f"/api/v1/people/{person.id_number}/certificate?from={first}&to={last}"


def test_r18_api_certificate_is_a_signed_pdf_whose_code_verifies(
    client, certifiable, make_person, make_staff, bearer, add_hours
):
    person = make_person(unit="hospital", name="接口证明人")
    add_hours(person, YEAR, general_public="10", industry_public="8", professional="72")
    headers = bearer(make_staff("evaluator"))
    answer = client.get(_url(person), **headers)
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/pdf"
    code = answer["X-Certificate-Code"]
    assert check_signature(answer.content).ok
    assert f"{YEAR}10.08.018.072.090.090.0/60.0/18.0合格" in pdf_text(answer.content)

    verified = client.get(f"/api/v1/certificates/{code}")  # no token: whoever holds the paper
    assert verified.status_code == 200, verified.content
    body = verified.json()
    assert body["agrees_today"] is True and body["changes"] == [] and body["withdrawn"] is False
    assert body["person"]["name"] == "接口证明人"
    assert body["person"]["id_number_masked"] == person.id_number_masked
    assert person.id_number not in verified.content.decode()
    assert body["years"][0]["total"] == "90.0" and body["years"][0]["status"] == "qualified"

    add_hours(person, YEAR, professional="5")
    later = client.get(f"/api/v1/certificates/{code}").json()
    assert later["agrees_today"] is False
    assert f"{YEAR}年 总学时：证明所载 90.0 学时，现为 95.0 学时" in later["changes"]


def test_r18_api_refuses_bad_years_outsiders_and_systems_naming_the_field(
    client, certifiable, make_person, make_staff, bearer
):
    person = make_person(unit="school")
    county = bearer(make_staff("reviewer", level=2, county="liandu"))
    answer = client.get(_url(person, YEAR, YEAR - 1), **county)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "from"
    missing = client.get(f"/api/v1/people/{person.id_number}/certificate?from={YEAR}", **county)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "to"
    outside = client.get(_url(person), **county)  # 青田 is outside 莲都's scope: as if unknown
    assert outside.status_code == 404 and outside.json()["errors"][0]["code"] == "not_found"
    system, _ = system_save(code="cert-probe", name="测试对接系统", categories=["professional"], industries=[])
    key = key_issue(system=system)
    by_system = client.get(_url(person), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert by_system.status_code in {401, 403}
    assert not Certificate.objects.exists()


def test_r18_api_verify_unknown_code_is_not_found_and_guessing_is_throttled(client, settings, db):
    settings.LOOKUP_MISSES_PER_HOUR = 2
    for guess in ("2222333344445555", "2222333344445556"):
        answer = client.get(f"/api/v1/certificates/{guess}")
        assert answer.status_code == 404 and answer.json()["errors"][0]["field"] == "code"
    malformed = client.get("/api/v1/certificates/2222-3333-4444-5557")  # not a guess: refused as input
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "code"
    refused = client.get("/api/v1/certificates/2222333344445557")
    assert refused.status_code == 429 and refused.json()["errors"][0]["code"] == "rate_limited"

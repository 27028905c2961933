"""The hours certificate (学时证明, R18 第十八条): what a person downloads and a committee verifies.

Its figures are R11's (第十一条, each year by its own rules), read off the PDF as a viewer shows them;
its QR code leads to the verify page; its signature holds until one byte changes; the verify page
tells a later change in the ledger and a withdrawal; scope and bad input change nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from cehours.ledger.services import entry_reverse
from cehours.reports.models import Certificate
from cehours.reports.signing import check_signature

from .conftest import pdf_text, qr_texts

THIS_YEAR = timezone.localdate().year
GOOD_YEAR, SHORT_YEAR = THIS_YEAR - 2, THIS_YEAR - 1


@pytest.fixture
def applicant(make_person, add_hours):
    person = make_person(unit="hospital", name="证明测试人", with_login=True)
    add_hours(person, GOOD_YEAR, general_public="12", industry_public="8", professional="65")  # 85: short of 90
    add_hours(person, GOOD_YEAR, professional="10")  # 95 in all: qualified
    add_hours(person, SHORT_YEAR, general_public="6", professional="40")
    return person


def _issue(client: Client, url: str, first: int, last: int):
    return client.post(url, {"start": str(first), "end": str(last)})


def test_r18_r11_certificate_pdf_carries_the_years_figures_and_verdicts(certifiable, applicant):
    client = Client()
    client.force_login(applicant.user)
    answer = _issue(client, "/me/certificate/", GOOD_YEAR, SHORT_YEAR)
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"] == "application/pdf"
    assert "attachment" in answer["Content-Disposition"]
    text = pdf_text(answer.content)
    certificate = Certificate.objects.get(person=applicant)
    assert "专业技术人员继续教育学时证明" in text
    assert "证明测试人" in text and applicant.id_number_masked in text
    assert applicant.id_number not in text  # the full number is never printed
    assert "莲都测试医院" in text and "卫生" in text
    # GOOD_YEAR's row: 12 | 8 | 20 | 75 | 95, against 90/60/18, 合格; SHORT_YEAR's: 6 | 0 | 6 | 40 | 46, 不合格.
    assert f"{GOOD_YEAR}12.08.020.075.095.090.0/60.0/18.0合格" in text
    assert f"{SHORT_YEAR}6.00.06.040.046.090.0/60.0/18.0不合格" in text
    assert f"{SHORT_YEAR}年还需专业科目学时20.0" in text
    assert f"{GOOD_YEAR}年：平台在线课程95.0" in text
    assert re.sub("(.{4})(?!$)", r"\1-", certificate.code) in text  # the code as printed, in fours
    assert certificate.figures["years"][0]["total"] == "95.0"


def test_r18_qr_code_decodes_to_the_verify_address(certifiable, applicant):
    client = Client()
    client.force_login(applicant.user)
    pdf = _issue(client, "/me/certificate/", GOOD_YEAR, GOOD_YEAR).content
    code = Certificate.objects.get(person=applicant).code
    assert qr_texts(pdf) == [f"http://testserver/verify/{code}/"]
    page = Client().get(f"/verify/{code}/")
    assert page.status_code == 200
    assert "该证明有效，所载数据与平台今日登记一致" in page.content.decode()


def test_r18_signature_validates_and_fails_after_one_byte_changes(certifiable, applicant):
    client = Client()
    client.force_login(applicant.user)
    pdf = _issue(client, "/me/certificate/", GOOD_YEAR, SHORT_YEAR).content
    assert check_signature(pdf).ok
    # One byte of the page's text changed ("95.0" → "96.0" in the content would be the forger's aim;
    # any byte inside the signed range will do).
    altered = bytearray(pdf)
    altered[len(pdf) // 3] ^= 0x01
    checked = check_signature(bytes(altered))
    assert not checked.ok and not checked.intact


def test_r18_verify_page_reports_a_later_change_in_the_ledger(certifiable, applicant, add_hours, make_staff):
    client = Client()
    client.force_login(applicant.user)
    _issue(client, "/me/certificate/", GOOD_YEAR, SHORT_YEAR)
    code = Certificate.objects.get(person=applicant).code
    # After issue: the 10 professional hours that made GOOD_YEAR qualified are reversed.
    entry = applicant.ledger_entries.get(year=GOOD_YEAR, hours=Decimal("10.0"))
    entry_reverse(entry=entry, by=make_staff("reviewer", level=2, county="liandu"), reason="重复登记")
    page = Client().get(f"/verify/{code}/").content.decode()
    assert "证明出具后平台登记的学时已有变化" in page
    assert f"{GOOD_YEAR}年 专业科目：证明所载 75.0 学时，现为 65.0 学时" in page
    assert f"{GOOD_YEAR}年 总学时：证明所载 95.0 学时，现为 85.0 学时" in page
    assert f"{GOOD_YEAR}年 结论：证明所载“合格”，现为“不合格”" in page
    # The figures shown are still those issued.
    assert '<td>95.0</td>' in page


def test_r18_withdrawn_certificate_says_so_and_only_hr_in_scope_may_withdraw(certifiable, applicant, make_staff):
    client = Client()
    client.force_login(applicant.user)
    _issue(client, "/me/certificate/", GOOD_YEAR, GOOD_YEAR)
    code = Certificate.objects.get(person=applicant).code
    outsider = Client()
    outsider.force_login(make_staff("hr_admin", county="qingtian"))
    assert outsider.post(f"/verify/{code}/withdraw/", {"reason": "试图撤销"}).status_code == 404
    hr = Client()
    hr.force_login(make_staff("hr_admin", county="liandu"))
    assert "撤销该证明" in hr.get(f"/verify/{code}/").content.decode()
    empty = hr.post(f"/verify/{code}/withdraw/", {"reason": "  "}, follow=True).content.decode()
    assert "撤销理由：请填写撤销理由" in empty
    assert Certificate.objects.get(code=code).withdrawn_at is None  # bad input changed nothing
    hr.post(f"/verify/{code}/withdraw/", {"reason": "学时记录经查有误"})
    page = Client().get(f"/verify/{code}/").content.decode()
    assert "该证明已于" in page and "撤销，不再有效" in page and "学时记录经查有误" in page


def test_r18_guessed_codes_are_throttled_then_refused_even_when_right(certifiable, applicant, settings):
    settings.LOOKUP_MISSES_PER_HOUR = 3
    client = Client()
    client.force_login(applicant.user)
    _issue(client, "/me/certificate/", GOOD_YEAR, GOOD_YEAR)
    code = Certificate.objects.get(person=applicant).code
    guesser = Client()
    for guess in ("2222333344445555", "2222333344445556", "2222333344445557"):
        answer = guesser.get(f"/verify/{guess}/")
        assert answer.status_code == 404
        assert "未找到该验证码对应的学时证明" in answer.content.decode()
    refused = guesser.get(f"/verify/{code}/")
    assert refused.status_code == 429
    assert "核验码输入错误次数过多" in refused.content.decode()
    assert "证明测试人" not in refused.content.decode()


def test_r18_typed_code_is_forgiving_about_case_and_dashes(certifiable, applicant):
    client = Client()
    client.force_login(applicant.user)
    _issue(client, "/me/certificate/", GOOD_YEAR, GOOD_YEAR)
    code = Certificate.objects.get(person=applicant).code
    typed = "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower()
    answer = Client().get("/verify/", {"code": typed})
    assert answer.status_code == 302 and answer["Location"] == f"/verify/{code}/"
    bad = Client().get("/verify/", {"code": "=HYPERLINK(1)"})
    assert bad.status_code == 400 and "验证码：验证码应为 16 位字母和数字" in bad.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (str(SHORT_YEAR), str(GOOD_YEAR), "起始年度：起始年度不能晚于截止年度"),
        ("1980", str(GOOD_YEAR), "起始年度：起始年度不能早于 1990 年"),
        (str(THIS_YEAR - 25), str(THIS_YEAR - 1), "起始年度：一份证明最多包含 20 个年度"),
        (str(GOOD_YEAR), str(THIS_YEAR + 1), f"截止年度：截止年度应在 1990 年至 {THIS_YEAR} 年之间"),
        ("", str(GOOD_YEAR), "起始年度：请填写起始年度"),
        ("二〇二四", str(GOOD_YEAR), "起始年度：起始年度应为四位数年份"),
    ],
)
def test_r18_bad_years_are_refused_naming_the_field_and_nothing_is_issued(certifiable, applicant, start, end, message):
    client = Client()
    client.force_login(applicant.user)
    answer = client.post("/me/certificate/", {"start": start, "end": end})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Certificate.objects.exists()


def test_r18_staff_issue_for_people_in_scope_only(certifiable, applicant, make_staff):
    inside, outside = Client(), Client()
    inside.force_login(make_staff("reviewer", level=2, county="liandu"))
    outside.force_login(make_staff("reviewer", level=2, county="qingtian"))
    url = f"/people/{applicant.pk}/certificate/"
    assert outside.get(url).status_code == 404
    assert _issue(outside, url, GOOD_YEAR, GOOD_YEAR).status_code == 404
    answer = _issue(inside, url, GOOD_YEAR, GOOD_YEAR)
    assert answer["Content-Type"] == "application/pdf"
    listed = inside.get(url).content.decode()
    assert "已出具的学时证明（共 1 份）" in listed


def test_r18_without_a_signing_certificate_nothing_is_issued(settings, tmp_path, cjk_font, applicant):
    settings.CEHOURS_SIGNING_CERT_FILE = str(tmp_path / "none.pem")
    settings.CEHOURS_SIGNING_KEY_FILE = str(tmp_path / "none.key")
    client = Client()
    client.force_login(applicant.user)
    answer = _issue(client, "/me/certificate/", GOOD_YEAR, GOOD_YEAR)
    assert answer.status_code == 503
    assert "平台签名证书未配置" in answer.content.decode()
    assert not Certificate.objects.exists()


def test_r18_issue_and_withdrawal_are_audited(certifiable, applicant, make_staff):
    from cehours.audit.models import AuditEvent

    client = Client()
    client.force_login(applicant.user)
    _issue(client, "/me/certificate/", GOOD_YEAR, GOOD_YEAR)
    certificate = Certificate.objects.get(person=applicant)
    hr = Client()
    hr.force_login(make_staff("hr_admin", county="liandu"))
    hr.post(f"/verify/{certificate.code}/withdraw/", {"reason": "核查"})
    events = AuditEvent.objects.filter(object_type="certificate", object_id=str(certificate.pk))
    actions = list(events.order_by("seq").values_list("action", flat=True))
    assert actions == ["certificate.issue", "certificate.withdraw"]

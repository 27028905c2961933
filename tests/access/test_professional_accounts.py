"""Accounts for every professional (issue 10): 实名注册 confirmed by the unit, activation codes the unit
issues, sign-in by ID number or mobile number. Knowing a name and an ID number is not enough to read
anyone's record, and every step is audited."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cehours.access.models import ActivationCode, ProfessionalAccount
from cehours.access.policy import PolicyDenied
from cehours.access.professionals import (
    AccountError,
    AccountMissed,
    activation_codes_issue,
    activation_use,
    registration_submit,
)
from cehours.audit.models import AuditEvent
from cehours.declarations.models import Notice
from cehours.demo import synthetic_id_number
from cehours.people.models import Person

PASSWORD = "Lishui-2026-ok"  # meets the platform's password rules
THIS_YEAR = timezone.localdate().year
rng = random.Random(10)


@pytest.fixture
def unit_staff(make_staff):
    return {"hospital": make_staff("unit_staff", unit="hospital"), "school": make_staff("unit_staff", unit="school")}


def sign_in(login: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/login/", {"username": login, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def register(client: Client, **fields):
    data = {
        "name": "孙实名", "id_number": synthetic_id_number(rng, "331102"), "mobile": "13905781234",
        "unit": "莲都测试医院", "password1": PASSWORD, "password2": PASSWORD, **fields,
    }  # fmt: skip
    return client.post("/register/", data)


def test_a_self_registered_account_sees_nothing_until_its_unit_confirms(city, make_person, add_hours, unit_staff):
    nurse = make_person(unit="hospital", name="周护士")
    add_hours(nurse, THIS_YEAR - 1, general_public="12", industry_public="6", professional="72")
    client = Client()
    answer = register(client, name="周护士", id_number=nurse.id_number, mobile="139 0578 1234")
    assert answer.status_code == 302
    me = client.get("/me/", follow=True).content.decode()
    assert "待单位确认" in me and "莲都测试医院" in me
    assert "72.0" not in me and "90.0" not in me
    nurse.refresh_from_db()
    assert nurse.user_id is None
    assert client.get(f"/api/v1/people/{nurse.id_number}/compliance").status_code in (401, 404)

    staff = Client()
    staff.force_login(unit_staff["hospital"])
    waiting = staff.get("/roster/accounts/").content.decode()
    assert "待确认的实名注册（共 1 件）" in waiting and "周护士" in waiting and "139****1234" in waiting
    assert Notice.objects.filter(user=unit_staff["hospital"], message__contains="周护士").exists()
    other = Client()
    other.force_login(unit_staff["school"])
    assert "待确认的实名注册（共 0 件）" in other.get("/roster/accounts/").content.decode()
    account = ProfessionalAccount.objects.get()
    assert other.post(f"/roster/accounts/{account.pk}/", {"action": "confirm"}).status_code == 404

    done = staff.post(f"/roster/accounts/{account.pk}/", {"action": "confirm"}, follow=True)
    assert "已确认，本人现在可以查看自己的学时" in done.content.decode()
    nurse.refresh_from_db()
    assert nurse.user == account.user and nurse.unit_confirmed
    for login in (nurse.id_number, nurse.id_number.lower(), "13905781234"):
        page = sign_in(login).get("/me/").content.decode()
        assert "周护士" in page and "72.0" in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"access.professional_registered", "access.registration_confirmed"} <= actions


def test_a_registration_naming_someone_elses_id_number_sees_nothing_and_the_unit_is_told(
    city, make_person, unit_staff
):
    nurse = make_person(unit="hospital", name="钱真名")
    client = Client()
    assert register(client, name="冒用者", id_number=nurse.id_number).status_code == 302
    # The impostor's registration, made first, does not lock the person out of registering.
    own = Client()
    assert register(own, name="钱真名", id_number=nurse.id_number, mobile="13905789999").status_code == 302
    assert "待单位确认" in client.get("/me/", follow=True).content.decode()
    impostor_notice, own_notice = Notice.objects.filter(user=unit_staff["hospital"]).order_by("pk")
    assert "填写的姓名与平台档案不一致" in impostor_notice.message
    assert "不一致" not in own_notice.message
    staff = Client()
    staff.force_login(unit_staff["hospital"])
    page = staff.get("/roster/accounts/").content.decode()
    assert "冒用者" in page and "档案姓名：钱真名，不一致" in page
    account, genuine = ProfessionalAccount.objects.order_by("pk")
    refused = staff.post(f"/roster/accounts/{account.pk}/", {"action": "refuse", "reason": ""}, follow=True)
    assert "理由：不予确认须说明理由" in refused.content.decode()
    staff.post(f"/roster/accounts/{account.pk}/", {"action": "refuse", "reason": "非本人注册"})
    account.refresh_from_db()
    assert account.status == "refused" and not account.user.is_active
    nurse.refresh_from_db()
    assert nurse.user_id is None
    assert Client().post("/login/", {"username": nurse.id_number, "password": PASSWORD}).status_code == 200
    staff.post(f"/roster/accounts/{genuine.pk}/", {"action": "confirm"})
    nurse.refresh_from_db()
    assert nurse.user == genuine.user
    assert "钱真名" in sign_in("13905789999").get("/me/").content.decode()


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"id_number": "331102199001011230"}, "身份证号码："),
        ({"mobile": "1234"}, "手机号码："),
        ({"unit": "不存在的单位"}, "工作单位（全称或统一社会信用代码）：平台上找不到该单位"),
        ({"password1": "short", "password2": "short"}, "密码："),
        ({"password2": "Other-2026-ok"}, "再次输入密码：两次输入的密码不一致"),
        ({"name": ""}, "姓名：请填写姓名"),
    ],
)
def test_bad_registration_input_is_named_and_changes_nothing(city, fields, label):
    before = (Person.objects.count(), get_user_model().objects.count())
    answer = register(Client(), **fields)
    assert answer.status_code == 400
    assert label in answer.content.decode()
    assert (Person.objects.count(), get_user_model().objects.count()) == before


def test_a_person_with_an_account_cannot_be_registered_again(city, make_person):
    nurse = make_person(unit="hospital", with_login=True)
    with pytest.raises(AccountError) as refused:
        registration_submit(
            name=nurse.name, id_number=nurse.id_number, mobile="13905780000", unit_query="莲都测试医院",
            password=PASSWORD,
        )  # fmt: skip
    assert refused.value.field == "id_number" and "索取激活码" in refused.value.message


def test_a_registrant_new_to_the_platform_joins_the_unit_named_once_it_confirms(city, unit_staff):
    number = synthetic_id_number(rng, "331121")
    user, account = registration_submit(
        name="吴新人", id_number=number, mobile="13605780001", unit_query=city["units"]["hospital"].credit_code,
        password=PASSWORD,
    )  # fmt: skip
    person = account.person
    assert (person.unit, person.county_id, person.unit_confirmed) == (city["units"]["hospital"], "331102", False)
    staff = Client()
    staff.force_login(unit_staff["hospital"])
    staff.post(f"/roster/accounts/{account.pk}/", {"action": "confirm"})
    person.refresh_from_db()
    assert person.user == user and person.unit_confirmed


def test_activation_codes_open_an_account_once_and_expire(city, make_person, add_hours, unit_staff):
    nurse = make_person(unit="hospital", name="郑激活")
    add_hours(nurse, THIS_YEAR - 1, professional="30")
    staff = Client()
    staff.force_login(unit_staff["hospital"])
    roster = staff.get("/roster/accounts/").content.decode()
    assert "郑激活" in roster and "未开通" in roster
    page = staff.post("/roster/accounts/codes/", {"person": [nurse.pk], "format": "page"}).content.decode()
    code = page.split('class="mono code">')[1].split("<")[0]
    assert len(code) == 10 and code not in ActivationCode.objects.get().code_hash

    client = Client()
    wrong = client.post(
        "/activate/", {"id_number": nurse.id_number, "code": "AAAAAAAAAA", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert wrong.status_code == 400 and "激活码：身份证号码或激活码不正确" in wrong.content.decode()
    fields = {"id_number": nurse.id_number, "code": code.lower(), "password1": PASSWORD, "password2": PASSWORD}
    done = client.post("/activate/", fields, follow=True)
    assert "账号已开通" in done.content.decode() and "30.0" in done.content.decode()
    nurse.refresh_from_db()
    assert nurse.user is not None
    assert "30.0" in sign_in(nurse.id_number).get("/me/").content.decode()
    with pytest.raises(AccountMissed):  # single use
        activation_use(id_number=nurse.id_number, code=code, password="Another-2026-ok")

    # 忘记密码: the unit issues a new code; the old password stops working.
    ((_, fresh, _),) = activation_codes_issue(by=unit_staff["hospital"], people=[nurse])
    ((_, stale, _),) = activation_codes_issue(by=unit_staff["hospital"], people=[nurse])
    with pytest.raises(AccountMissed):  # a newer code voids the older one
        activation_use(id_number=nurse.id_number, code=fresh, password="Another-2026-ok")
    ActivationCode.objects.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(AccountMissed):  # expired
        activation_use(id_number=nurse.id_number, code=stale, password="Another-2026-ok")
    ((_, last, _),) = activation_codes_issue(by=unit_staff["hospital"], people=[nurse])
    activation_use(id_number=nurse.id_number, code=last, password="Another-2026-ok")
    assert Client().post("/login/", {"username": nurse.id_number, "password": PASSWORD}).status_code == 200
    sign_in(nurse.id_number, "Another-2026-ok")
    assert {"access.account_activated", "access.password_reset_by_code"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_only_the_persons_unit_issues_codes_and_the_xlsx_is_formula_safe(city, make_person, unit_staff, settings):
    nurse = make_person(unit="hospital", name="=HYPERLINK(1)")
    with pytest.raises(PolicyDenied):
        activation_codes_issue(by=unit_staff["school"], people=[nurse])
    assert not ActivationCode.objects.exists()
    staff = Client()
    staff.force_login(unit_staff["hospital"])
    answer = staff.post("/roster/accounts/codes/", {"person": [nurse.pk], "format": "xlsx"})
    assert answer["Content-Disposition"] == 'attachment; filename="activation-codes.xlsx"'
    sheet = load_workbook(io.BytesIO(answer.content)).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("姓名", "身份证号码（脱敏）", "单位", "激活码")
    assert row[0] == "'=HYPERLINK(1)" and row[1] == nurse.id_number_masked and len(row[3]) == 10
    assert header[5] == "开通网址" and row[5] == "http://testserver/activate/"  # a full address, for paper
    settings.CEHOURS_PUBLIC_URL = "https://cehours.example.gov.cn"
    page = staff.post("/roster/accounts/codes/", {"person": [nurse.pk]}).content.decode()
    assert "https://cehours.example.gov.cn/activate/" in page
    outsider = Client()
    outsider.force_login(unit_staff["school"])
    assert "=HYPERLINK(1)" not in outsider.get("/roster/accounts/").content.decode()


def test_a_password_set_by_code_closes_what_the_old_one_opened_and_never_reopens_a_disabled_account(
    city, make_person, unit_staff, make_staff
):
    """忘记密码 by a unit's code is a password change like any other: the old password's personal
    API tokens are revoked. An account the system administrator stopped stays stopped: the unit's
    code is refused, says why, and stays unused (三权分立)."""
    from cehours.access.models import ApiToken
    from cehours.access.services import account_set_active, token_issue

    nurse = make_person(unit="hospital", with_login=True)
    token_issue(user=nurse.user)
    ((_, code, _),) = activation_codes_issue(by=unit_staff["hospital"], people=[nurse])
    activation_use(id_number=nurse.id_number, code=code, password="Another-2026-ok")
    assert not ApiToken.objects.filter(user=nurse.user, revoked_at__isnull=True).exists()

    account_set_active(user=nurse.user, by=make_staff("system_admin"), active=False, reason="离职")
    ((_, again, _),) = activation_codes_issue(by=unit_staff["hospital"], people=[nurse])
    answer = Client().post(
        "/activate/", {"id_number": nurse.id_number, "code": again, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert answer.status_code == 400 and "激活码：该账号已被系统管理员停用" in answer.content.decode()
    nurse.user.refresh_from_db()
    assert not nurse.user.is_active
    assert ActivationCode.objects.filter(person=nurse, used_at__isnull=True, revoked_at__isnull=True).count() == 1


def test_failed_activations_count_against_the_lookup_limit(city, make_person, settings):
    settings.LOOKUP_MISSES_PER_HOUR = 3
    nurse = make_person(unit="hospital")
    client = Client()
    data = {"id_number": nurse.id_number, "code": "WRONGCODE2", "password1": PASSWORD, "password2": PASSWORD}
    statuses = [client.post("/activate/", data).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_a_person_moves_to_another_unit_and_keeps_their_hours(city, make_person, add_hours, unit_staff):
    nurse = make_person(unit="hospital", name="褚调动")
    add_hours(nurse, THIS_YEAR - 1, general_public="12", industry_public="6", professional="72")
    hospital = Client()
    hospital.force_login(unit_staff["hospital"])
    school = Client()
    school.force_login(unit_staff["school"])
    assert school.post(f"/roster/people/{nurse.pk}/release/", {"reason": "调往青田"}).status_code == 404
    missing = hospital.post(f"/roster/people/{nurse.pk}/release/", {"reason": ""}, follow=True)
    assert "调出原因：请填写调出原因" in missing.content.decode()
    done = hospital.post(f"/roster/people/{nurse.pk}/release/", {"reason": "调往青田测试学校"}, follow=True)
    assert "已办理褚调动" in done.content.decode() and "学时记录全部保留" in done.content.decode()
    nurse.refresh_from_db()
    assert (nurse.unit, nurse.county) == (None, None)
    claimed = school.post("/people/claim/", {"id_number": nurse.id_number, "name": "褚调动"}, follow=True)
    assert claimed.status_code == 200
    nurse.refresh_from_db()
    assert (nurse.unit, nurse.county_id) == (city["units"]["school"], "331121")
    assert "72.0" in school.get(f"/people/{nurse.pk}/").content.decode()
    assert hospital.get(f"/people/{nurse.pk}/").status_code == 404
    released = AuditEvent.objects.get(action="people.person_released")
    assert released.before["unit"] == city["units"]["hospital"].pk and released.after["unit"] is None
    assert AuditEvent.objects.filter(action="people.person_claimed", object_id=str(nurse.pk)).exists()

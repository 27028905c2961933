"""Reminders (issue 13): on city HR's dates, people behind R11 for the year are told what they still
need — exactly those, once a day — in-app, and by email where a server is configured; unit staff see
who was reminded and remind their own roster."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cehours.access.professionals import activation_codes_issue, activation_use
from cehours.declarations.models import Notice
from cehours.reminders.models import Reminder
from cehours.reminders.schedule import DatesInvalid, reminder_days

YEAR = timezone.localdate().year
PASSWORD = "Reminder-test-2026"


def _run(capsys, *args: str) -> str:
    call_command("remind", *args)
    return capsys.readouterr().out


@pytest.fixture
def town(make_person, make_staff, add_hours):
    done = make_person(unit="hospital", name="已达标", with_login=True)
    add_hours(done, YEAR, general_public="10", industry_public="8", professional="72")
    behind = make_person(unit="hospital", name="未达标", with_login=True)
    add_hours(behind, YEAR, general_public="10", professional="50")
    silent = make_person(unit="hospital", name="无账号")  # behind, and no account to tell
    elsewhere = make_person(unit="school", name="别处未达标", with_login=True)
    return {"done": done, "behind": behind, "silent": silent, "elsewhere": elsewhere}


def test_r11_reminders_go_to_exactly_the_people_behind_once_a_day(town, capsys):
    out = _run(capsys, "--date", f"{YEAR}-12-01")
    assert "学时未达标 3 人；已提醒 3 人（站内消息 2，邮件 0，短信 0）" in out
    assert "无账号、邮箱或手机号无法提醒 1 人" in out
    reminded = set(Reminder.objects.values_list("person__name", flat=True))
    assert reminded == {"未达标", "无账号", "别处未达标"}
    (notice,) = Notice.objects.filter(user=town["behind"].user)
    assert f"您{YEAR}年的继续教育学时尚未达到要求" in notice.message
    assert f"{YEAR}年还需专业科目学时 10.0" in notice.message and "距年底还有 30 天" in notice.message
    assert not Notice.objects.filter(user=town["done"].user).exists()
    again = _run(capsys, "--date", f"{YEAR}-12-01")
    assert "已提醒 0 人" in again and "今天已提醒过 3 人" in again
    assert Reminder.objects.count() == 3 and Notice.objects.count() == 2


def test_reminders_wait_for_the_dates_and_a_dry_run_sends_nothing(town, capsys, settings):
    assert "不是提醒日期" in _run(capsys, "--date", f"{YEAR}-12-02")
    assert "将提醒 3 人" in _run(capsys, "--date", f"{YEAR}-12-02", "--force", "--dry-run")
    assert not Reminder.objects.exists() and not Notice.objects.exists()
    settings.CEHOURS_REMINDER_DATES = "12-02"
    assert "已提醒 3 人" in _run(capsys, "--date", f"{YEAR}-12-02")


def test_reminders_email_those_with_an_address_where_mail_is_configured(
    make_person, make_staff, add_hours, settings, mailoutbox, capsys
):
    settings.CEHOURS_EMAIL_ENABLED = True
    staff = make_staff("unit_staff", unit="hospital")
    nurse = make_person(unit="hospital", name="邮件提醒")
    ((_, code, _),) = activation_codes_issue(by=staff, people=[nurse])
    activation_use(id_number=nurse.id_number, code=code, password=PASSWORD, email="nurse.remind@example.cn")
    out = _run(capsys, "--date", f"{YEAR}-11-01")
    assert "邮件 1" in out
    (mail,) = mailoutbox
    assert mail.to == ["nurse.remind@example.cn"] and "邮件提醒：您" in mail.body


def test_unit_staff_remind_their_roster_and_see_who_was_reminded(town, make_staff):
    client = Client()
    client.force_login(make_staff("unit_staff", unit="hospital"))
    done = client.post("/roster/reminders/", follow=True).content.decode()
    assert f"本单位{YEAR}年学时未达标 2 人，已提醒 2 人" in done
    assert "1 人尚未开通账号，无法提醒，请当面告知：无账号" in done
    assert "已提醒（共 2 人次）" in done and "未开通账号，未送达" in done
    assert not Reminder.objects.filter(person=town["elsewhere"]).exists()  # another unit's person
    professional = Client()
    professional.force_login(town["behind"].user)
    assert "尚未达到要求" in professional.get("/me/").content.decode()  # the notice on their page


@pytest.mark.parametrize(
    ("spec", "ok"), [("09-01,11-01,12-01", True), ("02-29", True), ("13-01", False), ("9月1日", False)]
)
def test_reminder_dates_are_month_day_pairs(spec, ok):
    if ok:
        assert all(date(2024, m, d) for m, d in reminder_days(spec))
    else:
        with pytest.raises(DatesInvalid):
            reminder_days(spec)

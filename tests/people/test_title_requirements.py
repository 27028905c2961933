"""City HR's table of title levels and required years (R13 第十三条): entered by the rule versions'
permission holders on /rules/titles/ or with `cehours add-title-requirement`, audited, append-only."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cehours.access.policy import PolicyDenied
from cehours.audit.models import AuditEvent
from cehours.people.models import TitleRequirement
from cehours.people.selectors import title_requirement_in_force
from cehours.people.services import TitleRequirementError, title_requirement_add
from cehours.rules.titles import TitleLevel

PASSWORD = "test-password-123"


def page_text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def l3(make_staff):
    return make_staff("reviewer", level=3, username="city_l3")


def add(by, series, level="intermediate", years=3, effective=date(2020, 1, 1), name=""):
    return title_requirement_add(
        by=by, series=series, level=level, local_name=name, required_years=years, effective_from=effective
    )


def test_r13_city_hr_adds_a_row_which_is_audited_and_in_force_from_its_date(l3, city):
    health = city["series"]["health"]

    first = add(l3, health, years=3, effective=date(2020, 1, 1), name="主治医师")
    later = add(l3, health, years=4, effective=date(2027, 1, 1))

    assert title_requirement_in_force("health", TitleLevel.INTERMEDIATE, date(2026, 12, 31)).pk == first.pk
    assert title_requirement_in_force("health", TitleLevel.INTERMEDIATE, date(2027, 1, 1)).pk == later.pk
    assert title_requirement_in_force("education", TitleLevel.INTERMEDIATE, date(2027, 1, 1)) is None
    event = AuditEvent.objects.get(action="titles.requirement_added", object_id=str(first.pk))
    assert event.actor_id == l3.pk
    assert event.after == {
        "series": "health",
        "level": "intermediate",
        "local_name": "主治医师",
        "required_years": 3,
        "effective_from": "2020-01-01",
        "placeholder": False,
    }
    assert first.created_by_id == l3.pk


@pytest.mark.parametrize(
    ("role", "level", "county", "may"),
    [
        ("reviewer", 3, None, True),
        ("hr_admin", None, None, True),
        ("hr_admin", None, "liandu", False),
        ("reviewer", 2, None, False),
        ("evaluator", None, None, False),
        ("industry_authority", None, None, False),
    ],
)
def test_r13_only_edit_rules_holders_add_rows(make_staff, city, role, level, county, may):
    user = make_staff(role, level=level, county=county)

    if may:
        add(user, city["series"]["health"])
    else:
        with pytest.raises(PolicyDenied, match="只有市人力社保局"):
            add(user, city["series"]["health"])

    assert TitleRequirement.objects.count() == (1 if may else 0)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"series": None}, "series"),
        ({"level": "chief"}, "level"),
        ({"years": 0}, "required_years"),
        ({"years": 11}, "required_years"),
        ({"effective": date(1989, 12, 31)}, "effective_from"),
        ({"name": "名" * 33}, "local_name"),
    ],
)
def test_r13_bad_rows_are_refused_naming_the_field(l3, city, given, field):
    args = {"series": city["series"]["health"], **given}

    with pytest.raises(TitleRequirementError) as refused:
        add(l3, **args)

    assert refused.value.field == field
    assert not TitleRequirement.objects.exists()


def test_r13_rows_are_append_only_and_the_database_holds_the_years_range(l3, city):
    row = add(l3, city["series"]["health"])

    row.required_years = 9
    with pytest.raises(ValueError, match="不可修改"):
        row.save()
    with pytest.raises(ValueError, match="不可删除"):
        row.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        TitleRequirement.objects.bulk_create(
            [TitleRequirement(series=row.series, level="senior", required_years=11, effective_from=date(2020, 1, 1))]
        )
    assert TitleRequirement.objects.get().required_years == 3


def test_r13_the_titles_page_lists_rows_in_force_and_history_and_adds_one(client, l3, city):
    add(l3, city["series"]["health"], years=3, effective=date(2020, 1, 1), name="主治医师")
    client.login(username=l3.username, password=PASSWORD)

    response = client.post(
        "/rules/titles/",
        {
            "series": "health",
            "level": "intermediate",
            "local_name": "主治医师",
            "required_years": "4",
            "effective_from": "2021-01-01",
        },
        follow=True,
    )

    text = page_text(response)
    assert response.status_code == 200
    assert "已录入 卫生系列 中级 规定年限 4 年，自 2021-01-01 起适用。" in text
    assert "卫生 中级 主治医师 4 年 2021-01-01" in text  # in force today
    assert "卫生 中级 主治医师 3 年 2020-01-01 —" in text  # history, no longer in force
    assert TitleRequirement.objects.count() == 2
    assert 'id="title-requirements-link"' in client.get("/rules/").content.decode()


def test_r13_the_titles_page_names_the_field_at_fault(client, l3, city):
    client.login(username=l3.username, password=PASSWORD)

    response = client.post(
        "/rules/titles/", {"series": "health", "level": "intermediate", "required_years": "12", "effective_from": ""}
    )

    assert response.status_code == 400
    text = page_text(response)
    assert "规定年限（年）：规定年限不能超过 10 年" in text
    assert "生效日期：请填写日期" in text
    assert not TitleRequirement.objects.exists()


def test_r13_evaluators_read_the_table_but_cannot_add_to_it(client, make_staff, city):
    evaluator = make_staff("evaluator")
    client.login(username=evaluator.username, password=PASSWORD)

    page = client.get("/rules/titles/")
    posted = client.post(
        "/rules/titles/",
        {"series": "health", "level": "intermediate", "required_years": "3", "effective_from": "2020-01-01"},
    )

    assert page.status_code == 200
    assert "<h2>录入规定年限</h2>" not in page.content.decode()
    assert posted.status_code == 403
    assert not TitleRequirement.objects.exists()


def test_r13_people_without_a_staff_role_do_not_see_the_table(client, make_person):
    person = make_person(with_login=True)
    client.login(username=person.user.username, password=PASSWORD)

    assert client.get("/rules/titles/").status_code == 403


def test_r13_the_add_title_requirement_command_adds_a_row_as_the_named_user(l3, city, capsys):
    call_command(
        "add_title_requirement",
        "--series=health",
        "--level=deputy_senior",
        "--years=5",
        "--effective=2024-01-01",
        "--name=副主任医师",
        "--as=city_l3",
    )

    row = TitleRequirement.objects.get()
    assert (row.series_id, row.level, row.required_years, row.local_name) == (
        "health",
        "deputy_senior",
        5,
        "副主任医师",
    )
    assert row.created_by_id == l3.pk
    assert "已录入 卫生系列 副高级（副主任医师）：规定年限 5 年，自 2024-01-01 起适用" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="titles.requirement_added", actor_id=l3.pk).count() == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--series=nosuch"], "--series：找不到职称系列 nosuch"),
        (["--years=0"], "--years：规定年限应在 1 至 10 年之间"),
        (["--effective=2024-13-01"], "--effective：日期格式应为 YYYY-MM-DD"),
        (["--as=nobody"], "--as：找不到有效账号 nobody"),
    ],
)
def test_r13_the_command_refuses_naming_the_option(l3, city, args, says):
    base = {"--series": "health", "--level": "senior", "--years": "5", "--effective": "2024-01-01", "--as": "city_l3"}
    for arg in args:
        option, value = arg.split("=", 1)
        base[option] = value

    with pytest.raises(CommandError) as caught:
        call_command("add_title_requirement", *[f"{k}={v}" for k, v in base.items()])

    assert says in str(caught.value)
    assert not TitleRequirement.objects.exists()


def test_r13_the_command_refuses_a_user_who_may_not_edit_rules(make_staff, city):
    make_staff("evaluator", username="committee")

    with pytest.raises(CommandError, match="只有市人力社保局"):
        call_command(
            "add_title_requirement",
            "--series=health",
            "--level=senior",
            "--years=5",
            "--effective=2024-01-01",
            "--as=committee",
        )
    assert not TitleRequirement.objects.exists()

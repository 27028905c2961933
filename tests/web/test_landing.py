"""Issue 12: each role lands on what it has to do — counts of the work waiting for it, each a link to
the list that holds exactly that many — and a role with one page of its own lands on that page,
never on a refused one."""

from __future__ import annotations

import random
import re

from django.test import Client

from cehours.access.professionals import registration_submit
from cehours.demo import synthetic_id_number
from cehours.ledger.models import Source
from cehours.ledger.services import NewEntry, entries_register_bulk

from ..declarations.conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from ..declarations.support import declare, today

PASSWORD = "test-password-123"


def _tasks(client: Client) -> dict[str, tuple[int, str]]:
    page = client.get("/").content.decode()
    found = re.findall(r'<li><a href="([^"]+)"><span class="task-count[^"]*">(\d+)</span> ([^<]+)</a>', page)
    return {label: (int(count), url) for url, count, label in found}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_reviewer_lands_on_the_declarations_and_held_records_waiting_for_them(cast):  # noqa: F811
    declare(cast["nurse"])  # 莲都's hospital: the 莲都 level-1 reviewer's
    declare(cast["teacher"])  # 青田: not theirs
    entries_register_bulk(
        entries=[
            NewEntry(
                person_id=cast["nurse"].pk, category="professional", hours="500", title="全年进修",
                source=Source.CONNECTED_SYSTEM, completed_on=today(), source_system="city-system",
                source_record_id="held-1",
            )
        ]
    )  # fmt: skip
    reviewer = _signed_in(cast["county_l1"])

    tasks = _tasks(reviewer)

    assert tasks["待审核的学时申报"] == (1, "/review/")
    assert tasks["暂缓登记的记录"] == (1, "/review/held/")
    assert "待确认的实名注册" not in tasks  # not a reviewer's work
    assert "<h1>待办事项（共 2 件）</h1>" in reviewer.get("/").content.decode()
    # The count is the length of the list it opens.
    assert "暂缓登记的记录（共 1 条待审核）" in reviewer.get("/review/held/").content.decode()
    assert _tasks(_signed_in(cast["qingtian_l1"]))["待审核的学时申报"] == (1, "/review/")


def test_unit_staff_land_on_the_registrations_waiting_for_their_confirmation(city, make_staff):
    registration_submit(
        name="许新人", id_number=synthetic_id_number(random.Random(3), "331102"),
        mobile="13905780003", unit_query="莲都测试医院", password="Lishui-2026-ok",
    )  # fmt: skip
    assert _tasks(_signed_in(make_staff("unit_staff", unit="hospital")))["待确认的实名注册"] == (1, "/roster/accounts/")
    assert _tasks(_signed_in(make_staff("unit_staff", unit="school")))["待确认的实名注册"] == (0, "/roster/accounts/")


def test_a_provider_lands_on_its_seminars_not_on_a_refused_page(city, make_staff):
    make_staff("provider", username="lishui-college")
    response = Client().post("/login/", {"username": "lishui-college", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/seminars/" and response.status_code == 200


def test_the_separated_administrators_land_on_their_own_pages(city, make_staff):
    for role, page in (("system_admin", "/staff/"), ("security_admin", "/staff/"), ("audit_admin", "/privacy/reads/")):
        answer = _signed_in(make_staff(role)).get("/", follow=True)
        assert answer.redirect_chain[-1][0] == page and answer.status_code == 200, role


def test_a_refused_page_says_why_and_offers_a_way_back(city, make_staff):
    refused = _signed_in(make_staff("unit_staff", unit="hospital")).get("/units/")
    assert refused.status_code == 403
    page = refused.content.decode()
    assert '<a href="/">返回首页</a>' in page and "无权访问" in page


def test_the_header_names_the_person_and_their_office_not_the_login(city, make_staff, make_person):
    clerk = make_staff("unit_staff", unit="hospital", username="hospital-clerk")
    clerk.first_name = "林经办"
    clerk.save()
    page = _signed_in(clerk).get("/").content.decode()
    assert '<span class="who">林经办（莲都测试医院）</span>' in page and "hospital-clerk" not in page

    unnamed = make_staff("reviewer", level=2, county="liandu", username="liandu-l2")
    page = _signed_in(unnamed).get("/").content.decode()
    assert '<span class="who">莲都区 · 审核人员（莲都区 · 审核人员）</span>' not in page
    assert '<span class="who">莲都区 · 审核人员</span>' in page and "liandu-l2" not in page

    nurse = make_person(unit="hospital", name="柳护士", with_login=True)
    page = _signed_in(nurse.user).get("/me/").content.decode()
    assert '<span class="who">柳护士</span>' in page and nurse.user.username not in page

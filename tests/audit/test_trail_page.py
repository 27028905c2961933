"""R21: superiors read the audit trail of the staff below them; nobody reads beyond that."""

from django.test import Client

from tests.conftest import PASSWORD


def _acts(make_staff):
    """A level-1 reviewer in each county signs in (an audited action); returns (liandu_l1, qingtian_l1)."""
    liandu_l1 = make_staff("reviewer", level=1, county="liandu", username="liandu_l1")
    qingtian_l1 = make_staff("reviewer", level=1, county="qingtian", username="qingtian_l1")
    for reviewer in (liandu_l1, qingtian_l1):
        assert Client().login(username=reviewer.username, password=PASSWORD)
    return liandu_l1, qingtian_l1


def _seen(client, user, **query):
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/audit/", query)
    return response.status_code, response.content.decode()


def test_r21_city_hr_bureau_reads_every_staff_action(client, make_staff):
    _acts(make_staff)
    city = make_staff("reviewer", level=3, username="city_l3")

    status, page = _seen(client, city, action="auth.logged_in")

    assert status == 200
    assert "liandu_l1" in page and "qingtian_l1" in page


def test_r21_county_level_2_reads_its_county_staff_only(client, make_staff):
    _acts(make_staff)
    county_l2 = make_staff("reviewer", level=2, county="liandu", username="liandu_l2")

    status, page = _seen(client, county_l2, action="auth.logged_in")

    assert status == 200
    assert "liandu_l1" in page
    assert "qingtian_l1" not in page


def test_r21_level_1_reads_only_its_own_actions(client, make_staff):
    liandu_l1, _ = _acts(make_staff)

    status, page = _seen(client, liandu_l1)

    assert status == 200
    assert "liandu_l1" in page
    assert "qingtian_l1" not in page


def test_r21_audit_filter_with_bad_dates_names_the_field(client, make_staff):
    city = make_staff("reviewer", level=3, username="city_l3")

    status, page = _seen(client, city, start="2026-02-30")
    assert status == 400 and "日期自：日期格式应为“年-月-日”，如 2025-03-01" in page

    status, page = _seen(client, city, start="2026-03-01", end="2026-02-01")
    assert status == 400 and "日期至：截止日期不能早于起始日期" in page


def test_r21_anonymous_users_are_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_r21_an_events_details_read_as_named_lines_not_a_python_dictionary(client, make_staff):
    """Issue 12: the before/after of an event are listed field by field in Chinese, lists say how
    many, booleans say 是/否; a field with no Chinese name keeps its own, marked as code."""
    from cehours.audit.services import audit_record

    city = make_staff("reviewer", level=3, username="city_l3")
    audit_record(
        actor=city, action="declaration.decided", object_type="declaration", object_id=7,
        before={"status": "submitted"},
        after={"status": "approved", "entry_ids": [11, 12, 13], "must_change_password": False, "odd_key": 1,
               "user": "city_l3", "role": "reviewer", "source_record_ids": ["r-1", "r-2"], "level": 2,
               "categories": [], "at": "2026-12-03T10:32:55.388309+08:00"},
    )  # fmt: skip

    status, page = _seen(client, city, area="学时申报")

    assert status == 200
    assert "{'" not in page and "[11" not in page
    assert "<li>状态：待审核</li>" in page and "<li>状态：已通过</li>" in page
    assert "<li>学时记录编号：共 3 项：11、12、13</li>" in page
    assert '<li>来源记录编号：共 2 项：<span class="mono">r-1、r-2</span></li>' in page
    assert "<li>级别：二级</li>" in page and "<li>科目类别：—</li>" in page
    assert "<li>须修改密码：否</li>" in page
    assert "<li><code>odd_key</code>：1</li>" in page
    assert '<li>账号：<span class="mono">city_l3</span></li>' in page  # a login stays a code, marked as one
    assert "<li>角色：审核人员</li>" in page and "<li>时间：2026-12-03 10:32</li>" in page
    assert "auth.logged_in" not in page  # the area filter kept only 学时申报's events


def test_r21_the_audit_filter_offers_areas_by_name_and_finds_an_actor_by_name(client, make_staff, make_person):
    from cehours.audit.services import audit_record

    liandu_l1, _ = _acts(make_staff)
    liandu_l1.first_name = "莲都审核员甲"
    liandu_l1.save()
    city = make_staff("reviewer", level=3, username="city_l3")

    status, page = _seen(client, city, actor="审核员甲", area="登录")
    assert status == 200 and "liandu_l1" in page and "qingtian_l1" not in page
    assert '<option value="登录" selected>登录</option>' in page

    nurse = make_person(name="莲都护士乙", unit="hospital", with_login=True)
    audit_record(actor=nurse.user, action="auth.logged_in", object_type="user", object_id=nurse.user.pk)
    status, page = _seen(client, city, actor="护士乙")
    assert status == 200 and "莲都护士乙" in page and "liandu_l1" not in page

    status, page = _seen(client, city, area="no-such-area")
    assert status == 400 and "类别：请从列表中选择类别" in page


def test_every_audited_object_type_and_area_in_the_code_has_a_chinese_name():
    """Issue 12: the audit page names what was acted on (学时记录, 高研班项目), never "对象 ledger_entry".
    Every literal object_type and action prefix the services record is named, so a new one cannot
    reach the page as a code."""
    import re
    from pathlib import Path

    from cehours.web import audit_labels

    source = "\n".join(p.read_text() for p in Path(audit_labels.__file__).parents[1].rglob("*.py"))
    types = set(re.findall(r'object_type="([a-z_]+)"', source))
    areas = {a.split(".")[0] for a in re.findall(r'\baction=f?"([a-z_]+)\.', source)}
    assert types and areas
    assert types - set(audit_labels._OBJECT_TYPES) == set()
    assert areas - set(audit_labels._AUDIT_AREAS) == set()

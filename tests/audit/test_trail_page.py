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
    assert status == 400 and "日期自：日期格式应为 YYYY-MM-DD" in page

    status, page = _seen(client, city, start="2026-03-01", end="2026-02-01")
    assert status == 400 and "日期至：截止日期不能早于起始日期" in page


def test_r21_anonymous_users_are_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")

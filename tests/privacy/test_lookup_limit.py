"""The mask-reversal loop (finding 1), attacked from outside: lookups by full ID number that miss are limited.

A unit-staff account tries the valid ID numbers that fit a masked `331102********269X` against the
real API and the real page search; after LOOKUP_MISSES_PER_HOUR misses every lookup by ID number,
hit or miss, answers 429 until the hour has passed.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cehours.access.services import token_issue
from cehours.privacy.models import ReadAction, ReadEvent, ReadOutcome

from .conftest import candidates

LIMITED = {
    "errors": [
        {"field": "id_number", "code": "rate_limited", "message": "查询未登记身份证号码次数过多，请一小时后再试"}
    ]
}


def test_the_default_limit_is_30_misses_an_hour():
    assert settings.LOOKUP_MISSES_PER_HOUR == 30


def test_api_loop_over_the_masked_number_is_refused_after_30_misses(target, unit_staff):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    guesses = candidates(target.id_number_masked, exclude=target.id_number)
    assert len(guesses) > 1000  # what made the loop feasible: ~1,700 numbers fit a mask

    def compliance(number):
        return api.get(f"/api/v1/people/{number}/compliance")

    assert compliance(target.id_number).status_code == 200  # a hit does not count
    for number in guesses[:30]:
        assert compliance(number).status_code == 404
    refused = compliance(guesses[30])
    hit_after = compliance(target.id_number)

    assert refused.status_code == 429
    assert json.loads(refused.content) == LIMITED
    assert hit_after.status_code == 429  # otherwise the loop goes on, telling hits from refusals
    assert json.loads(hit_after.content) == LIMITED
    for endpoint in ("eligibility?application_year=2026&required_years=3", "entries"):
        assert api.get(f"/api/v1/people/{target.id_number}/{endpoint}").status_code == 429
    outcomes = list(ReadEvent.objects.filter(user=unit_staff).values_list("outcome", flat=True))
    assert outcomes.count(ReadOutcome.MISSED) == 30
    assert outcomes.count(ReadOutcome.REFUSED) == 4


def test_the_session_and_the_token_of_one_user_share_one_count(target, unit_staff):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    browser = Client()
    browser.force_login(unit_staff)
    guesses = candidates(target.id_number_masked, exclude=target.id_number)

    for i, number in enumerate(guesses[:30]):
        assert (api if i % 2 else browser).get(f"/api/v1/people/{number}/compliance").status_code == 404

    assert browser.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 429
    assert api.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 429


def test_another_caller_is_not_limited_by_someone_elses_misses(target, unit_staff, make_staff):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    for number in candidates(target.id_number_masked, exclude=target.id_number)[:31]:
        api.get(f"/api/v1/people/{number}/compliance")
    colleague = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=make_staff('unit_staff', unit='hospital'))}")

    assert colleague.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 200


def test_lookups_are_answered_again_once_the_hour_has_passed(target, unit_staff, monkeypatch):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    for number in candidates(target.id_number_masked, exclude=target.id_number)[:30]:
        api.get(f"/api/v1/people/{number}/compliance")
    assert api.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 429

    later = timezone.now() + timedelta(minutes=61)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert api.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 200


def test_malformed_numbers_are_422_and_do_not_count(target, unit_staff):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    wrong_check = target.id_number[:17] + ("0" if target.id_number[17] != "0" else "1")

    for _ in range(40):
        assert api.get(f"/api/v1/people/{wrong_check}/compliance").status_code == 422

    assert api.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 200


def test_page_search_loop_by_post_is_refused_after_30_misses(target, unit_staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(unit_staff)
    form = browser.get("/people/")
    token = form.cookies[settings.CSRF_COOKIE_NAME].value
    assert 'method="post"' in form.content.decode()
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()

    def search(query):
        return browser.post("/people/", {"q": query, "csrfmiddlewaretoken": token})

    guesses = candidates(target.id_number_masked, exclude=target.id_number)
    assert f'href="/people/{target.pk}/"' in search(target.id_number).content.decode()
    for number in guesses[:30]:
        missed = search(number)
        assert missed.status_code == 200
        assert "在您的查询范围内没有找到符合条件的人员" in missed.content.decode()
    refused, hit_after = search(guesses[30]), search(target.id_number)

    for response in (refused, hit_after):
        html = response.content.decode()
        assert response.status_code == 429
        assert "查询未登记身份证号码次数过多，请一小时后再试" in html
        assert f'href="/people/{target.pk}/"' not in html
    assert search(target.name).status_code == 200  # by name: not a lookup by ID number
    assert f'href="/people/{target.pk}/"' in search(target.name).content.decode()


def test_page_search_post_without_csrf_token_is_refused(unit_staff, target):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(unit_staff)

    assert browser.post("/people/", {"q": target.id_number}).status_code == 403


def test_page_search_by_id_number_in_the_url_does_not_search(target, unit_staff):
    browser = Client()
    browser.force_login(unit_staff)

    response = browser.get("/people/", {"q": target.id_number})

    html = response.content.decode()
    assert response.status_code == 400
    assert "身份证号码不能放在网址中查询" in html
    assert f'href="/people/{target.pk}/"' not in html
    assert target.id_number not in html
    assert not ReadEvent.objects.filter(action=ReadAction.SEARCH).exists()


def test_the_api_and_the_page_search_share_one_count(target, unit_staff):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    browser = Client()
    browser.force_login(unit_staff)
    for number in candidates(target.id_number_masked, exclude=target.id_number)[:30]:
        api.get(f"/api/v1/people/{number}/compliance")

    assert browser.post("/people/", {"q": target.id_number}).status_code == 429


@pytest.mark.parametrize("limit", [3])
def test_the_limit_is_a_setting(target, unit_staff, settings, limit):
    settings.LOOKUP_MISSES_PER_HOUR = limit
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    guesses = candidates(target.id_number_masked, exclude=target.id_number)

    answers = [api.get(f"/api/v1/people/{n}/compliance").status_code for n in guesses[: limit + 1]]

    assert answers == [404] * limit + [429]

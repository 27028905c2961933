"""Fixtures for the declaration tests: quick accounts, a private evidence directory, and a cast of
people and reviewers placed so that each sits inside or outside the others' scopes (R17)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def quick_accounts_and_private_media(settings, tmp_path):
    """Evidence files kept under tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(make_person, make_staff):
    """People and reviewers of the small city in tests/conftest.py.

    - nurse: 莲都 hospital (health series, not self-evaluating); lecturer: 莲都 college (education,
      self-evaluating); teacher: 青田 school (education).
    - county_l1 (莲都), health_authority, college_l1 (self-evaluating unit) decide the nurse's or the
      lecturer's declarations; qingtian_l1, hospital_l1 (unit not self-evaluating) and provider do not.
    - county_l2 (莲都 HR bureau) spot-checks 莲都; city_l3 (市人力社保局) spot-checks everything.
    """
    return {
        "nurse": make_person(unit="hospital", name="王护士", with_login=True),
        "lecturer": make_person(unit="college", name="李讲师", with_login=True),
        "teacher": make_person(unit="school", name="陈老师", with_login=True),
        "county_l1": make_staff("reviewer", level=1, county="liandu", username="liandu_l1"),
        "health_authority": make_staff("industry_authority", series="health", username="health_authority"),
        "education_authority": make_staff("industry_authority", series="education", username="education_authority"),
        "college_l1": make_staff("reviewer", level=1, unit="college", username="college_l1"),
        "qingtian_l1": make_staff("reviewer", level=1, county="qingtian", username="qingtian_l1"),
        "hospital_l1": make_staff("reviewer", level=1, unit="hospital", username="hospital_l1"),
        "provider": make_staff("provider", username="provider"),
        "county_l2": make_staff("reviewer", level=2, county="liandu", username="liandu_l2"),
        "qingtian_l2": make_staff("reviewer", level=2, county="qingtian", username="qingtian_l2"),
        "city_l3": make_staff("reviewer", level=3, username="city_l3"),
    }

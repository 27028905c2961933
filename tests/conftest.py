"""Shared fixtures: a small synthetic city built through the real services (no mocks)."""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cehours.access.services import grant_create, token_issue
from cehours.access.signin import second_factor_required
from cehours.demo import synthetic_credit_code, synthetic_id_number
from cehours.ledger.models import Source
from cehours.ledger.services import entry_register
from cehours.people.models import County, Series, Unit
from cehours.people.services import person_register
from cehours.reports.pdf import FontMissing, font_faces
from cehours.reports.signing import make_self_signed
from cehours.rules.hours import CATEGORY_LABELS, Category

PASSWORD = "test-password-123"
_counter = itertools.count(1)
_rng = random.Random(11643)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many accounts; a cheap hasher keeps them quick. Logins still check the password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_shortcut_login = ClientMixin._login


def _login_with_second_factor(self, user, backend=None):
    _shortcut_login(self, user, backend)
    fresh = get_user_model().objects.get(pk=user.pk)  # the test's own user object keeps no cached grants
    if second_factor_required(fresh):
        device = TOTPDevice.objects.filter(user=fresh, confirmed=True).first() or TOTPDevice.objects.create(
            user=fresh, name="测试验证器", confirmed=True
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture(autouse=True)
def shortcut_logins_count_as_second_factor_verified(monkeypatch):
    """The test client's login() and force_login() skip the sign-in pages, and with them the TOTP
    step; tests of what a signed-in HR administrator or level-3 reviewer may do would otherwise all
    stop at the TOTP page. So those two shortcuts leave the session verified, as the TOTP page would
    (a confirmed device, its id in the session, exactly what django_otp.login stores).

    The sign-in pages themselves are not touched: tests/web/test_account*.py sign in through them
    (client.post("/login/") and the TOTP page) and prove that the second factor is asked for."""
    monkeypatch.setattr(ClientMixin, "_login", _login_with_second_factor)


@pytest.fixture
def city(db):
    """Two counties, two series, three units (one self-evaluating)."""
    liandu = County.objects.get(code="331102")
    qingtian = County.objects.get(code="331121")
    health = Series.objects.create(code="health", name="卫生")
    education = Series.objects.create(code="education", name="教育")
    units = {
        "hospital": Unit.objects.create(
            credit_code=synthetic_credit_code(_rng, "331102"), name="莲都测试医院", county=liandu, series=health
        ),
        "school": Unit.objects.create(
            credit_code=synthetic_credit_code(_rng, "331121"), name="青田测试学校", county=qingtian, series=education
        ),
        "college": Unit.objects.create(
            credit_code=synthetic_credit_code(_rng, "331102"),
            name="莲都测试学院",
            county=liandu,
            series=education,
            self_evaluating=True,
        ),
    }
    return {
        "counties": {"liandu": liandu, "qingtian": qingtian},
        "series": {"health": health, "education": education},
        "units": units,
    }


@pytest.fixture
def make_person(city):
    """make_person(unit="hospital", name=..., with_login=False) → Person (ID numbers are synthetic)."""

    def make(unit: str = "hospital", name: str | None = None, with_login: bool = False, **extra):
        u = city["units"][unit]
        person = person_register(
            name=name or f"测试人员{next(_counter)}",
            id_number=synthetic_id_number(_rng, u.county_id),
            county=u.county,
            unit=u,
            series=u.series,
            **extra,
        )
        if with_login:
            user = get_user_model().objects.create_user(f"person{person.pk}", password=PASSWORD)
            person.user = user
            person.save(update_fields=["user"])
        return person

    return make


@pytest.fixture
def make_staff(city):
    """make_staff(role, level=None, county=None, series=None, unit=None) → user with that one grant.

    county/series/unit are given by the keys of the `city` fixture ("liandu", "health", "hospital").
    """

    def make(role: str, level: int | None = None, county=None, series=None, unit=None, username=None):
        user = get_user_model().objects.create_user(username or f"staff{next(_counter)}", password=PASSWORD)
        grant_create(
            user=user,
            role=role,
            level=level,
            county=city["counties"][county] if county else None,
            series=city["series"][series] if series else None,
            unit=city["units"][unit] if unit else None,
        )
        return user

    return make


@pytest.fixture
def add_hours():
    """add_hours(person, year, general_public=..., industry_public=..., professional=...) via the ledger service."""

    def add(person, year: int, **hours_by_category):
        entries = []
        for category, hours in hours_by_category.items():
            if Decimal(str(hours)) == 0:
                continue
            entries.append(
                entry_register(
                    person=person,
                    category=category,
                    hours=Decimal(str(hours)),
                    source=Source.PLATFORM_COURSE,
                    title=f"{year}年{CATEGORY_LABELS[Category(category)]}课程",
                    completed_on=date(year, 6, 30),
                )
            )
        return entries

    return add


@pytest.fixture
def bearer():
    """bearer(user) → headers dict for the Django test client with a fresh personal token."""

    def make(user) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}

    return make


# Certificates (cehours.reports) need a signing certificate, made here self-signed per test, and a
# Chinese font to embed: the system's (.ci/run installs fonts-noto-cjk); without one they skip, saying so.
@pytest.fixture
def signing(settings, tmp_path):
    made = make_self_signed(tmp_path / "signing", "测试用学时平台（自签名）")
    settings.CEHOURS_SIGNING_CERT_FILE = str(made.cert_file)
    settings.CEHOURS_SIGNING_KEY_FILE = str(made.key_file)
    return made


@pytest.fixture
def cjk_font():
    try:
        return font_faces()
    except FontMissing:
        pytest.skip("no Chinese font to embed (apt-get install fonts-noto-cjk, or set CEHOURS_PDF_FONT)")


@pytest.fixture
def certifiable(signing, cjk_font):
    """Both of what issuing a certificate needs."""
    return signing

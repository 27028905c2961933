"""Every hour that enters is checked in the ledger's one door (R12a, R12c, DESIGN §2), whichever
way it comes: a person cannot train more than 6 hours on one calendar day however many records
describe it — declarations, connected systems and 高研班 together — and nothing dated after today
enters. What would exceed is not registered, and the system's answer, the reviewer and the person
see why (code `daily_cap`)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from cehours.ledger.models import LedgerEntry, PersonYearTotal, Source
from cehours.ledger.services import LedgerError, entry_register

from ..declarations.conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from ..declarations.support import decide, declare, today
from ..integration.conftest import make_system  # noqa: F401 - shared fixture
from ..integration.support import offline, online, post_batch


def _professional(person) -> Decimal:
    total = PersonYearTotal.objects.filter(person=person, year=today().year).first()
    return total.professional if total else Decimal("0.0")


def test_r12a_two_declarations_for_the_same_day_give_six_hours_not_twelve(cast):  # noqa: F811
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    first = decide(declare(nurse, "training", quantity="1", end_on=today()), reviewer, "approve")
    assert first.status == "approved"
    second = declare(nurse, "training", quantity="1", end_on=today())
    with pytest.raises(LedgerError) as refused:
        decide(second, reviewer, "approve")
    assert refused.value.code == "daily_cap"
    assert "当天线下学习已达每天 6 学时上限" in refused.value.message
    second.refresh_from_db()
    assert second.status == "submitted", "nothing changed: the reviewer is told why and may reject or return"
    assert _professional(nurse) == Decimal("6.0")


def test_r12a_a_connected_system_cannot_add_hours_to_a_day_a_declaration_filled(cast, make_system):  # noqa: F811
    nurse = cast["nurse"]
    decide(declare(nurse, "training", quantity="1"), cast["county_l1"], "approve")
    _, key = make_system("health-platform")
    day = today().isoformat()
    answer = post_batch(Client(), key, [offline("t-1", nurse.id_number, nurse.name, day, day, "8")]).json()
    (result,) = answer["results"]
    assert result["status"] == "rejected"
    assert [e["code"] for e in result["errors"]] == ["daily_cap"]
    assert "6 学时上限" in result["errors"][0]["message"]
    assert _professional(nurse) == Decimal("6.0")


def test_r12a_a_multi_day_record_registers_what_its_fullest_day_still_holds_and_says_so(cast, make_system):  # noqa: F811
    nurse = cast["nurse"]
    yesterday = today() - timedelta(days=1)
    entry_register(
        person=nurse, category="professional", hours="5", source=Source.CONNECTED_SYSTEM, title="半天培训",
        completed_on=yesterday, start_on=yesterday, end_on=yesterday, activity_type="offline_training",
        source_system="other-platform", source_record_id="x-1", day_capped=True,
    )  # fmt: skip
    _, key = make_system("health-platform")
    record = offline("t-2", nurse.id_number, nurse.name, yesterday.isoformat(), today().isoformat(), "12")
    (result,) = post_batch(Client(), key, [record]).json()["results"]
    assert (result["status"], result["hours"]) == ("created", "2.0")
    assert result["errors"][0]["code"] == "daily_cap"
    entry = LedgerEntry.objects.get(source_record_id="t-2")
    assert entry.hours == Decimal("2.0") and "按 2.0 学时登记" in entry.explanation
    # A resend is a duplicate, not measured against itself.
    (again,) = post_batch(Client(), key, [record]).json()["results"]
    assert again["status"] == "duplicate"


def test_r12a_r12c_a_seminar_keeps_its_fixed_hours_and_fills_its_days(cast, make_system):  # noqa: F811
    nurse = cast["nurse"]
    start, end = today() - timedelta(days=2), today() - timedelta(days=1)
    entry_register(
        person=nurse, category="professional", hours="60", source=Source.SEMINAR, title="高研班：国家级",
        completed_on=end, start_on=start, end_on=end, activity_type="advanced_seminar",
        source_system="seminar-1", source_record_id=str(nurse.pk), day_capped=True,
    )  # fmt: skip
    assert _professional(nurse) == Decimal("60.0"), "R12c: a national 高研班 is 60 hours whatever its length"
    _, key = make_system("health-platform")
    record = offline("t-3", nurse.id_number, nurse.name, start.isoformat(), start.isoformat(), "3")
    (result,) = post_batch(Client(), key, [record]).json()["results"]
    assert result["status"] == "rejected" and result["errors"][0]["code"] == "daily_cap"


def test_r12a_online_learning_does_not_count_toward_the_offline_day(cast, make_system):  # noqa: F811
    nurse = cast["nurse"]
    decide(declare(nurse, "training", quantity="1"), cast["county_l1"], "approve")
    _, key = make_system("health-platform")
    record = online("o-1", nurse.id_number, nurse.name, minutes=90, completed_on=today().isoformat())
    (result,) = post_batch(Client(), key, [record]).json()["results"]
    assert (result["status"], result["hours"]) == ("created", "2.0")


def test_nothing_dated_after_today_enters_by_any_path(cast, make_system):  # noqa: F811
    nurse = cast["nurse"]
    tomorrow = today() + timedelta(days=1)
    with pytest.raises(LedgerError) as refused:
        entry_register(
            person=nurse, category="professional", hours="2", source=Source.PLATFORM_COURSE, title="明天的课程",
            completed_on=tomorrow,
        )  # fmt: skip
    assert (refused.value.field, refused.value.code) == ("completed_on", "future_date")
    _, key = make_system("health-platform")
    record = offline("f-1", nurse.id_number, nurse.name, tomorrow.isoformat(), tomorrow.isoformat(), "2")
    (result,) = post_batch(Client(), key, [record]).json()["results"]
    assert result["status"] == "rejected"
    assert not LedgerEntry.objects.filter(person=nurse).exists()

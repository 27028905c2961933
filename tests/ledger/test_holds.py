"""Held records (DESIGN §2, R12c, R15, R17): hours no person checked that look implausible are neither
registered nor refused but held for a level-1 reviewer of the person's scope, who approves or
rejects; the connected system reads the outcome back by its record id, and an import shows the held
rows in its report. Every hold reason, each with its approve and reject outcome read back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cehours.access.policy import PolicyDenied
from cehours.audit.models import AuditEvent
from cehours.audit.services import audit_verify
from cehours.integration.exchange import import_hours
from cehours.ledger.holds import HoldError, held_decide
from cehours.ledger.models import HeldRecord, LedgerEntry, PersonYearTotal, Source
from cehours.ledger.rule_admin import rule_version_add
from cehours.ledger.selectors import held_queue
from cehours.ledger.services import entry_register
from cehours.rules.plausibility import similar_titles

from ..integration.conftest import make_system  # noqa: F401 - shared fixture
from ..integration.support import RECORDS_URL, offline, online, other, post_batch, seminar, system_auth

TODAY = timezone.localdate()


@pytest.fixture
def staff(make_staff):
    return {
        "liandu_l1": make_staff("reviewer", level=1, county="liandu"),
        "qingtian_l1": make_staff("reviewer", level=1, county="qingtian"),
        "l3": make_staff("reviewer", level=3),
        "hr": make_staff("hr_admin"),
    }


@pytest.fixture
def nurse(make_person):
    return make_person(unit="hospital", name="王护士")  # 莲都, health series


@pytest.fixture
def key(make_system):  # noqa: F811
    return make_system("health-platform")[1]


def read_back(key: str, sid: str) -> list[dict]:
    response = Client().get(RECORDS_URL, {"source_record_id": sid}, **system_auth(key))
    assert response.status_code == 200, response.content
    return response.json()


def professional(person, year: int) -> Decimal:
    total = PersonYearTotal.objects.filter(person=person, year=year).first()
    return total.professional if total else Decimal("0.0")


def test_a_900_hour_record_from_a_connected_system_is_held_not_registered_nor_refused(key, nurse, staff):
    """The issue's case: one `other` record of 900 hours."""
    answer = post_batch(Client(), key, [other("big-1", nurse.id_number, nurse.name, "900", category="professional")])
    body = answer.json()
    (result,) = body["results"]
    assert (result["status"], result["hours"]) == ("held", "900.0")
    assert (body["created"], body["held"], body["rejected"]) == (0, 1, 0)
    (error,) = result["errors"]
    assert (error["field"], error["code"]) == ("hours", "above_record_limit")
    assert "900.0 学时，超过未经人工审核的单条记录上限 60.0 学时" in error["message"]
    assert "待审核人员确认" in error["message"]
    assert not LedgerEntry.objects.filter(person=nurse).exists()
    (back,) = read_back(key, "big-1")
    assert (back["id"], back["status"], back["reason"]["code"], back["hours"]) == (
        None, "held", "above_record_limit", "900.0",
    )  # fmt: skip
    # A resend is answered by the same hold, not held twice; a changed content is a conflict.
    again = post_batch(Client(), key, [other("big-1", nurse.id_number, nurse.name, "900", category="professional")])
    assert again.json()["results"][0]["status"] == "held"
    changed = post_batch(Client(), key, [other("big-1", nurse.id_number, nurse.name, "901", category="professional")])
    assert [e["code"] for e in changed.json()["results"][0]["errors"]] == ["conflict"]
    assert HeldRecord.objects.count() == 1


def test_r17_the_hold_waits_for_a_level_1_reviewer_of_the_persons_scope_who_may_approve_it(key, nurse, staff):
    post_batch(Client(), key, [other("big-2", nurse.id_number, nurse.name, "80", category="professional")])
    held = HeldRecord.objects.get()
    assert list(held_queue(staff["liandu_l1"])) == [held]
    assert list(held_queue(staff["l3"])) == [held]
    assert not held_queue(staff["qingtian_l1"]).exists()
    with pytest.raises(PolicyDenied):
        held_decide(held=held, by=staff["qingtian_l1"], approve=True)
    decided = held_decide(held=held, by=staff["liandu_l1"], approve=True)
    assert (decided.status, decided.decided_level) == ("approved", 1)
    entry = LedgerEntry.objects.get(person=nurse)
    assert (entry.hours, entry.source, entry.source_record_id, decided.entry_id) == (
        Decimal("80.0"), Source.CONNECTED_SYSTEM, "big-2", entry.pk,
    )  # fmt: skip
    assert professional(nurse, entry.year) == Decimal("80.0")
    (back,) = read_back(key, "big-2")
    assert (back["id"], back["status"], back["reason"]) == (entry.pk, "registered", None)
    # Once registered, a resend is a duplicate like any registered record.
    resend = post_batch(Client(), key, [other("big-2", nurse.id_number, nurse.name, "80", category="professional")])
    assert resend.json()["results"][0]["status"] == "duplicate"
    with pytest.raises(HoldError, match="已审核"):
        held_decide(held=held, by=staff["liandu_l1"], approve=False, reason="重复")
    assert AuditEvent.objects.filter(action="ledger.held_record_approved", object_id=str(held.pk)).exists()
    assert audit_verify()[1] == []


def test_a_rejection_needs_a_reason_which_the_system_reads_back(key, nurse, staff):
    post_batch(Client(), key, [other("big-3", nurse.id_number, nurse.name, "120", category="professional")])
    held = HeldRecord.objects.get()
    with pytest.raises(HoldError) as refused:
        held_decide(held=held, by=staff["liandu_l1"], approve=False, reason="  ")
    assert refused.value.field == "reason"
    assert HeldRecord.objects.get().status == "pending"
    held_decide(held=held, by=staff["liandu_l1"], approve=False, reason="一次培训不可能有 120 学时")
    assert not LedgerEntry.objects.exists()
    (back,) = read_back(key, "big-3")
    assert (back["id"], back["status"], back["reason"]["code"]) == (None, "rejected", "held_rejected")
    assert back["reason"]["message"] == "该记录经审核不予登记：一次培训不可能有 120 学时"
    resend = post_batch(Client(), key, [other("big-3", nurse.id_number, nurse.name, "120", category="professional")])
    (result,) = resend.json()["results"]
    assert (result["status"], [e["code"] for e in result["errors"]]) == ("rejected", ["held_rejected"])


def test_a_provincial_import_of_500_hours_shows_the_held_row_in_its_report(hr_user, nurse, staff):
    rows = iter(
        [
            (2, _province_row("zj-1", nurse, "500")),
            (3, _province_row("zj-2", nurse, "3", title="省平台法律法规学习")),
        ]
    )
    report = import_hours(rows=rows, user=hr_user, dry_run=False)
    assert [(r.row, r.status) for r in report.rows] == [(2, "held"), (3, "created")]
    assert "超过未经人工审核的单条记录上限 60.0 学时" in report.rows[0].errors[0]
    assert ("暂缓登记", 1) in report.counts
    assert HeldRecord.objects.get().source == Source.PROVINCIAL_IMPORT
    assert professional(nurse, TODAY.year) == Decimal("3.0")


def _province_row(sid: str, person, hours: str, title: str = "省平台专业科目学习") -> dict[str, str]:
    return {
        "source_record_id": sid, "id_number": person.id_number, "name": person.name, "year": str(TODAY.year),
        "category": "professional", "hours": hours, "title": title, "completed_on": TODAY.isoformat(),
    }  # fmt: skip


@pytest.fixture
def hr_user(staff):
    return staff["hr"]


def test_the_same_training_from_the_province_and_a_city_system_is_held_as_a_likely_duplicate(
    key, nurse, staff, hr_user
):
    day = (TODAY - timedelta(days=10)).isoformat()
    city = post_batch(
        Client(), key, [offline("city-1", nurse.id_number, nurse.name, day, day, "6", title="护理质量管理培训班")]
    )
    assert city.json()["results"][0]["status"] == "created"
    province = _province_row("zj-9", nurse, "6", title="护理质量管理培训班（第一期）")
    province["completed_on"] = day
    report = import_hours(rows=iter([(2, province)]), user=hr_user, dry_run=False)
    assert report.rows[0].status == "held"
    held = HeldRecord.objects.get()
    assert (held.reason, held.similar_to.source_record_id) == ("likely_duplicate", "city-1")
    assert "护理质量管理培训班" in held.reason_detail and "疑似同一学习重复登记" in held.reason_detail
    assert professional(nurse, TODAY.year) == Decimal("6.0")
    # A different training on the same day, or the same title from the same system, is not held.
    other_title = post_batch(
        Client(), key, [online("city-2", nurse.id_number, nurse.name, minutes=90, completed_on=day, title="院感防控")]
    )
    assert other_title.json()["results"][0]["status"] == "created"
    # The reviewer rejects it as the duplicate it is: the person keeps 6 hours, not 12.
    held_decide(held=held, by=staff["liandu_l1"], approve=False, reason="与市级系统登记的同一培训重复")
    assert professional(nurse, TODAY.year) == Decimal("8.0")


def test_a_system_year_limit_and_an_oldest_year_are_options_off_by_default(key, nurse, staff):
    old = (TODAY.replace(year=TODAY.year - 8)).isoformat()
    answer = post_batch(
        Client(), key,
        [online("old-1", nurse.id_number, nurse.name, minutes=450, completed_on=old)]
        + [online("y-0", nurse.id_number, nurse.name, minutes=2700, title="课程0号")],
    )  # fmt: skip
    assert [r["status"] for r in answer.json()["results"]] == ["created"] * 2, "no such rule by default"

    rule_version_add(
        by=staff["l3"], code="丽人社〔2026〕99号", issuing_level="city", effective_from=TODAY - timedelta(days=3650),
        values={"oldest_record_years": "5", "system_year_hours_limits": "health-platform=200"},
    )  # fmt: skip
    answer = post_batch(
        Client(), key,
        [online("old-2", nurse.id_number, nurse.name, minutes=450, completed_on=old, title="旧课程")]
        + [online(f"z-{i}", nurse.id_number, nurse.name, minutes=2700, title=f"新课程{i}号") for i in range(3)],
    )  # fmt: skip
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["held", "created", "created", "held"]
    assert results[0]["errors"][0]["code"] == "too_old"
    assert f"记录年度 {TODAY.year - 8} 早于可直接登记的最早年度（当年以前 5 年）" in results[0]["errors"][0]["message"]
    assert results[3]["errors"][0]["code"] == "above_system_year_limit"
    message = results[3]["errors"][0]["message"]
    assert "已为该人员登记 180.0 学时，加上本条 60.0 学时超过每人每年上限 200.0 学时" in message
    held = HeldRecord.objects.get(source_record_id="z-2")
    held_decide(held=held, by=staff["liandu_l1"], approve=True)
    assert professional(nurse, 2025) == Decimal("240.0")  # online() records are completed in 2025


def test_an_approval_still_meets_the_day_cap_and_the_reviewer_is_told(key, nurse, staff, make_system):  # noqa: F811
    day = (TODAY - timedelta(days=3)).isoformat()
    post_batch(Client(), key, [offline("d-1", nurse.id_number, nurse.name, day, day, "6", title="急救技能培训")])
    province_like = offline("d-2", nurse.id_number, nurse.name, day, day, "6", title="急救技能培训")
    post_batch(Client(), make_system("other-platform")[1], [province_like])
    held = HeldRecord.objects.get()
    assert held.reason == "likely_duplicate"
    with pytest.raises(HoldError) as refused:
        held_decide(held=held, by=staff["liandu_l1"], approve=True)
    assert refused.value.code == "daily_cap" and "请不予登记并说明理由" in refused.value.message
    assert HeldRecord.objects.get().status == "pending"


def test_a_seminar_record_of_60_hours_is_within_the_limit(key, nurse):
    answer = post_batch(Client(), key, [seminar("s-1", nurse.id_number, nurse.name, "national")])
    assert answer.json()["results"][0]["status"] == "created"


def test_the_held_records_page_lists_and_decides_in_chinese(client, key, nurse, staff):
    post_batch(Client(), key, [other("big-9", nurse.id_number, nurse.name, "75", category="professional")])
    client.force_login(staff["liandu_l1"])
    page = client.get("/review/held/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "暂缓登记的记录（共 1 条待审核）" in text
    assert "王护士" in text and "单条记录学时超过上限" in text and "75.0" in text
    assert "above_record_limit" not in text and "pending" not in text
    held = HeldRecord.objects.get()
    refused = client.post(f"/review/held/{held.pk}/", {"action": "reject", "reason": ""}, follow=True)
    assert "理由：不予登记须填写理由" in refused.content.decode()
    done = client.post(f"/review/held/{held.pk}/", {"action": "approve"}, follow=True)
    assert "王护士“公需科目学习”：已确认登记" in done.content.decode()
    assert LedgerEntry.objects.filter(person=nurse, hours=Decimal("75.0")).exists()
    outsider = Client()
    outsider.force_login(staff["qingtian_l1"])
    assert outsider.post(f"/review/held/{held.pk}/", {"action": "reject", "reason": "x"}).status_code == 404


def test_a_declaration_is_never_held_however_many_hours(nurse, staff):
    entry = entry_register(
        person=nurse, category="professional", hours="80", source=Source.DECLARATION, title="经审核的申报",
        completed_on=TODAY,
    )  # fmt: skip
    assert entry.hours == Decimal("80.0")
    assert not HeldRecord.objects.exists()


# The title comparison, for every pair of titles.

titles = st.text(alphabet=st.sampled_from("护理质量管理培训班第一二期2025（）() -"), max_size=20)


@given(titles, titles)
def test_similar_titles_is_symmetric_and_every_title_is_like_itself(a, b):
    assert similar_titles(a, b) == similar_titles(b, a)
    assert similar_titles(a, a) == any(ch.isalnum() for ch in a)


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("护理质量管理培训班", "护理质量管理培训班（第一期）", True),
        ("护理质量管理培训班", "护理 质量管理 培训班", True),
        ("公需科目（一）", "公需科目（二）", False),
        ("2025年度法律法规", "2026年度法律法规", False),
        ("培训", "急救技能培训", False),
        ("急救技能培训", "医院感染防控", False),
    ],
)
def test_what_counts_as_a_similar_title(a, b, alike):
    assert similar_titles(a, b) is alike


def _hold_case(reason: str, nurse, key, make_system, staff) -> str:  # noqa: F811
    """Send a record the door holds for `reason`; returns its source record id."""
    day = (TODAY - timedelta(days=20)).isoformat()
    if reason == "above_record_limit":
        record = other("case", nurse.id_number, nurse.name, "61", category="professional")
    elif reason == "too_old" or reason == "above_system_year_limit":
        rule_version_add(
            by=staff["l3"], code=f"丽人社〔2026〕{reason}", issuing_level="city",
            effective_from=TODAY - timedelta(days=3650),
            values={"oldest_record_years": "3", "system_year_hours_limits": "health-platform=10"},
        )  # fmt: skip
        if reason == "too_old":
            record = online("case", nurse.id_number, nurse.name, minutes=90, completed_on=f"{TODAY.year - 5}-06-01")
        else:
            record = other("case", nurse.id_number, nurse.name, "11", category="professional", completed_on=day)
    else:
        _, elsewhere = make_system("county-platform")
        first = online("first", nurse.id_number, nurse.name, minutes=90, completed_on=day, title="医德医风专题")
        assert post_batch(Client(), elsewhere, [first]).json()["results"][0]["status"] == "created"
        record = online("case", nurse.id_number, nurse.name, minutes=90, completed_on=day, title="医德医风专题")
    (result,) = post_batch(Client(), key, [record]).json()["results"]
    assert (result["status"], result["errors"][0]["code"]) == ("held", reason)
    return "case"


@pytest.mark.parametrize("reason", ["above_record_limit", "too_old", "above_system_year_limit", "likely_duplicate"])
@pytest.mark.parametrize("approve", [True, False])
def test_every_hold_reason_approved_or_rejected_is_read_back_by_the_system(
    reason, approve, nurse, key, make_system, staff  # noqa: F811
):
    sid = _hold_case(reason, nurse, key, make_system, staff)
    (waiting,) = read_back(key, sid)
    assert (waiting["status"], waiting["reason"]["code"]) == ("held", reason)
    held = HeldRecord.objects.get(source_record_id=sid)
    held_decide(held=held, by=staff["liandu_l1"], approve=approve, reason="" if approve else "核实后不予登记")
    (back,) = read_back(key, sid)
    if approve:
        entry = LedgerEntry.objects.get(source_system="health-platform", source_record_id=sid)
        assert (back["status"], back["id"], back["reason"], back["hours"]) == (
            "registered", entry.pk, None, str(held.hours),
        )  # fmt: skip
    else:
        assert (back["status"], back["id"], back["reason"]["code"]) == ("rejected", None, "held_rejected")
        assert not LedgerEntry.objects.filter(source_system="health-platform", source_record_id=sid).exists()

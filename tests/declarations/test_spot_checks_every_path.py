"""Spot checks reach every path into the ledger (R17, R21, DESIGN §5) and the integrity archive takes
an entry of any source (R20).

Levels 2 and 3 sample, with the same reproducible draw as declarations, a connected system's records
(one system per draw), provincial-import rows, 高研班 registrations and level-1 decisions on held
records. An overturn reverses the entry through the ledger (the system reads `reversed` back) or
flips the held decision, tells the person (and the first decider), and counts against the system or
the decider in the statistics. Everything through the real services and endpoints, no mocks.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from cehours.access.policy import PolicyDenied
from cehours.declarations.models import IntegrityEntry, Notice, SpotCheck, SpotCheckItem
from cehours.declarations.seminars import attendees_check, attendees_submit, seminar_decide, seminar_file
from cehours.declarations.services import DeclarationError, integrity_record
from cehours.declarations.spotchecks import (
    reviewer_statistics,
    spot_check_candidates,
    spot_check_draw,
    spot_check_rederive,
    spot_check_review,
    spot_check_systems,
    system_statistics,
)
from cehours.integration.exchange import import_hours, province_system
from cehours.integration.keys import key_issue
from cehours.ledger.holds import held_decide
from cehours.ledger.models import HeldRecord, LedgerEntry, Source
from cehours.people.models import Series
from cehours.rules.sampling import draw_sample

from ..integration.conftest import make_system  # noqa: F401 - shared fixture
from ..integration.support import RECORDS_URL, online, other, post_batch, system_auth
from .support import today, year_totals

Kind = SpotCheck.Source
SYSTEM_NAME = "丽水卫生健康学习平台"


def _draw(by, source, system_code="", rate="1", minimum=0, seed=None) -> SpotCheck:
    return spot_check_draw(
        by=by,
        rate=Decimal(rate),
        minimum_per_reviewer=minimum,
        decided_from=today() - timedelta(days=1),
        decided_to=today(),
        seed=seed,
        source=source,
        system_code=system_code,
    )


def _sampled_ids(check: SpotCheck) -> list[int]:
    return sorted(i.subject.pk for i in check.items.all())


def _read_back(key: str, sid: str) -> list[dict]:
    response = Client().get(RECORDS_URL, {"source_record_id": sid}, **system_auth(key))
    assert response.status_code == 200, response.content
    return response.json()


def _text(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# ---- the records of each source --------------------------------------------------------------


@pytest.fixture
def system(make_system):  # noqa: F811 - the fixture imported above
    """A connected system with its key; its name is what people see."""
    return make_system("health-platform", name=SYSTEM_NAME)


@pytest.fixture
def system_records(cast, system):
    """Four online courses the system registered by itself: three of the nurse's, one of the lecturer's."""
    _, key = system
    nurse, lecturer = cast["nurse"], cast["lecturer"]
    records = [online(f"sys-{n}", nurse.id_number, nurse.name, title=f"在线课程第{n}讲") for n in range(1, 4)]
    records.append(online("sys-4", lecturer.id_number, lecturer.name, title="在线课程第4讲"))
    answer = post_batch(Client(), key, records).json()
    assert answer["created"] == 4, answer
    return list(LedgerEntry.objects.filter(source_system="health-platform").order_by("source_record_id"))


def _province_row(sid: str, person, hours: str, title: str) -> dict[str, str]:
    return {
        "source_record_id": sid, "id_number": person.id_number, "name": person.name, "year": str(today().year),
        "category": "professional", "hours": hours, "title": title, "completed_on": today().isoformat(),
    }  # fmt: skip


@pytest.fixture
def import_rows(cast, make_staff):
    """Two rows of a provincial file imported by the city HR administrator; the province's key reads them back."""
    rows = [
        (2, _province_row("zj-1", cast["nurse"], "3", "省平台法律法规学习")),
        (3, _province_row("zj-2", cast["lecturer"], "4", "省平台教育技术学习")),
    ]
    report = import_hours(rows=iter(rows), user=make_staff("hr_admin", username="city_hr"), dry_run=False)
    assert [r.status for r in report.rows] == ["created", "created"]
    return key_issue(system=province_system())


@pytest.fixture
def seminar_registrations(cast, make_staff, make_person):
    """A municipal 卫生 高研班 approved by city HR and the health authority; city HR checks its list,
    which registers 36 hours for the nurse and another 莲都 nurse."""
    hr = make_staff("hr_admin", username="seminar_hr")
    colleague = make_person(unit="hospital", name="赵护士", with_login=True)
    year = today().year
    project = seminar_file(
        by=cast["provider"], name="基层急诊急救高级研修班", organiser="丽水市卫生健康委员会", level="municipal",
        series=Series.objects.get(code="health"), year=year, start_on=date(year, 1, 1), end_on=date(year, 1, 3),
    )  # fmt: skip
    seminar_decide(project=project, by=hr, approve=True)
    seminar_decide(project=project, by=cast["health_authority"], approve=True)
    rows = [(2, {"id_number": p.id_number, "name": p.name}) for p in (cast["nurse"], colleague)]
    submitted = attendees_submit(project=project, by=cast["provider"], rows=rows)
    assert [status for _, status, _ in attendees_check(attendees=submitted, by=hr, register=True)] == ["created"] * 2
    return {"hr": hr, "project": project, "colleague": colleague}


@pytest.fixture
def held_decisions(cast, system):
    """Records over the 60-hour limit the system sent, held and decided by 莲都's level-1 reviewer:
    the nurse's 80 hours approved, her 90 hours rejected, the lecturer's 70 hours approved."""
    _, key = system
    nurse, lecturer = cast["nurse"], cast["lecturer"]
    records = [
        other("big-1", nurse.id_number, nurse.name, "80", category="professional", title="全年护理培训"),
        other("big-2", nurse.id_number, nurse.name, "90", category="professional", title="全年急救培训"),
        other("big-3", lecturer.id_number, lecturer.name, "70", category="professional", title="全年教学培训"),
    ]
    answer = post_batch(Client(), key, records).json()
    assert answer["held"] == 3, answer
    held = {h.source_record_id: h for h in HeldRecord.objects.all()}
    return {
        "approved": held_decide(held=held["big-1"], by=cast["county_l1"], approve=True),
        "rejected": held_decide(
            held=held["big-2"], by=cast["county_l1"], approve=False, reason="一次培训不可能有 90 学时"
        ),
        "lecturer": held_decide(held=held["big-3"], by=cast["county_l1"], approve=True),
    }


@pytest.fixture
def every_source(cast, system, system_records, import_rows, seminar_registrations, held_decisions):
    return {
        Kind.CONNECTED_SYSTEM: "health-platform",
        Kind.PROVINCIAL_IMPORT: "",
        Kind.SEMINAR: "",
        Kind.HELD_DECISION: "",
    }


SOURCES = [Kind.CONNECTED_SYSTEM, Kind.PROVINCIAL_IMPORT, Kind.SEMINAR, Kind.HELD_DECISION]


# ---- every source draws reproducibly, inside the drawer's scope ------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_r17_a_draw_of_each_source_re_derives_from_its_seed(cast, every_source, source):
    check = _draw(cast["county_l2"], source, every_source[source], rate="0.5", seed=f"丽水-{source}")
    assert (check.source, check.system_code) == (source, every_source[source])
    assert check.candidate_ids, "the little city has candidates of every source"
    pairs = [(d, g) for d, g in check.candidate_ids]
    assert check.sample_ids == draw_sample(pairs, rate=Decimal("0.5"), minimum_per_reviewer=0, seed=f"丽水-{source}")
    assert spot_check_rederive(check) == check.sample_ids == _sampled_ids(check)
    again = _draw(cast["county_l2"], source, every_source[source], rate="0.5", seed=f"丽水-{source}")
    assert again.sample_ids == check.sample_ids, "the same seed over the same records draws the same sample"


def test_r17_the_group_a_minimum_applies_to_is_the_system_the_approver_or_the_decider(
    cast, every_source, seminar_registrations
):
    groups = {
        source: {g for _, g in _draw(cast["city_l3"], source, every_source[source]).candidate_ids} for source in SOURCES
    }
    assert groups[Kind.CONNECTED_SYSTEM] == {"health-platform"}
    assert groups[Kind.PROVINCIAL_IMPORT] == {"zj-province"}
    assert groups[Kind.SEMINAR] == {seminar_registrations["hr"].pk}
    assert groups[Kind.HELD_DECISION] == {cast["county_l1"].pk}
    check = _draw(cast["city_l3"], Kind.CONNECTED_SYSTEM, "health-platform", rate="0.01", minimum=2)
    assert len(check.sample_ids) == 2, "the minimum lifts a small rate, per system"


def test_r17_candidates_are_the_sources_records_in_scope_never_a_reversal_nor_one_reversed(cast, every_source):
    nurse = cast["nurse"]
    check = _draw(cast["county_l2"], Kind.CONNECTED_SYSTEM, "health-platform")
    entries = LedgerEntry.objects.filter(pk__in=check.sample_ids)
    # The three online courses, the lecturer's course, and the two approved held records of the system.
    assert set(entries.values_list("source_record_id", flat=True)) == {
        "sys-1", "sys-2", "sys-3", "sys-4", "big-1", "big-3",
    }  # fmt: skip
    assert {i.original_reviewer_id for i in check.items.all()} == {None}, "a system's record has no first reviewer"
    assert set(_draw(cast["county_l2"], Kind.PROVINCIAL_IMPORT).items.values_list("entry__title", flat=True)) == {
        "省平台法律法规学习",
        "省平台教育技术学习",
    }
    seminar = _draw(cast["county_l2"], Kind.SEMINAR)
    assert {i.entry.source for i in seminar.items.all()} == {Source.SEMINAR} and len(seminar.sample_ids) == 2
    held = _draw(cast["county_l2"], Kind.HELD_DECISION)
    assert sorted(held.items.values_list("original_status", flat=True)) == ["approved", "approved", "rejected"]

    reversed_one = LedgerEntry.objects.get(source_record_id="sys-1")
    integrity_record(person=nurse, entry=reversed_one, finding="代学", by=cast["city_l3"], on=today())
    later = _draw(cast["county_l2"], Kind.CONNECTED_SYSTEM, "health-platform")
    assert reversed_one.pk not in later.sample_ids
    assert not LedgerEntry.objects.filter(pk__in=later.sample_ids, reverses__isnull=False).exists()


@pytest.mark.parametrize("source", SOURCES)
def test_r17_another_countys_level_2_draws_none_of_them(cast, every_source, source):
    qingtian_l2 = cast["qingtian_l2"]
    candidates, level = spot_check_candidates(
        qingtian_l2,
        decided_from=today() - timedelta(days=1),
        decided_to=today(),
        source=source,
        system_code=every_source[source],
    )
    assert level == 2 and list(candidates) == []
    if source == Kind.CONNECTED_SYSTEM:
        assert spot_check_systems(qingtian_l2) == []
        with pytest.raises(DeclarationError) as refused:
            _draw(qingtian_l2, source, "health-platform")
        assert refused.value.field == "system_code"
    else:
        assert _draw(qingtian_l2, source).sample_ids == []


@pytest.mark.parametrize("who", ["county_l1", "health_authority", "provider"])
def test_r17_below_level_2_nobody_draws_any_source(cast, every_source, who):
    for source in SOURCES:
        with pytest.raises(PolicyDenied, match="只有二级、三级管理权限可以抽查复审"):
            _draw(cast[who], source, every_source[source])
    assert not SpotCheck.objects.exists()


def test_r17_a_system_draw_names_its_system_and_only_one_the_drawer_reaches(cast, system_records):
    assert spot_check_systems(cast["county_l2"]) == [("health-platform", SYSTEM_NAME)]
    for code, message in (("", "须选择对接系统"), ("no-such-system", "没有登记记录")):
        with pytest.raises(DeclarationError, match=message) as refused:
            _draw(cast["county_l2"], Kind.CONNECTED_SYSTEM, code)
        assert refused.value.field == "system_code"
    with pytest.raises(DeclarationError) as refused:
        _draw(cast["county_l2"], "everything")
    assert refused.value.field == "source"
    assert not SpotCheck.objects.exists()


# ---- overturns: the entry reversed, the system reads it back, the person is told --------------


def test_r17_overturning_a_connected_system_record_reverses_it_and_counts_against_the_system(
    cast, system, system_records
):
    _, key = system
    nurse, county_l2 = cast["nurse"], cast["county_l2"]
    check = _draw(county_l2, Kind.CONNECTED_SYSTEM, "health-platform")
    entry = LedgerEntry.objects.get(source_record_id="sys-2")
    before = year_totals(nurse, entry.year).professional
    item = check.items.get(entry=entry)
    spot_check_review(item=item, by=county_l2, outcome="overturned", reason="该课程未完成观看")

    reversal = LedgerEntry.objects.get(reverses=entry)
    assert (reversal.hours, reversal.explanation) == (-entry.hours, "抽查复审改判：该课程未完成观看")
    assert year_totals(nurse, entry.year).professional == before - entry.hours
    (back,) = _read_back(key, "sys-2")
    assert (back["id"], back["status"], back["reversed"]) == (entry.pk, "reversed", True)
    assert Notice.objects.filter(
        user=nurse.user,
        message=f"您的学时记录“在线课程第2讲”（对接系统“{SYSTEM_NAME}”登记，{entry.hours} 学时）经抽查复审改判，"
        "已冲销：该课程未完成观看",
    ).exists()

    spot_check_review(item=check.items.get(entry__source_record_id="sys-3"), by=county_l2, outcome="upheld", reason="")
    (row,) = system_statistics(county_l2)
    assert row == {
        "source": "connected_system",
        "source_label": "对接系统",
        "system": "health-platform",
        "name": SYSTEM_NAME,
        "records": 4,
        "checked": 2,
        "checked_share": 0.5,
        "overturned": 1,
        "overturn_rate": 0.5,
    }
    assert system_statistics(cast["qingtian_l2"]) == [], "the 莲都 system's records are not 青田's to count"
    assert system_statistics(cast["county_l1"]) == []


def test_r17_overturning_an_imported_row_reverses_it_and_the_province_reads_it_back(cast, import_rows):
    nurse, county_l2 = cast["nurse"], cast["county_l2"]
    check = _draw(county_l2, Kind.PROVINCIAL_IMPORT)
    item = check.items.get(entry__source_record_id="zj-1")
    spot_check_review(item=item, by=county_l2, outcome="overturned", reason="省平台记录与本人不符")
    assert LedgerEntry.objects.filter(reverses=item.entry).exists()
    (back,) = _read_back(import_rows, "zj-1")
    assert back["status"] == "reversed"
    assert Notice.objects.filter(user=nurse.user, message__contains="“省平台法律法规学习”（省平台导入登记").exists()
    rows = {r["system"]: r for r in system_statistics(county_l2)}
    assert (rows["zj-province"]["source_label"], rows["zj-province"]["name"]) == (
        "省平台导入",
        "浙江省专业技术人员继续教育学时登记管理系统",
    )
    assert (rows["zj-province"]["records"], rows["zj-province"]["overturned"]) == (2, 1)


def test_r17_overturning_a_seminar_registration_reverses_it_and_tells_the_person_and_the_approver(
    cast, seminar_registrations
):
    nurse, county_l2, hr = cast["nurse"], cast["county_l2"], seminar_registrations["hr"]
    year = today().year
    assert year_totals(nurse, year).professional == Decimal("36.0")
    check = _draw(county_l2, Kind.SEMINAR)
    item = check.items.get(entry__person=nurse)
    assert item.original_reviewer == hr, "the authority that checked the list registered it"
    spot_check_review(item=item, by=county_l2, outcome="overturned", reason="签到表显示本人未参加")
    assert year_totals(nurse, year).professional == Decimal("0.0")
    assert Notice.objects.filter(
        user=nurse.user, message__contains="“高研班：基层急诊急救高级研修班”（高研班“基层急诊急救高级研修班”登记"
    ).exists()
    assert Notice.objects.filter(user=hr, message__contains="经抽查复审被改判，已冲销：签到表显示本人未参加").exists()
    (row,) = system_statistics(county_l2)
    assert (row["source_label"], row["name"], row["records"], row["checked"], row["overturned"]) == (
        "高研班", "基层急诊急救高级研修班", 2, 1, 1,
    )  # fmt: skip


def test_r17_overturning_an_approved_held_record_reverses_it_and_counts_against_the_decider(
    cast, system, held_decisions
):
    _, key = system
    nurse, county_l2, county_l1 = cast["nurse"], cast["county_l2"], cast["county_l1"]
    approved = held_decisions["approved"]
    check = _draw(county_l2, Kind.HELD_DECISION)
    item = check.items.get(held=approved)
    assert (item.original_status, item.original_reviewer) == ("approved", county_l1)
    spot_check_review(item=item, by=county_l2, outcome="overturned", reason="一年内不可能完成 80 学时")

    approved.refresh_from_db()
    assert (approved.status, approved.decision_reason) == ("rejected", "抽查复审改判：一年内不可能完成 80 学时")
    assert LedgerEntry.objects.filter(reverses=approved.entry).exists()
    assert {r["status"] for r in _read_back(key, "big-1")} == {"reversed", "rejected"}
    assert Notice.objects.filter(
        user=nurse.user,
        message__contains=f"“全年护理培训”（对接系统“{SYSTEM_NAME}”报送，80.0 学时）经抽查复审改判为不予登记",
    ).exists()
    assert Notice.objects.filter(
        user=county_l1, message="您审核的暂缓登记记录“全年护理培训”（王护士）经抽查复审被改判：一年内不可能完成 80 学时"
    ).exists()

    spot_check_review(item=check.items.get(held=held_decisions["lecturer"]), by=county_l2, outcome="upheld", reason="")
    (row,) = [r for r in reviewer_statistics(county_l2) if r["reviewer"] == "liandu_l1"]
    assert (row["held_decisions"], row["held_checked"], row["held_overturned"], row["held_overturn_rate"]) == (
        3, 2, 1, 0.5,
    )  # fmt: skip
    assert row["decisions"] == 0, "no declaration decided"
    assert [r for r in reviewer_statistics(cast["qingtian_l2"]) if r["reviewer"] == "liandu_l1"] == []
    # An overturned decision is the spot check's own now: a later draw does not offer it again.
    assert approved.pk not in _draw(county_l2, Kind.HELD_DECISION).sample_ids


def test_r17_overturning_a_rejected_held_record_registers_it(cast, system, held_decisions):
    _, key = system
    nurse, county_l2 = cast["nurse"], cast["county_l2"]
    rejected = held_decisions["rejected"]
    item = _draw(county_l2, Kind.HELD_DECISION).items.get(held=rejected)
    spot_check_review(item=item, by=county_l2, outcome="overturned", reason="培训档案显示确为全年脱产培训")
    rejected.refresh_from_db()
    assert rejected.status == "approved" and rejected.entry.hours == Decimal("90.0")
    (back,) = _read_back(key, "big-2")
    assert (back["id"], back["status"]) == (rejected.entry_id, "registered")
    told = Notice.objects.filter(
        user=nurse.user, message__endswith="经抽查复审改判为登记：培训档案显示确为全年脱产培训"
    )
    assert told.exists()


def test_r17_level_3_also_re_reviews_level_2_held_decisions_level_2_only_level_1(cast, system, make_staff):
    _, key = system
    nurse = cast["nurse"]
    post_batch(Client(), key, [other("big-9", nurse.id_number, nurse.name, "75", category="professional")])
    other_l2 = make_staff("reviewer", level=2, county="liandu")
    decided = held_decide(held=HeldRecord.objects.get(), by=other_l2, approve=True)
    assert decided.decided_level == 2
    assert _draw(cast["county_l2"], Kind.HELD_DECISION).sample_ids == []
    assert _draw(cast["city_l3"], Kind.HELD_DECISION).sample_ids == [decided.pk]
    assert _draw(other_l2, Kind.HELD_DECISION).sample_ids == [], "never one's own decision"


def test_r17_upholding_a_record_changes_nothing(cast, system_records):
    county_l2 = cast["county_l2"]
    item = _draw(county_l2, Kind.CONNECTED_SYSTEM, "health-platform").items.first()
    entries, notices = LedgerEntry.objects.count(), Notice.objects.count()
    spot_check_review(item=item, by=county_l2, outcome="upheld", reason="")
    assert (LedgerEntry.objects.count(), Notice.objects.count()) == (entries, notices)
    with pytest.raises(DeclarationError, match="已复审"):
        spot_check_review(item=item, by=county_l2, outcome="overturned", reason="再次改判")


def test_r17_only_the_drawer_reviews_and_an_overturn_needs_a_reason(cast, system_records, held_decisions):
    county_l2 = cast["county_l2"]
    for source, code in ((Kind.CONNECTED_SYSTEM, "health-platform"), (Kind.HELD_DECISION, "")):
        item = _draw(county_l2, source, code).items.first()
        with pytest.raises(DeclarationError) as refused:
            spot_check_review(item=item, by=county_l2, outcome="overturned", reason="  ")
        assert refused.value.field == "reason"
        for outsider in ("city_l3", "qingtian_l2", "county_l1"):
            with pytest.raises(PolicyDenied, match="不在您的复审范围内"):
                spot_check_review(item=item, by=cast[outsider], outcome="overturned", reason="越权改判")
        item.refresh_from_db()
        assert item.outcome == SpotCheckItem.PENDING
    assert not LedgerEntry.objects.filter(reverses__isnull=False).exists()


# ---- the pages ---------------------------------------------------------------------------------


def test_r17_level_2_draws_a_systems_records_on_the_page_and_overturns_one(client, cast, system, system_records):
    _, key = system
    client.force_login(cast["county_l2"])
    page = client.get("/spot-checks/")
    assert f'<option value="health-platform">{SYSTEM_NAME}</option>' in page.content.decode()
    form = {"percent": "100", "minimum_per_reviewer": "0", "decided_from": today(), "decided_to": today()}

    missing = client.post("/spot-checks/", {**form, "source": "connected_system"})
    assert missing.status_code == 400
    assert "对接系统：抽查对接系统登记的记录须选择对接系统" in _text(missing)
    wrong = client.post("/spot-checks/", {**form, "source": "connected_system", "system_code": "other"})
    assert "对接系统：所选对接系统在您的抽查范围内没有登记记录" in _text(wrong)
    bogus = client.post("/spot-checks/", {**form, "source": "everything"})
    assert "抽查对象：抽查对象无效，请从列表中选择" in _text(bogus)
    assert not SpotCheck.objects.exists()

    response = client.post(
        "/spot-checks/", {**form, "source": "connected_system", "system_code": "health-platform"}, follow=True
    )
    check = SpotCheck.objects.get()
    text = _text(response)
    assert "已抽取 4 件（候选 4 件）。" in text
    assert f"抽查对象 对接系统登记的记录：{SYSTEM_NAME}" in text
    assert "王护士 · 在线课程第1讲 （专业科目 1.0 学时）" in text and f"来自对接系统“{SYSTEM_NAME}”" in text
    assert "原登记：系统直接登记，未经人工审核" in text
    assert "health-platform" not in text, "people see the system's name, never its code"

    item = check.items.get(entry__source_record_id="sys-1")
    response = client.post(f"/spot-checks/items/{item.pk}/", {"outcome": "overturned", "reason": ""}, follow=True)
    assert "复审意见：改判须填写理由" in _text(response)
    response = client.post(
        f"/spot-checks/items/{item.pk}/", {"outcome": "overturned", "reason": "观看记录不完整"}, follow=True
    )
    assert "复审结果已保存。" in _text(response) and "已冲销" in _text(response)
    assert _read_back(key, "sys-1")[0]["status"] == "reversed"
    overview = _text(client.get("/spot-checks/"))
    assert f"对接系统 {SYSTEM_NAME} 4 1 25% 1 100%" in overview
    assert f"对接系统登记的记录（{SYSTEM_NAME}）" in overview


def test_r17_the_page_lists_held_decisions_with_what_was_decided(client, cast, held_decisions):
    client.force_login(cast["county_l2"])
    form = {"percent": "100", "minimum_per_reviewer": "0", "decided_from": today(), "decided_to": today()}
    text = _text(client.post("/spot-checks/", {**form, "source": "held_decision"}, follow=True))
    assert "抽中的审核决定" in text
    assert "王护士 · 全年急救培训 （专业科目 90.0 学时）" in text
    assert "原审核：莲都区 · 审核人员，结果“不予登记”（一次培训不可能有 90 学时）" in text
    assert "暂缓原因：单条记录学时超过上限" in text
    overview = _text(client.get("/spot-checks/"))
    assert "莲都区 · 审核人员 0 0 — 0 — 3 0 0% 0 —" in overview


# ---- R20: the integrity archive from an entry of any source -----------------------------------


def _eligibility(client, bearer, user, person) -> dict:
    response = client.get(
        f"/api/v1/people/{person.id_number}/eligibility",
        {"application_year": today().year, "required_years": 1},
        **bearer(user),
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_r20_integrity_recorded_from_a_connected_system_entry_reverses_it_and_blocks_eligibility(
    client, bearer, cast, system, system_records
):
    _, key = system
    nurse, county_l2 = cast["nurse"], cast["county_l2"]
    entry = LedgerEntry.objects.get(source_record_id="sys-1")
    assert _eligibility(client, bearer, county_l2, nurse)["integrity_block"] is False

    record = integrity_record(person=nurse, entry=entry, finding="他人代为观看课程", by=county_l2, on=today())
    assert (record.entry, record.declaration) == (entry, None)
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert reversal.explanation == "弄虚作假，记入诚信档案：他人代为观看课程"
    assert _read_back(key, "sys-1")[0]["status"] == "reversed"
    after = _eligibility(client, bearer, county_l2, nurse)
    assert (after["eligible"], after["integrity_block"]) == (False, True)
    assert after["reasons"][0] == "存在继续教育学时弄虚作假诚信记录，取消职称申报资格（第二十条）"
    assert Notice.objects.filter(user=nurse.user, message__contains="已记入职称评审诚信档案").exists()

    # An entry already reversed is recorded again without a second reversal; a reversal itself is refused.
    integrity_record(person=nurse, entry=entry, finding="再次查实", by=cast["city_l3"], on=today())
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1
    for wrong, person in ((reversal, nurse), (entry, cast["lecturer"])):
        with pytest.raises(DeclarationError) as refused:
            integrity_record(person=person, entry=wrong, finding="伪造", by=cast["city_l3"], on=today())
        assert refused.value.field == "entry"
    with pytest.raises(PolicyDenied):
        integrity_record(person=nurse, entry=entry, finding="伪造", by=cast["qingtian_l2"], on=today())
    assert IntegrityEntry.objects.count() == 2


def test_r20_the_entries_page_records_integrity_for_level_2_and_3_only(client, cast, system_records):
    nurse = cast["nurse"]
    entry = LedgerEntry.objects.get(source_record_id="sys-2")
    url = f"/entries/{entry.pk}/integrity/"

    client.force_login(cast["county_l1"])
    assert "记入诚信档案" not in _text(client.get(f"/people/{nurse.pk}/entries/"))
    refused = _text(client.post(url, {"finding": "伪造"}, follow=True))
    assert "只有二级或三级管理权限可在其职责范围内记录诚信档案" in refused
    client.force_login(cast["qingtian_l2"])
    assert client.post(url, {"finding": "伪造"}).status_code == 404, "outside the scope: like a missing entry"
    assert not IntegrityEntry.objects.exists() and not LedgerEntry.objects.filter(reverses=entry).exists()

    client.force_login(cast["county_l2"])
    page = _text(client.get(f"/people/{nurse.pk}/entries/"))
    assert "诚信档案（第二十条）" in page and "记入诚信档案并冲销" in page
    assert "查实情况：查实情况不能为空" in _text(client.post(url, {"finding": ""}, follow=True))
    done = _text(client.post(url, {"finding": "学习记录系伪造"}, follow=True))
    assert "已记入诚信档案，该学时记录已冲销。" in done
    assert IntegrityEntry.objects.get().entry == entry
    assert LedgerEntry.objects.filter(reverses=entry).exists()
    assert client.post("/entries/999999/integrity/", {"finding": "伪造"}).status_code == 404

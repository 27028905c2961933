"""The integrity archive (诚信档案, R20): a level-2 or level-3 reviewer who finds falsified hours records an
entry; the declaration's hours are reversed and title applications are blocked — as the eligibility API
reports — until level 3 (the city HR bureau) lifts it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cehours.access.policy import PolicyDenied
from cehours.declarations.models import IntegrityEntry, Notice
from cehours.declarations.services import DeclarationError, integrity_lift, integrity_record
from cehours.declarations.spotchecks import spot_check_draw, spot_check_review
from cehours.ledger.models import LedgerEntry

from .support import decide, declare, today, year_totals

THIS_YEAR = today().year


@pytest.fixture
def falsified(cast, add_hours):
    """The nurse qualified the last two years, then had a falsified 6-hour training approved this year."""
    nurse = cast["nurse"]
    for year in (THIS_YEAR - 1, THIS_YEAR - 2):
        add_hours(nurse, year, general_public="10", industry_public="8", professional="72")
    return decide(declare(nurse, title="虚构的培训"), cast["county_l1"], "approve")


def _eligibility(client, bearer, user, person) -> dict:
    response = client.get(
        f"/api/v1/people/{person.id_number}/eligibility",
        {"application_year": THIS_YEAR, "required_years": 2},
        **bearer(user),
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_r20_level_2_records_falsification_the_hours_are_reversed_and_eligibility_is_blocked(
    client, bearer, cast, falsified
):
    nurse, county_l2 = cast["nurse"], cast["county_l2"]
    before = _eligibility(client, bearer, county_l2, nurse)
    assert (before["eligible"], before["integrity_block"]) == (True, False)
    assert year_totals(nurse).professional == Decimal("6.0")

    entry = integrity_record(
        person=nurse,
        declaration=falsified,
        finding="结业证书系伪造",
        evidence_note="举办单位书面证明",
        by=county_l2,
        on=today(),
    )
    assert (entry.recorded_by, entry.lifted_on) == (county_l2, None)
    reversal = LedgerEntry.objects.get(reverses=falsified.entry)
    assert reversal.hours == Decimal("-6.0")
    assert reversal.explanation == "弄虚作假，记入诚信档案：结业证书系伪造"
    assert year_totals(nurse).professional == Decimal("0.0")

    after = _eligibility(client, bearer, county_l2, nurse)
    assert (after["eligible"], after["integrity_block"]) == (False, True)
    assert after["reasons"][0] == "存在继续教育学时弄虚作假诚信记录，取消职称申报资格（第二十条）"
    assert Notice.objects.filter(user=nurse.user, message__contains="已记入职称评审诚信档案").exists()


@pytest.mark.parametrize("who", ["county_l1", "health_authority", "college_l1", "qingtian_l2", "provider"])
def test_r20_level_1_and_reviewers_outside_the_scope_cannot_record(cast, falsified, who):
    with pytest.raises(PolicyDenied) as caught:
        integrity_record(person=cast["nurse"], declaration=falsified, finding="伪造", by=cast[who], on=today())
    assert "只有二级或三级管理权限" in caught.value.message
    assert not IntegrityEntry.objects.exists()
    assert not LedgerEntry.objects.filter(reverses=falsified.entry).exists()


def test_r20_level_3_lifts_the_block_but_the_falsified_hours_stay_reversed(client, bearer, cast, falsified):
    nurse = cast["nurse"]
    entry = integrity_record(person=nurse, declaration=falsified, finding="伪造", by=cast["county_l2"], on=today())

    for not_city_hr in ("county_l2", "county_l1", "health_authority"):
        with pytest.raises(PolicyDenied, match="只有三级管理权限"):
            integrity_lift(entry=entry, by=cast[not_city_hr], reason="申诉成立", on=today())
    with pytest.raises(DeclarationError) as caught:
        integrity_lift(entry=entry, by=cast["city_l3"], reason="", on=today())
    assert caught.value.field == "reason"
    entry.refresh_from_db()
    assert entry.lifted_on is None
    assert _eligibility(client, bearer, cast["city_l3"], nurse)["integrity_block"] is True

    lifted = integrity_lift(entry=entry, by=cast["city_l3"], reason="处理期满，经市人力社保局研究解除", on=today())
    assert (lifted.lifted_on, lifted.lifted_by) == (today(), cast["city_l3"])
    result = _eligibility(client, bearer, cast["city_l3"], nurse)
    assert (result["integrity_block"], result["eligible"]) == (False, True)
    assert year_totals(nurse).professional == Decimal("0.0")

    with pytest.raises(DeclarationError, match="已解除"):
        integrity_lift(entry=lifted, by=cast["city_l3"], reason="再次解除", on=today())


def test_r20_an_entry_recorded_in_the_future_of_a_check_blocks_only_from_its_date(client, bearer, cast, falsified):
    nurse = cast["nurse"]
    integrity_record(person=nurse, finding="伪造", by=cast["city_l3"], on=today() + timedelta(days=30))
    assert _eligibility(client, bearer, cast["city_l3"], nurse)["integrity_block"] is False


def test_r20_level_3_records_anywhere_and_without_a_declaration(cast):
    teacher = cast["teacher"]
    entry = integrity_record(person=teacher, finding="冒名参加培训", by=cast["city_l3"], on=today())
    assert entry.declaration is None
    with pytest.raises(PolicyDenied):
        integrity_record(person=teacher, finding="冒名参加培训", by=cast["county_l2"], on=today())


def test_r20_a_finding_is_required_and_the_declaration_must_be_the_persons(cast, falsified):
    with pytest.raises(DeclarationError) as caught:
        integrity_record(person=cast["nurse"], declaration=falsified, finding="  ", by=cast["county_l2"], on=today())
    assert caught.value.field == "finding"
    with pytest.raises(DeclarationError) as caught:
        integrity_record(
            person=cast["lecturer"], declaration=falsified, finding="伪造", by=cast["county_l2"], on=today()
        )
    assert caught.value.field == "declaration"
    assert not IntegrityEntry.objects.exists()


def test_r20_hours_already_reversed_by_a_spot_check_are_not_reversed_twice(cast, falsified):
    nurse, county_l2 = cast["nurse"], cast["county_l2"]
    check = spot_check_draw(
        by=county_l2, rate=Decimal("1"), minimum_per_reviewer=0, decided_from=today(), decided_to=today()
    )
    spot_check_review(
        item=check.items.get(declaration=falsified), by=county_l2, outcome="overturned", reason="证书伪造"
    )
    integrity_record(person=nurse, declaration=falsified, finding="证书伪造", by=county_l2, on=today())
    assert LedgerEntry.objects.filter(reverses=falsified.entry).count() == 1
    assert year_totals(nurse).professional == Decimal("0.0")

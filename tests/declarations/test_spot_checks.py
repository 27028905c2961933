"""Spot checks (抽查复审, R17, R21): level 2 samples level-1 decisions in its scope, level 3 samples level-1
and level-2 decisions anywhere; every draw is re-derivable from its recorded seed, rate and candidates
(DESIGN §5); an overturn reverses or registers the hours and tells the person and the first reviewer;
each reviewer's decisions, spot-checked share and overturn rate are shown to those above.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cehours.access.policy import PolicyDenied
from cehours.declarations.models import Declaration, Notice, SpotCheckItem
from cehours.declarations.services import DeclarationError
from cehours.declarations.spotchecks import (
    reviewer_statistics,
    spot_check_candidates,
    spot_check_draw,
    spot_check_rederive,
    spot_check_review,
)
from cehours.ledger.models import LedgerEntry
from cehours.rules.sampling import draw_sample

from .support import counted_hours, decide, declare, today, year_totals


def _draw(by, rate="1", minimum=0, seed=None):
    return spot_check_draw(
        by=by,
        rate=Decimal(rate),
        minimum_per_reviewer=minimum,
        decided_from=today() - timedelta(days=1),
        decided_to=today(),
        seed=seed,
    )


def _item(check, declaration) -> SpotCheckItem:
    return check.items.get(declaration=declaration)


@pytest.fixture
def decisions(cast, make_staff):
    """Decisions made today by reviewers at each level, in 莲都 and in 青田."""
    other_liandu_l2 = make_staff("reviewer", level=2, county="liandu", username="liandu_l2_b")
    nurse, lecturer, teacher = cast["nurse"], cast["lecturer"], cast["teacher"]
    made = {
        "l1_approved": decide(declare(nurse, title="莲都一级通过"), cast["county_l1"], "approve"),
        "l1_rejected": decide(declare(lecturer, title="学院一级不通过"), cast["college_l1"], "reject", "材料不全"),
        "authority_approved": decide(declare(nurse, title="行业主管通过"), cast["health_authority"], "approve"),
        "l2_approved": decide(declare(nurse, title="莲都二级通过"), other_liandu_l2, "approve"),
        "qingtian_l1": decide(declare(teacher, title="青田一级通过"), cast["qingtian_l1"], "approve"),
        "qingtian_l2": decide(declare(teacher, title="青田二级通过"), cast["qingtian_l2"], "approve"),
        "l3_approved": decide(declare(teacher, title="市级三级通过"), cast["city_l3"], "approve"),
        "returned": decide(declare(nurse, title="退回的"), cast["county_l1"], "return", "请补充"),
        "pending": declare(nurse, title="待审的"),
    }
    assert made["l2_approved"].decided_level == 2 and made["l3_approved"].decided_level == 3
    return made


def _titles(queryset_or_ids) -> set[str]:
    ids = [d if isinstance(d, int) else d.pk for d in queryset_or_ids]
    return set(Declaration.objects.filter(pk__in=ids).values_list("title", flat=True))


# Who samples what


def test_r17_level_2_samples_only_level_1_decisions_in_its_county(cast, decisions):
    check = _draw(cast["county_l2"])
    assert check.level == 2
    assert _titles(check.sample_ids) == {"莲都一级通过", "学院一级不通过", "行业主管通过"}
    assert check.candidate_ids == sorted(
        [d.pk, d.decided_by_id]
        for d in Declaration.objects.filter(title__in=["莲都一级通过", "学院一级不通过", "行业主管通过"])
    )
    assert check.scope_label == "莲都区"


def test_r17_a_series_scoped_level_2_samples_level_1_decisions_of_its_series_city_wide(cast, decisions, make_staff):
    health_committee = make_staff("reviewer", level=2, series="health")
    assert _titles(_draw(health_committee).sample_ids) == {"莲都一级通过", "行业主管通过"}


def test_r17_level_3_samples_level_1_and_level_2_decisions_anywhere(cast, decisions):
    check = _draw(cast["city_l3"])
    assert check.level == 3
    assert _titles(check.sample_ids) == {
        "莲都一级通过",
        "学院一级不通过",
        "行业主管通过",
        "莲都二级通过",
        "青田一级通过",
        "青田二级通过",
    }, "never its own level-3 decisions, nor undecided or returned ones"


@pytest.mark.parametrize("who", ["county_l1", "health_authority", "college_l1", "provider"])
def test_r17_level_1_and_other_roles_cannot_draw(cast, decisions, who):
    with pytest.raises(PolicyDenied) as caught:
        _draw(cast[who])
    assert "只有二级、三级管理权限可以抽查复审" in caught.value.message
    candidates, level = spot_check_candidates(cast[who], decided_from=today(), decided_to=today())
    assert list(candidates) == []
    assert level < 2


def test_r17_the_minimum_per_reviewer_lifts_a_small_rate(cast, decisions):
    check = _draw(cast["city_l3"], rate="0.01", minimum=1)
    reviewers = {reviewer for _, reviewer in check.candidate_ids}
    assert len(reviewers) == 6
    assert len(check.sample_ids) == 6, "one decision of each of the six reviewers"
    sampled_reviewers = set(Declaration.objects.filter(pk__in=check.sample_ids).values_list("decided_by", flat=True))
    assert sampled_reviewers == reviewers


@pytest.mark.parametrize(
    ("rate", "minimum", "field"),
    [("0", 0, "rate"), ("1.5", 0, "rate"), ("0.5", -1, "minimum_per_reviewer"), ("0.5", 101, "minimum_per_reviewer")],
)
def test_r17_a_draw_with_bad_parameters_is_refused_naming_the_field(cast, decisions, rate, minimum, field):
    with pytest.raises(DeclarationError) as caught:
        _draw(cast["county_l2"], rate=rate, minimum=minimum)
    assert caught.value.field == field


# Reproducibility (DESIGN §5)


def test_r17_a_sample_re_derives_from_its_recorded_seed_rate_and_candidates(cast, decisions):
    check = _draw(cast["city_l3"], rate="0.5", minimum=0, seed="丽水-2025-抽查")
    pairs = [(d, r) for d, r in check.candidate_ids]
    fresh = draw_sample(pairs, rate=Decimal("0.5"), minimum_per_reviewer=0, seed="丽水-2025-抽查")
    assert check.sample_ids == fresh
    assert spot_check_rederive(check) == fresh
    assert sorted(check.items.values_list("declaration_id", flat=True)) == fresh

    again = _draw(cast["city_l3"], rate="0.5", minimum=0, seed="丽水-2025-抽查")
    assert again.sample_ids == check.sample_ids, "the same seed over the same decisions draws the same sample"

    # Later decisions change a new draw's candidates, never the recorded one's re-derivation.
    decide(Declaration.objects.get(title="待审的"), cast["county_l1"], "approve")
    check.refresh_from_db()
    assert spot_check_rederive(check) == check.sample_ids


def test_r17_without_a_seed_one_is_generated_and_recorded(cast, decisions):
    first, second = _draw(cast["city_l3"], rate="0.5"), _draw(cast["city_l3"], rate="0.5")
    assert len(first.seed) == 32 and first.seed != second.seed
    assert spot_check_rederive(first) == first.sample_ids
    assert spot_check_rederive(second) == second.sample_ids


# Re-review: overturn and uphold


def test_r17_overturning_an_approval_reverses_the_hours_and_tells_the_person_and_the_first_reviewer(cast, decisions):
    nurse, first_reviewer = cast["nurse"], cast["county_l1"]
    approved = decisions["l1_approved"]
    before = year_totals(nurse).professional
    check = _draw(cast["county_l2"])
    item = spot_check_review(
        item=_item(check, approved), by=cast["county_l2"], outcome="overturned", reason="签到记录显示本人未到场"
    )
    assert item.outcome == "overturned"
    approved.refresh_from_db()
    assert approved.status == "rejected"
    assert approved.decision_reason == "抽查复审改判：签到记录显示本人未到场"
    reversal = LedgerEntry.objects.get(reverses=approved.entry)
    assert reversal.hours == -approved.entry.hours == Decimal("-6.0")
    assert year_totals(nurse).professional == before - Decimal("6.0")
    assert approved.entry.hours == Decimal("6.0"), "the original entry stays as it was (append-only)"

    assert Notice.objects.filter(
        user=nurse.user,
        message=f"您的学时申报“{approved.title}”经抽查复审改判为未通过：签到记录显示本人未到场",
        link=f"/declarations/{approved.pk}/",
    ).exists()
    assert Notice.objects.filter(
        user=first_reviewer, message=f"您审核的申报“{approved.title}”经抽查复审被改判：签到记录显示本人未到场"
    ).exists()
    assert list(approved.events.values_list("action", flat=True))[-1] == "overturned"


def test_r17_overturning_a_rejection_registers_the_hours(cast, decisions):
    lecturer = cast["lecturer"]
    rejected = decisions["l1_rejected"]
    assert year_totals(lecturer).professional == Decimal("0.0")
    check = _draw(cast["county_l2"])
    spot_check_review(item=_item(check, rejected), by=cast["county_l2"], outcome="overturned", reason="材料已齐全")
    rejected.refresh_from_db()
    assert rejected.status == "approved"
    assert rejected.entry is not None and rejected.entry.hours == Decimal("6.0")
    assert year_totals(lecturer).professional == Decimal("6.0")
    assert Notice.objects.filter(user=lecturer.user, message__contains="经抽查复审改判为已通过：材料已齐全").exists()
    assert Notice.objects.filter(user=cast["college_l1"], message__contains="被改判：材料已齐全").exists()


def test_r8_overturning_a_rejection_still_respects_the_per_year_cap(cast):
    nurse, reviewer, county_l2 = cast["nurse"], cast["county_l1"], cast["county_l2"]
    rejected = decide(declare(nurse, "paper", quantity="3", title="被驳回的论文"), reviewer, "reject", "未见刊物")
    decide(declare(nurse, "paper", quantity="2", title="通过的论文"), reviewer, "approve")  # 40 of 60
    check = _draw(county_l2)
    spot_check_review(item=_item(check, rejected), by=county_l2, outcome="overturned", reason="刊物已核实")
    rejected.refresh_from_db()
    assert rejected.hours == Decimal("20.0")
    assert year_totals(nurse).professional == Decimal("60.0")


def test_r17_upholding_changes_nothing(cast, decisions):
    nurse = cast["nurse"]
    approved = decisions["l1_approved"]
    entries, hours = LedgerEntry.objects.count(), counted_hours(nurse)
    notices = Notice.objects.count()
    check = _draw(cast["county_l2"])
    item = spot_check_review(item=_item(check, approved), by=cast["county_l2"], outcome="upheld", reason="")
    assert item.outcome == "upheld"
    approved.refresh_from_db()
    assert (approved.status, approved.decision_reason) == ("approved", "")
    assert (LedgerEntry.objects.count(), counted_hours(nurse), Notice.objects.count()) == (entries, hours, notices)


def test_r17_an_overturn_needs_a_reason_and_an_item_is_reviewed_once(cast, decisions):
    approved = decisions["l1_approved"]
    check = _draw(cast["county_l2"])
    item = _item(check, approved)
    with pytest.raises(DeclarationError) as caught:
        spot_check_review(item=item, by=cast["county_l2"], outcome="overturned", reason=" ")
    assert caught.value.field == "reason"
    with pytest.raises(DeclarationError) as caught:
        spot_check_review(item=item, by=cast["county_l2"], outcome="maybe", reason="x")
    assert caught.value.field == "outcome"
    spot_check_review(item=item, by=cast["county_l2"], outcome="overturned", reason="未到场")
    with pytest.raises(DeclarationError, match="已复审"):
        spot_check_review(item=item, by=cast["county_l2"], outcome="overturned", reason="再次改判")
    assert LedgerEntry.objects.filter(reverses=approved.entry).count() == 1


def test_r17_a_reviewer_outside_the_scope_cannot_re_review_an_item(cast, decisions):
    approved = decisions["l1_approved"]
    item = _item(_draw(cast["county_l2"]), approved)
    for outsider in ("qingtian_l2", "county_l1", "health_authority"):
        with pytest.raises(PolicyDenied, match="不在您的复审范围内"):
            spot_check_review(item=item, by=cast[outsider], outcome="overturned", reason="越权改判")
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert year_totals(cast["nurse"]).professional > 0


# What superiors see (R21)


def test_r21_reviewer_statistics_show_decisions_checked_share_and_overturn_rate(cast, decisions):
    county_l1 = cast["county_l1"]
    second = decide(declare(cast["nurse"], title="莲都一级通过二"), county_l1, "approve")
    check = _draw(cast["county_l2"])
    spot_check_review(
        item=_item(check, decisions["l1_approved"]), by=cast["county_l2"], outcome="overturned", reason="未到场"
    )
    spot_check_review(item=_item(check, second), by=cast["county_l2"], outcome="upheld", reason="")

    rows = {row["reviewer"]: row for row in reviewer_statistics(cast["county_l2"])}
    assert rows["liandu_l1"] == {
        "reviewer": "liandu_l1",
        "name": "莲都区 · 审核人员",  # no display name: shown by its office, never its login (issue 12)
        "decisions": 2,
        "checked": 2,
        "checked_share": 1.0,
        "overturned": 1,
        "overturn_rate": 0.5,
        # Decisions on held records are counted apart (tests/declarations/test_spot_checks_every_path.py).
        "held_decisions": 0,
        "held_checked": 0,
        "held_checked_share": 0.0,
        "held_overturned": 0,
        "held_overturn_rate": 0.0,
    }
    assert rows["college_l1"]["decisions"] == 1
    assert rows["college_l1"]["checked"] == 0, "drawn but not yet re-reviewed is not checked"
    assert rows["college_l1"]["overturn_rate"] == 0.0
    assert "qingtian_l1" not in rows, "a 莲都 level-2 reviewer sees only reviewers of decisions in 莲都"
    assert "qingtian_l1" in {row["reviewer"] for row in reviewer_statistics(cast["city_l3"])}

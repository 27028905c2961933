"""Level-1 review of declarations (R16.2, R17): routing by scope, decisions and their ledger effects,
reasons the person reads, the return-and-resubmit loop, recusal, and two reviewers deciding at once
(DESIGN §5 "One review at a time").
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from cehours.access.policy import PolicyDenied
from cehours.declarations.models import Declaration, Notice
from cehours.declarations.selectors import may_decide, review_queue
from cehours.declarations.services import (
    DecisionConflict,
    DeclarationError,
    declaration_decide,
    declaration_resubmit,
    declaration_submit,
    evidence_add,
)
from cehours.ledger.models import LedgerEntry, Source

from .support import decide, declaration_entries, declare, pdf_bytes, today, year_totals

ROUTED = {
    "nurse": ["county_l1", "health_authority", "county_l2", "city_l3"],
    "lecturer": ["county_l1", "education_authority", "college_l1", "county_l2", "city_l3"],
}
NOT_ROUTED = {
    "nurse": ["qingtian_l1", "hospital_l1", "provider", "education_authority", "college_l1", "qingtian_l2"],
    "lecturer": ["qingtian_l1", "hospital_l1", "provider", "health_authority", "qingtian_l2"],
}


# Routing by scope (R17)


@pytest.mark.parametrize("who", ["nurse", "lecturer"])
def test_r17_a_submitted_declaration_reaches_every_reviewer_whose_scope_holds_the_person(cast, who):
    declaration = declare(cast[who])
    for reviewer in ROUTED[who]:
        assert list(review_queue(cast[reviewer])) == [declaration], reviewer
        assert may_decide(cast[reviewer], declaration), reviewer


@pytest.mark.parametrize("who", ["nurse", "lecturer"])
def test_r17_reviewers_outside_the_scope_neither_see_nor_decide_it(cast, who):
    declaration = declare(cast[who])
    for reviewer in NOT_ROUTED[who]:
        assert list(review_queue(cast[reviewer])) == [], reviewer
        for action, reason in (("approve", ""), ("reject", "材料不实"), ("return", "请补充")):
            with pytest.raises(PolicyDenied) as caught:
                decide(declaration, cast[reviewer], action, reason)
            assert "不在您的审核范围内" in caught.value.message, reviewer
    declaration.refresh_from_db()
    assert declaration.status == "submitted"
    assert declaration.decided_by is None
    assert declaration_entries(cast[who]) == []


def test_r17_the_queue_holds_only_submitted_declarations_by_default_and_filters_by_year_and_name(cast):
    nurse = cast["nurse"]
    submitted = declare(nurse, title="急救培训")
    declare(nurse, title="草稿", submit=False)
    approved = decide(declare(nurse, title="已审"), cast["county_l1"], "approve")
    reviewer = cast["health_authority"]
    assert list(review_queue(reviewer)) == [submitted]
    assert list(review_queue(reviewer, status="approved")) == [approved]
    assert list(review_queue(reviewer, year=today().year - 1)) == []
    assert list(review_queue(reviewer, name="王")) == [submitted]
    assert list(review_queue(reviewer, name="李")) == []


# Decisions and what they do


def test_r16_2_approval_registers_exactly_one_ledger_entry_and_the_totals(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    declaration = declare(nurse, "training", quantity="2", days=2)
    approved = decide(declaration, reviewer, "approve")

    assert approved.status == "approved"
    assert approved.decided_by == reviewer
    assert approved.decided_level == 1
    (entry,) = declaration_entries(nurse)
    assert approved.entry == entry
    assert (entry.hours, entry.category, entry.year) == (Decimal("12.0"), "professional", today().year)
    assert entry.registered_by == reviewer
    assert entry.source == Source.DECLARATION
    assert year_totals(nurse).professional == Decimal("12.0")
    (notice,) = Notice.objects.filter(user=nurse.user)
    assert notice.message == f"您的学时申报“{declaration.title}”已通过"
    assert notice.link == f"/declarations/{declaration.pk}/"


@pytest.mark.parametrize(("action", "label"), [("reject", "未通过"), ("return", "退回补充材料")])
def test_r16_2_reject_and_return_need_a_reason_that_the_person_reads(cast, action, label):
    nurse, reviewer = cast["nurse"], cast["health_authority"]
    declaration = declare(nurse)
    for blank in ("", "   "):
        with pytest.raises(DeclarationError) as caught:
            decide(declaration, reviewer, action, blank)
        assert caught.value.field == "reason"
    declaration.refresh_from_db()
    assert declaration.status == "submitted"

    decided = decide(declaration, reviewer, action, "签到表与培训日期不符")
    assert decided.status_label == label
    assert decided.decision_reason == "签到表与培训日期不符"
    (notice,) = Notice.objects.filter(user=nurse.user)
    assert notice.message == f"您的学时申报“{declaration.title}”{label}：签到表与培训日期不符"
    assert declaration_entries(nurse) == []
    assert list(decided.events.values_list("action", "reason"))[-1] == (action, "签到表与培训日期不符")


def test_r16_2_returned_then_resubmitted_with_more_proof_then_approved(cast):
    nurse, reviewer = cast["nurse"], cast["college_l1"]
    lecturer = cast["lecturer"]
    declaration = declare(lecturer)
    returned = decide(declaration, reviewer, "return", "请补充结业证书")
    assert returned.status == "returned"

    with pytest.raises(DeclarationError):  # a returned declaration is resubmitted, not submitted afresh
        declaration_submit(declaration=returned, by=lecturer.user)
    evidence_add(declaration=returned, by=lecturer.user, name="结业证书.pdf", content=pdf_bytes())
    resubmitted = declaration_resubmit(declaration=returned, by=lecturer.user)
    assert resubmitted.status == "submitted"
    assert resubmitted.evidence.count() == 2
    assert list(review_queue(reviewer)) == [resubmitted]

    approved = decide(resubmitted, reviewer, "approve")
    assert approved.status == "approved"
    assert len(declaration_entries(lecturer)) == 1
    assert list(approved.events.values_list("action", flat=True)) == [
        "created",
        "submit",
        "return",
        "resubmit",
        "approve",
    ]
    assert declaration_entries(nurse) == []


def test_r16_2_a_decided_declaration_cannot_be_decided_again(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    approved = decide(declare(nurse), reviewer, "approve")
    for action, reason in (("approve", ""), ("reject", "重新考虑")):
        with pytest.raises(DecisionConflict):
            decide(approved, cast["health_authority"], action, reason)
    assert len(declaration_entries(nurse)) == 1


def test_r17_a_draft_cannot_be_decided(cast):
    draft = declare(cast["nurse"], submit=False)
    with pytest.raises(DecisionConflict):
        decide(draft, cast["county_l1"], "approve")


def test_r17_an_unknown_action_is_refused_naming_the_field(cast):
    declaration = declare(cast["nurse"])
    for action in ("submit", "withdraw", "delete"):
        with pytest.raises(DeclarationError) as caught:
            decide(declaration, cast["county_l1"], action)
        assert caught.value.field == "action"


def test_r17_a_reviewer_cannot_decide_their_own_declaration(cast, make_person):
    from cehours.access.services import grant_create

    reviewer_person = make_person(unit="hospital", name="赵审核", with_login=True)
    grant_create(user=reviewer_person.user, role="reviewer", level=1, county=reviewer_person.county)
    own = declare(reviewer_person)
    assert list(review_queue(reviewer_person.user)) == [own], "it is in their scope …"
    with pytest.raises(DeclarationError) as caught:
        decide(own, reviewer_person.user, "approve")
    assert "不能审核本人的申报" in caught.value.message  # … but they must recuse themselves
    own.refresh_from_db()
    assert own.status == "submitted"
    assert declaration_entries(reviewer_person) == []
    assert decide(own, cast["county_l1"], "approve").status == "approved"


# Two reviewers at once (DESIGN §5)


def test_r17_the_second_of_two_reviewers_with_the_same_version_is_told_and_nothing_is_registered_twice(cast):
    nurse = cast["nurse"]
    declaration = declare(nurse)
    seen = Declaration.objects.get(pk=declaration.pk)  # both reviewers opened the page at this version
    first = declaration_decide(declaration=seen, by=cast["county_l1"], action="approve", version=seen.version)
    assert first.status == "approved"
    with pytest.raises(DecisionConflict) as caught:
        declaration_decide(
            declaration=seen, by=cast["health_authority"], action="reject", reason="材料不足", version=seen.version
        )
    assert "已被其他审核人员处理" in caught.value.message
    current = Declaration.objects.get(pk=declaration.pk)
    assert (current.status, current.decided_by) == ("approved", cast["county_l1"])
    assert current.decision_reason == ""
    assert len(declaration_entries(nurse)) == 1
    assert year_totals(nurse).professional == Decimal("6.0")
    assert list(current.events.values_list("action", flat=True)) == ["created", "submit", "approve"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real race needs concurrent database connections: run with DATABASE_URL=postgresql://… "
    "(SQLite serialises writers; the sequential stale-version race above runs everywhere)",
)
def test_r17_two_reviewers_approving_in_two_threads_register_the_hours_once(
    django_db_serialized_rollback, transactional_db, cast
):
    nurse = cast["nurse"]
    reviewers = [cast["county_l1"], cast["health_authority"], cast["county_l2"], cast["city_l3"]]
    for attempt in range(5):  # several rounds, so a lucky interleaving cannot hide a double registration
        declaration = declare(nurse, title=f"并发审核{attempt}")
        seen_version = declaration.version
        barrier = threading.Barrier(len(reviewers))
        outcomes: dict[str, object] = {}

        def approve(reviewer, declaration=declaration, seen_version=seen_version, barrier=barrier, out=outcomes):
            try:
                mine = Declaration.objects.get(pk=declaration.pk)
                barrier.wait(timeout=10)
                declaration_decide(declaration=mine, by=reviewer, action="approve", version=seen_version)
                out[reviewer.username] = "approved"
            except DecisionConflict:
                out[reviewer.username] = "conflict"
            except Exception as exc:  # reported below; an exception in a thread would otherwise vanish
                out[reviewer.username] = repr(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=approve, args=(r,)) for r in reviewers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes.values()) == ["approved", "conflict", "conflict", "conflict"], outcomes
        winner = next(name for name, outcome in outcomes.items() if outcome == "approved")
        current = Declaration.objects.get(pk=declaration.pk)
        assert current.decided_by.username == winner
        assert current.version == seen_version + 1
        assert LedgerEntry.objects.filter(source=Source.DECLARATION, title=current.title).count() == 1
    assert len(declaration_entries(nurse)) == 5
    assert year_totals(nurse).professional == Decimal("30.0")

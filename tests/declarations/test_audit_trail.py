"""The audit trail of the declaration workflow (R21): every action — create, evidence, submit, approve,
reject, return, resubmit, withdraw, spot-check draw, uphold and overturn, integrity record and lift,
高研班 filing and approval — is an AuditEvent naming who acted, when, and on which declaration; one
request's events share its request id and address; and the hash chain verifies after the whole flow.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cehours.audit.models import AuditEvent
from cehours.audit.services import audit_verify
from cehours.declarations.seminars import seminar_decide, seminar_file
from cehours.declarations.services import (
    declaration_resubmit,
    declaration_withdraw,
    evidence_add,
    integrity_lift,
    integrity_record,
)
from cehours.declarations.spotchecks import spot_check_draw, spot_check_review
from cehours.people.models import Series

from .support import decide, declare, png_bytes, today


def _event(action: str, object_id, object_type: str = "declaration") -> AuditEvent:
    return AuditEvent.objects.get(action=action, object_type=object_type, object_id=str(object_id))


@pytest.fixture
def whole_flow(cast, make_staff):
    """Every kind of action once, by the people who may do it."""
    started = timezone.now()
    nurse, lecturer = cast["nurse"], cast["lecturer"]
    approved = decide(declare(nurse, title="急救培训"), cast["county_l1"], "approve")
    rejected = decide(declare(nurse, title="学术会议"), cast["health_authority"], "reject", "会议与专业无关")
    returned = decide(declare(lecturer, title="教学研讨"), cast["college_l1"], "return", "请补充签到表")
    evidence_add(declaration=returned, by=lecturer.user, name="签到表.png", content=png_bytes())
    resubmitted = declaration_resubmit(declaration=returned, by=lecturer.user)
    falsified = decide(resubmitted, cast["county_l1"], "approve")
    withdrawn = declaration_withdraw(declaration=declare(nurse, title="撤回的"), by=nurse.user)
    kept = decide(declare(nurse, title="维持的"), cast["county_l1"], "approve")

    check = spot_check_draw(
        by=cast["county_l2"], rate=Decimal("1"), minimum_per_reviewer=0, decided_from=today(), decided_to=today()
    )
    spot_check_review(
        item=check.items.get(declaration=approved), by=cast["county_l2"], outcome="overturned", reason="未到场"
    )
    spot_check_review(item=check.items.get(declaration=kept), by=cast["county_l2"], outcome="upheld", reason="")
    integrity = integrity_record(
        person=lecturer, declaration=falsified, finding="签到表系伪造", by=cast["county_l2"], on=today()
    )
    integrity_lift(entry=integrity, by=cast["city_l3"], reason="申诉成立", on=today())

    hr = make_staff("hr_admin", username="audit_hr")
    project = seminar_file(
        by=cast["provider"],
        name="护理高级研修班",
        organiser="丽水市中心医院",
        level="municipal",
        series=Series.objects.get(code="health"),
        year=today().year,
        start_on=date(today().year, 1, 1),
        end_on=date(today().year, 1, 2),
    )
    seminar_decide(project=project, by=hr, approve=True)
    seminar_decide(project=project, by=cast["health_authority"], approve=True)
    return {
        "started": started,
        "approved": approved,
        "rejected": rejected,
        "returned": returned,
        "falsified": falsified,
        "withdrawn": withdrawn,
        "kept": kept,
        "check": check,
        "integrity": integrity,
        "project": project,
        "hr": hr,
    }


def test_r21_every_person_action_on_a_declaration_is_audited_with_the_actor(cast, whole_flow):
    nurse, lecturer = cast["nurse"].user, cast["lecturer"].user
    flow = whole_flow
    for action, declaration, actor in [
        ("declaration.created", flow["approved"], nurse),
        ("declaration.submit", flow["approved"], nurse),
        ("declaration.created", flow["returned"], lecturer),
        ("declaration.resubmit", flow["returned"], lecturer),
        ("declaration.withdraw", flow["withdrawn"], nurse),
    ]:
        event = _event(action, declaration.pk)
        assert event.actor == actor, action
        assert event.actor_label == actor.username
        assert flow["started"] <= event.at <= timezone.now()

    uploads = AuditEvent.objects.filter(
        action="declaration.evidence_added", object_id=str(flow["returned"].pk)
    ).order_by("seq")
    assert [e.actor for e in uploads] == [lecturer, lecturer]
    assert [e.after["file"] for e in uploads] == ["证明材料.pdf", "签到表.png"]
    assert all(len(e.after["sha256"]) == 64 for e in uploads)


def test_r21_every_review_decision_is_audited_with_the_reviewer_reason_and_hours(cast, whole_flow):
    flow = whole_flow
    approve = _event("declaration.approve", flow["approved"].pk)
    assert approve.actor == cast["county_l1"]
    assert (approve.before, approve.after["status"], approve.after["hours"]) == (
        {"status": "submitted"},
        "approved",
        "6.0",
    )
    reject = _event("declaration.reject", flow["rejected"].pk)
    assert reject.actor == cast["health_authority"]
    assert reject.after["reason"] == "会议与专业无关"
    ret = _event("declaration.return", flow["returned"].pk)
    assert (ret.actor, ret.after["status"], ret.after["reason"]) == (cast["college_l1"], "returned", "请补充签到表")

    registered = AuditEvent.objects.get(
        action="ledger.entry_registered", object_type="ledger_entry", object_id=str(flow["approved"].entry_id)
    )
    assert registered.actor == cast["county_l1"]
    assert registered.after["source_record_id"].startswith(f"{flow['approved'].pk}:")


def test_r21_spot_check_draw_and_its_outcomes_are_audited(cast, whole_flow):
    flow, county_l2 = whole_flow, cast["county_l2"]
    check = flow["check"]
    drawn = _event("spot_check.drawn", check.pk, object_type="spot_check")
    assert drawn.actor == county_l2
    assert drawn.after["seed"] == check.seed and drawn.after["rate"] == "1"
    assert flow["approved"].pk in drawn.after["sample"] and flow["kept"].pk in drawn.after["sample"]

    overturned = _event("spot_check.overturned", flow["approved"].pk)
    assert (overturned.actor, overturned.after["reason"], overturned.after["spot_check"]) == (
        county_l2,
        "未到场",
        check.pk,
    )
    trail = _event("declaration.overturned", flow["approved"].pk)
    assert (trail.actor, trail.before, trail.after["status"]) == (county_l2, {"status": "approved"}, "rejected")
    reversed_entry = AuditEvent.objects.get(
        action="ledger.entry_reversed", object_id=str(flow["approved"].entry_id), object_type="ledger_entry"
    )
    assert reversed_entry.actor == county_l2
    assert _event("spot_check.upheld", flow["kept"].pk).actor == county_l2


def test_r21_integrity_record_and_lift_are_audited_with_the_declaration(cast, whole_flow):
    flow = whole_flow
    recorded = _event("integrity.recorded", flow["integrity"].pk, object_type="integrity_entry")
    assert recorded.actor == cast["county_l2"]
    assert recorded.after["declaration_id"] == flow["falsified"].pk
    assert recorded.after["person_id"] == cast["lecturer"].pk
    assert recorded.after["finding"] == "签到表系伪造"
    assert recorded.after["reversal_entry_id"] is not None
    lifted = _event("integrity.lifted", flow["integrity"].pk, object_type="integrity_entry")
    assert (lifted.actor, lifted.after["reason"]) == (cast["city_l3"], "申诉成立")


def test_r21_seminar_filing_and_both_approvals_are_audited(cast, whole_flow):
    flow = whole_flow
    project_id = str(flow["project"].pk)
    filed = AuditEvent.objects.get(action="seminar.filed", object_type="seminar_project", object_id=project_id)
    assert filed.actor == cast["provider"]
    approvals = AuditEvent.objects.filter(
        action="seminar.approved", object_type="seminar_project", object_id=project_id
    ).order_by("seq")
    assert [(e.actor, e.after["as"], e.after["status"]) for e in approvals] == [
        (flow["hr"], "hr", "filed"),
        (cast["health_authority"], "industry", "approved"),
    ]


def test_r21_the_chain_verifies_after_the_whole_flow(whole_flow):
    checked, problems = audit_verify()
    assert problems == []
    assert checked == AuditEvent.objects.count() > 40


def test_r21_a_decision_made_on_the_page_records_address_and_groups_its_ledger_effect(client, cast):
    declaration = declare(cast["nurse"])
    client.force_login(cast["county_l1"])
    client.post(
        f"/declarations/{declaration.pk}/decide/",
        {"action": "approve", "version": declaration.version},
        REMOTE_ADDR="10.20.30.40",
        HTTP_X_REQUEST_ID="review-request-0001",
    )
    approve = _event("declaration.approve", declaration.pk)
    declaration.refresh_from_db()
    registered = _event("ledger.entry_registered", declaration.entry_id, object_type="ledger_entry")
    for event in (approve, registered):
        assert (event.remote_addr, event.request_id, event.via) == ("10.20.30.40", "review-request-0001", "web")
        assert event.actor == cast["county_l1"]
    assert timezone.now() - approve.at < timedelta(minutes=1)

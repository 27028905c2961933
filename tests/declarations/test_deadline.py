"""The declaration deadline (R16.2 第十六条): not in the regulation, so off unless city HR turns it on;
when on, it closes first submissions only, and a claim a reviewer returned can be resubmitted within
`resubmission_days` of the return."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cehours.declarations.models import Declaration
from cehours.declarations.services import DeclarationError, declaration_resubmit, declaration_submit, evidence_add
from cehours.ledger.models import RuleVersionRecord

from .support import decide, declare, pdf_bytes, today


def deadline_on(days: int = 90, *, series=None, resubmission_days: int | None = None, code: str = "测试〔2020〕9号"):
    values: dict[str, object] = {"declaration_deadline_days": days}
    if resubmission_days is not None:
        values["resubmission_days"] = resubmission_days
    RuleVersionRecord.objects.create(
        code=code, issuing_level="city", effective_from=date(2020, 1, 1), series=series, values=values
    )


def returned(person, reviewer, *, end_on: date, returned_days_ago: int = 0) -> Declaration:
    """A declaration submitted (while no deadline applied) and returned by the reviewer that long ago."""
    declaration = decide(declare(person, end_on=end_on), reviewer, "return", reason="请补充培训通知")
    if returned_days_ago:
        Declaration.objects.filter(pk=declaration.pk).update(
            decided_at=timezone.now() - timedelta(days=returned_days_ago)
        )
        declaration.refresh_from_db()
    evidence_add(declaration=declaration, by=person.user, name="培训通知.pdf", content=pdf_bytes())
    return declaration


def test_r16_2_by_default_no_deadline_an_old_years_learning_can_still_be_declared(cast):
    nurse = cast["nurse"]
    draft = declare(nurse, end_on=date(today().year - 3, 6, 1), submit=False)
    assert declaration_submit(declaration=draft, by=nurse.user).status == "submitted"


def test_r16_2_deadline_on_first_submission_after_it_is_refused_naming_the_date_and_the_rule(cast):
    nurse = cast["nurse"]
    year = today().year - 2
    draft = declare(nurse, end_on=date(year, 6, 1), submit=False)
    deadline_on(90)
    with pytest.raises(DeclarationError) as caught:
        declaration_submit(declaration=draft, by=nurse.user)
    message = caught.value.message
    assert f"{year}年度的线下学习申报已于 {date(year, 12, 31) + timedelta(days=90)} 截止" in message
    assert "“线下学习申报截止（年度结束后天数）”为 90 天" in message
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_r16_2_deadline_on_a_submission_on_the_last_day_is_accepted(cast):
    nurse = cast["nurse"]
    year = today().year - 1
    days = (today() - date(year, 12, 31)).days  # the deadline falls today
    draft = declare(nurse, end_on=date(year, 6, 1), submit=False)
    deadline_on(days)
    assert declaration_submit(declaration=draft, by=nurse.user).status == "submitted"


def test_r16_2_deadline_on_a_returned_claim_is_resubmitted_within_the_days_after_the_return(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    year = today().year - 2
    claim = returned(nurse, reviewer, end_on=date(year, 6, 1), returned_days_ago=29)
    deadline_on(90)  # the year closed long ago; the return was 29 days ago, within the default 30
    assert declaration_resubmit(declaration=claim, by=nurse.user).status == "submitted"


def test_r16_2_deadline_on_a_returned_claim_resubmitted_too_late_is_refused_naming_the_last_day(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    year = today().year - 2
    claim = returned(nurse, reviewer, end_on=date(year, 6, 1), returned_days_ago=11)
    deadline_on(90, resubmission_days=10)
    with pytest.raises(DeclarationError) as caught:
        declaration_resubmit(declaration=claim, by=nurse.user)
    until = timezone.localdate(claim.decided_at) + timedelta(days=10)
    assert f"退回后 10 天内（至 {until}）重新提交" in caught.value.message
    assert "“退回补充材料后可重新提交天数（设有申报截止时）”" in caught.value.message
    claim.refresh_from_db()
    assert claim.status == "returned"


def test_r16_2_deadline_on_a_returned_claim_may_be_resubmitted_any_time_before_the_years_deadline(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    claim = returned(nurse, reviewer, end_on=today(), returned_days_ago=60)  # this year: still open
    deadline_on(90, resubmission_days=10)
    assert declaration_resubmit(declaration=claim, by=nurse.user).status == "submitted"


def test_r16_2_deadline_on_resubmission_days_do_not_reopen_a_first_submission(cast):
    nurse = cast["nurse"]
    draft = declare(nurse, end_on=date(today().year - 2, 6, 1), submit=False)
    deadline_on(90, resubmission_days=36500)
    with pytest.raises(DeclarationError):
        declaration_submit(declaration=draft, by=nurse.user)


def test_r16_2_a_deadline_for_one_series_closes_only_that_series(cast, city):
    nurse, teacher = cast["nurse"], cast["teacher"]  # health, education
    year = today().year - 2
    nurse_draft = declare(nurse, end_on=date(year, 6, 1), submit=False)
    teacher_draft = declare(teacher, end_on=date(year, 6, 1), submit=False)
    deadline_on(90, series=city["series"]["health"])
    with pytest.raises(DeclarationError):
        declaration_submit(declaration=nurse_draft, by=nurse.user)
    assert declaration_submit(declaration=teacher_draft, by=teacher.user).status == "submitted"

"""The professional's side of an offline declaration (R8, R12a, R16.2): a draft with the hours computed
and explained before submission, proof files checked by their content, submission, the year's deadline,
withdrawal, and nobody but the person acting on it.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from cehours.access.policy import PolicyDenied
from cehours.declarations.models import ActivityType, Declaration, DeclarationEvent
from cehours.declarations.services import (
    DecisionConflict,
    DeclarationError,
    declaration_create,
    declaration_decide,
    declaration_preview,
    declaration_resubmit,
    declaration_submit,
    declaration_withdraw,
    evidence_add,
)
from cehours.ledger.models import LedgerEntry, RuleVersionRecord

from .support import (
    activity,
    decide,
    declaration_entries,
    declare,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    today,
    year_totals,
)

ARTICLE_8_WAYS = {
    "training",
    "academic_activity",
    "paper",
    "book",
    "research_project",
    "invention_patent",
    "utility_patent",
    "counterpart_support",
    "degree_education",
    "qualification_exam",
}


# The catalogue and the computed hours (R8, R12a)


def test_r8_default_catalogue_covers_every_way_of_article_8_and_is_marked_as_defaults(db):
    defaults = ActivityType.objects.filter(series__isnull=True)
    assert set(defaults.values_list("code", flat=True)) >= ARTICLE_8_WAYS
    assert all(row.is_default for row in defaults)
    assert all(row.evidence_hint for row in defaults), "each line says what proof it needs"


def test_r16_2_a_draft_shows_the_hours_and_why_before_submission(cast):
    nurse = cast["nurse"]
    preview = declaration_preview(
        person=nurse,
        activity=activity(nurse, "training"),
        quantity="2",
        start_on=today() - timedelta(days=1),
        end_on=today(),
    )
    assert preview.hours == Decimal("12.0")
    assert preview.explanation == "2 天 × 每天 6 学时 = 12 学时；计 12.0 学时"

    draft = declare(nurse, "training", quantity="2", days=2, with_evidence=False, submit=False)
    assert draft.status == "draft"
    assert draft.hours == Decimal("12.0")
    assert draft.explanation == preview.explanation
    assert draft.year == today().year
    assert declaration_entries(nurse) == [], "nothing is registered before a reviewer approves"
    assert list(draft.events.values_list("action", flat=True)) == ["created"]


def test_r12a_one_day_training_at_8_hours_a_day_in_the_industrys_catalogue_registers_6(cast):
    nurse, teacher = cast["nurse"], cast["teacher"]
    ActivityType.objects.create(
        series=nurse.series,
        code="training",
        name="卫生系列培训",
        category="professional",
        formula="per_day",
        hours_per_unit=Decimal("8"),
        unit_label="天",
        evidence_hint="结业证书",
    )
    assert activity(nurse, "training").name == "卫生系列培训", "the industry's own line replaces the default (R8)"
    assert activity(teacher, "training").is_default, "other industries keep the default"

    declaration = declare(nurse, "training", quantity="1")
    assert declaration.hours == Decimal("6.0")
    assert "线下学习每天最多折算 6 学时（第十二条）" in declaration.explanation

    decide(declaration, cast["county_l1"], "approve")
    (entry,) = declaration_entries(nurse)
    assert entry.hours == Decimal("6.0")
    assert year_totals(nurse).professional == Decimal("6.0")


def test_r12a_claiming_8_days_for_a_1_day_training_is_refused_on_the_quantity(cast):
    nurse = cast["nurse"]
    with pytest.raises(DeclarationError) as caught:
        declare(nurse, "training", quantity="8", days=1, submit=False)
    assert caught.value.field == "quantity"
    assert "不能超过起止日期之间的 1 天" in caught.value.message
    assert not Declaration.objects.filter(person=nurse).exists()


def test_r8_one_academic_activity_is_capped_per_item(cast):
    declaration = declare(cast["nurse"], "academic_activity", quantity="4", days=4, submit=False)
    assert declaration.hours == Decimal("18.0")
    assert "单项最多 18 学时" in declaration.explanation


def test_r8_per_year_cap_counts_what_was_already_approved_of_that_type(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    decide(declare(nurse, "paper", quantity="2"), reviewer, "approve")  # 40 of the 60 a year
    preview = declaration_preview(
        person=nurse, activity=activity(nurse, "paper"), quantity="2", start_on=today(), end_on=today()
    )
    assert preview.hours == Decimal("20.0")
    assert "本年度此类最多 60 学时，已登记 40 学时，本次最多 20 学时" in preview.explanation
    second = declare(nurse, "paper", quantity="2")
    assert second.hours == Decimal("20.0")
    decide(second, reviewer, "approve")
    assert year_totals(nurse).professional == Decimal("60.0")


def test_r8_per_year_cap_holds_when_two_declarations_wait_for_review_at_once(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    first = declare(nurse, "paper", quantity="3", title="论文三篇（一）")
    second = declare(nurse, "paper", quantity="3", title="论文三篇（二）")
    assert first.hours == second.hours == Decimal("60.0"), "each alone fits the year's 60"
    decide(first, reviewer, "approve")
    approved = decide(second, reviewer, "approve")
    assert year_totals(nurse).professional == Decimal("60.0"), "papers are capped at 60 hours a year"
    assert approved.hours == Decimal("0.0")
    assert "本年度此类最多 60 学时，已登记 60 学时，本次最多 0 学时" in approved.explanation


def test_r16_2_bad_claims_are_refused_naming_the_field(cast):
    nurse = cast["nurse"]
    training = activity(nurse, "training")
    cases = [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"start_on": today(), "end_on": today() - timedelta(days=1)}, "end_on"),
        ({"start_on": today() + timedelta(days=1), "end_on": today() + timedelta(days=1)}, "end_on"),
        ({"title": "  "}, "title"),
    ]
    for change, field in cases:
        values = {"title": "培训", "organiser": "", "start_on": today(), "end_on": today(), "quantity": "1"}
        values.update(change)
        with pytest.raises(DeclarationError) as caught:
            declaration_create(person=nurse, by=nurse.user, activity=training, **values)
        assert caught.value.field == field, change
        assert caught.value.message
    assert not Declaration.objects.filter(person=nurse).exists()


def test_r8_an_activity_outside_the_persons_catalogue_is_refused(cast):
    nurse, teacher = cast["nurse"], cast["teacher"]
    own = ActivityType.objects.create(
        series=teacher.series,
        code="teaching_research",
        name="教研活动",
        category="professional",
        formula="per_day",
        hours_per_unit=Decimal("6"),
        evidence_hint="教研记录",
    )
    with pytest.raises(DeclarationError) as caught:
        declaration_create(
            person=nurse,
            by=nurse.user,
            activity=own,
            title="教研",
            organiser="",
            start_on=today(),
            end_on=today(),
            quantity="1",
        )
    assert caught.value.field == "activity_type"


# Evidence: by content, at most 10 MB, SHA-256 kept


@pytest.mark.parametrize(
    ("make", "name", "content_type", "extension"),
    [
        (pdf_bytes, "结业证书.pdf", "application/pdf", "pdf"),
        (jpeg_bytes, "照片.jpg", "image/jpeg", "jpg"),
        (png_bytes, "截图.png", "image/png", "png"),
        (png_bytes, "其实是图片.pdf", "image/png", "png"),
    ],
)
def test_r16_2_evidence_is_recognised_by_its_content_and_its_sha256_kept(cast, make, name, content_type, extension):
    nurse = cast["nurse"]
    draft = declare(nurse, with_evidence=False, submit=False)
    content = make()
    evidence = evidence_add(declaration=draft, by=nurse.user, name=name, content=content)
    assert evidence.content_type == content_type
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.original_name == name
    assert evidence.file.name.endswith(f".{extension}")
    with evidence.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"This is only text, although the name says PDF.", "按文件内容识别"),
        (b"", "文件为空"),
        (b"PK\x03\x04 a zip or docx file", "只接受 PDF、JPEG 或 PNG"),
    ],
)
def test_r16_2_a_file_that_is_not_pdf_jpeg_or_png_inside_is_refused_whatever_its_name(cast, content, words):
    nurse = cast["nurse"]
    draft = declare(nurse, with_evidence=False, submit=False)
    with pytest.raises(DeclarationError) as caught:
        evidence_add(declaration=draft, by=nurse.user, name="结业证书.pdf", content=content)
    assert caught.value.field == "file"
    assert words in caught.value.message
    assert not draft.evidence.exists()


def test_r16_2_evidence_above_10_mb_is_refused_and_10_mb_exactly_is_accepted(cast):
    nurse = cast["nurse"]
    draft = declare(nurse, with_evidence=False, submit=False)
    limit = settings.EVIDENCE_MAX_BYTES
    assert limit == 10 * 1024 * 1024
    too_big = b"%PDF-1.4\n" + b"0" * (limit - 9 + 1)
    assert len(too_big) == limit + 1
    with pytest.raises(DeclarationError) as caught:
        evidence_add(declaration=draft, by=nurse.user, name="扫描件.pdf", content=too_big)
    assert caught.value.field == "file"
    assert "不能超过 10 MB" in caught.value.message
    assert not draft.evidence.exists()

    evidence = evidence_add(declaration=draft, by=nurse.user, name="扫描件.pdf", content=too_big[:limit])
    assert evidence.size == limit


# Submission, deadline, withdrawal


def test_r16_2_submission_needs_evidence(cast):
    nurse = cast["nurse"]
    draft = declare(nurse, with_evidence=False, submit=False)
    with pytest.raises(DeclarationError) as caught:
        declaration_submit(declaration=draft, by=nurse.user)
    assert caught.value.field == "file"
    assert "请先上传证明材料" in caught.value.message
    draft.refresh_from_db()
    assert draft.status == "draft"

    evidence_add(declaration=draft, by=nurse.user, name="证书.pdf", content=pdf_bytes())
    submitted = declaration_submit(declaration=draft, by=nurse.user)
    assert submitted.status == "submitted"
    assert submitted.submitted_at is not None


def test_r16_2_evidence_cannot_be_added_once_submitted(cast):
    nurse = cast["nurse"]
    submitted = declare(nurse)
    with pytest.raises(DeclarationError) as caught:
        evidence_add(declaration=submitted, by=nurse.user, name="补充.pdf", content=pdf_bytes())
    assert caught.value.field == "file"
    assert submitted.evidence.count() == 1


def test_r16_2_with_the_deadline_option_on_a_years_declarations_close_after_it(cast):
    nurse = cast["nurse"]
    old_year = today().year - 2  # 31 December + 90 days is long past
    draft = declare(nurse, end_on=date(old_year, 6, 1), submit=False)
    # The regulation sets no deadline (DESIGN §2: off by default); city HR turns one on as a rule version.
    RuleVersionRecord.objects.create(
        code="测试〔2020〕1号",
        issuing_level="city",
        effective_from=date(2020, 1, 1),
        values={"declaration_deadline_days": 90},
    )
    with pytest.raises(DeclarationError) as caught:
        declaration_submit(declaration=draft, by=nurse.user)
    deadline = date(old_year, 12, 31) + timedelta(days=90)
    assert caught.value.message.startswith(f"{old_year}年度的线下学习申报已于 {deadline} 截止")
    assert "线下学习申报截止" in caught.value.message  # names the rule that closed it
    draft.refresh_from_db()
    assert draft.status == "draft"

    # The deadline is a rule-set field: a later city rule giving ten years reopens that year.
    RuleVersionRecord.objects.create(
        code="测试〔2021〕1号",
        issuing_level="city",
        effective_from=date(2021, 1, 1),
        values={"declaration_deadline_days": 3650},
    )
    assert declaration_submit(declaration=draft, by=nurse.user).status == "submitted"


def test_r16_2_a_person_can_withdraw_before_a_decision_but_not_after(cast):
    nurse, reviewer = cast["nurse"], cast["county_l1"]
    draft = declare(nurse, submit=False)
    assert declaration_withdraw(declaration=draft, by=nurse.user).status == "withdrawn"

    submitted = declare(nurse)
    seen_version = submitted.version
    withdrawn = declaration_withdraw(declaration=submitted, by=nurse.user)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(DecisionConflict):  # the reviewer still looking at the submitted version is told
        declaration_decide(declaration=withdrawn, by=reviewer, action="approve", version=seen_version)
    assert declaration_entries(nurse) == []

    approved = decide(declare(nurse), reviewer, "approve")
    with pytest.raises(DeclarationError) as caught:
        declaration_withdraw(declaration=approved, by=nurse.user)
    assert "“已通过”状态的申报不能执行此操作" in caught.value.message
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert len(declaration_entries(nurse)) == 1


def test_r16_2_a_returned_declaration_can_be_withdrawn(cast):
    nurse = cast["nurse"]
    returned = decide(declare(nurse), cast["county_l1"], "return", reason="请补充签到表")
    assert declaration_withdraw(declaration=returned, by=nurse.user).status == "withdrawn"


def test_r16_2_nobody_else_can_create_upload_submit_resubmit_or_withdraw_for_me(cast):
    nurse, colleague, reviewer = cast["nurse"], cast["lecturer"], cast["county_l1"]
    mine = declare(nurse, with_evidence=False, submit=False)
    for by in (colleague.user, reviewer, None):
        with pytest.raises(PolicyDenied, match="只能由本人"):
            declaration_create(
                person=nurse,
                by=by,
                activity=activity(nurse, "training"),
                title="代报",
                organiser="",
                start_on=today(),
                end_on=today(),
                quantity="1",
            )
        with pytest.raises(PolicyDenied, match="只能由本人"):
            evidence_add(declaration=mine, by=by, name="x.pdf", content=pdf_bytes())
        for act in (declaration_submit, declaration_resubmit, declaration_withdraw):
            with pytest.raises(PolicyDenied, match="只能由本人"):
                act(declaration=mine, by=by)
    mine.refresh_from_db()
    assert mine.status == "draft"
    assert not mine.evidence.exists()
    assert Declaration.objects.filter(person=nurse).count() == 1
    assert list(DeclarationEvent.objects.filter(declaration=mine).values_list("action", flat=True)) == ["created"]
    assert not LedgerEntry.objects.filter(person=nurse).exists()

"""高研班 projects (R9, R12c): filed by a provider, approved by HR and the industry authority, and
their attendees registered with the level's fixed professional hours, once per person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from cehours.access.grants import has_role
from cehours.access.models import Grant, Role
from cehours.audit.services import audit_record
from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.rulesets import rules_on
from cehours.ledger.services import entry_register
from cehours.people.crypto import id_number_hash
from cehours.people.models import Person, Series
from cehours.rules.conversion import seminar_hours
from cehours.rules.hours import Category
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number
from cehours.rules.ruleset import SeminarLevel

from .models import SeminarProject
from .services import DeclarationError


def seminar_file(
    *, by, name: str, organiser: str, level: str, series: Series, year: int, start_on: date, end_on: date
) -> SeminarProject:
    if not has_role(by, Role.PROVIDER):
        raise DeclarationError("", "只有继续教育基地或培训机构账号可以申报高研班项目")
    if not (name or "").strip() or len(name) > 255:
        raise DeclarationError("name", "项目名称不能为空，且不超过255个字符")
    if not (organiser or "").strip() or len(organiser) > 128:
        raise DeclarationError("organiser", "举办单位不能为空，且不超过128个字符")
    if level not in {lv.value for lv in SeminarLevel}:
        raise DeclarationError("level", "级别应为国家级、省级或市级")
    if end_on < start_on:
        raise DeclarationError("end_on", "结束日期不能早于开始日期")
    if start_on.year != year:
        raise DeclarationError("year", "年度应为举办当年（高研班项目按年度备案，第九条）")
    with transaction.atomic():
        project = SeminarProject.objects.create(
            provider=by,
            name=name.strip(),
            organiser=organiser.strip(),
            level=level,
            series=series,
            year=year,
            start_on=start_on,
            end_on=end_on,
        )
        audit_record(
            actor=by,
            action="seminar.filed",
            object_type="seminar_project",
            object_id=project.pk,
            after={"name": project.name, "level": level, "series": series.pk, "year": year},
        )
    return project


def _approver_role(by, project: SeminarProject) -> str | None:
    grants = Grant.objects.filter(user=by, role__in=[Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY])
    for grant in grants:
        if grant.role == Role.HR_ADMIN:
            return "hr"
        if grant.series_id in (None, project.series_id):
            return "industry"
    return None


def seminar_decide(*, project: SeminarProject, by, approve: bool, reason: str = "") -> SeminarProject:
    """HR (人力社保部门) and the industry authority of the project's series each approve the filing (R9)."""
    role = _approver_role(by, project)
    if role is None:
        raise DeclarationError("", "只有人力社保部门或该行业主管部门可以审批高研班项目")
    if not approve and not (reason or "").strip():
        raise DeclarationError("reason", "不予批准须填写理由")
    with transaction.atomic():
        locked = SeminarProject.objects.select_for_update().get(pk=project.pk)
        if locked.status != SeminarProject.FILED:
            raise DeclarationError("", "该项目已审批完毕")
        before = locked.status
        now = timezone.now()
        if not approve:
            locked.status, locked.rejection_reason = SeminarProject.REJECTED, reason.strip()
        elif role == "hr":
            locked.hr_approved_by, locked.hr_approved_at = by, now
        else:
            locked.industry_approved_by, locked.industry_approved_at = by, now
        if locked.hr_approved_at and locked.industry_approved_at:
            locked.status = SeminarProject.APPROVED
        locked.save()
        audit_record(
            actor=by,
            action="seminar.approved" if approve else "seminar.rejected",
            object_type="seminar_project",
            object_id=locked.pk,
            before={"status": before},
            after={"status": locked.status, "as": role, "reason": reason},
        )
    return locked


def seminar_register_attendees(
    *, project: SeminarProject, by, rows: Iterable[tuple[int, dict[str, str]]]
) -> list[tuple[int, str, str]]:
    """R12c: each attendee of an approved project gets 60/48/36 professional hours, once.

    Returns (row, status, message) per row: created, duplicate or rejected with the reason.
    """
    if project.status != SeminarProject.APPROVED:
        raise DeclarationError("", "只有已批准的高研班项目可以登记学员学时")
    if project.provider_id != by.pk and not has_role(by, Role.HR_ADMIN):
        raise DeclarationError("", "只有申报该项目的机构或人力社保部门可以登记学员")
    hours = seminar_hours(project.level, rules_on(project.end_on))
    system = f"seminar-{project.pk}"
    report = []
    with transaction.atomic():
        for number, values in rows:
            try:
                id_number = normalize_id_number(values.get("id_number", ""))
            except InvalidIdentifier as exc:
                report.append((number, "rejected", f"id_number：{exc}"))
                continue
            person = Person.objects.filter(id_number_hash=id_number_hash(id_number)).first()
            if person is None:
                report.append((number, "rejected", "id_number：该人员尚未在平台登记"))
                continue
            if person.name != values.get("name", "").strip():
                report.append((number, "rejected", "name：姓名与平台登记的该身份证号码持有人不一致"))
                continue
            if LedgerEntry.objects.filter(source_system=system, source_record_id=str(person.pk)).exists():
                report.append((number, "duplicate", "已登记"))
                continue
            entry_register(
                person=person,
                category=Category.PROFESSIONAL,
                hours=hours,
                source=Source.SEMINAR,
                title=f"高研班：{project.name}",
                completed_on=project.end_on,
                by=by,
                activity_type="advanced_seminar",
                start_on=project.start_on,
                end_on=project.end_on,
                source_system=system,
                source_record_id=str(person.pk),
                explanation=f"经批准的{project.get_level_display()}高研班认定 {hours} 专业科目学时（第十二条）",
            )
            report.append((number, "created", f"{hours} 学时"))
    return report

"""高研班 projects (R9, R12c): filed by a provider, approved by HR and the industry authority, and
their attendees registered with the level's fixed professional hours, once per person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from cehours.access.models import Role
from cehours.access.policy import Action, grants_for, require
from cehours.audit.services import actor_label_of, audit_record
from cehours.ledger.holds import Hold, entries_hold
from cehours.ledger.models import HeldRecord, HoldReason, LedgerEntry, Source
from cehours.ledger.rulesets import rules_on
from cehours.ledger.services import NewEntry, Outcome, entries_register_bulk
from cehours.people.crypto import decrypt_id_number, encrypt_id_number, id_number_hash
from cehours.people.models import Person, Series
from cehours.rules.conversion import seminar_hours
from cehours.rules.hours import Category
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number
from cehours.rules.ruleset import SeminarLevel

from .models import AttendeeList, SeminarProject
from .services import DeclarationError

MAX_ATTENDEES = 5000


def _check_project_fields(*, name: str, organiser: str, level: str, year: int, start_on: date, end_on: date) -> None:
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


def seminar_file(
    *, by, name: str, organiser: str, level: str, series: Series, year: int, start_on: date, end_on: date
) -> SeminarProject:
    """A provider files a municipal project with the city HR bureau and industry authority (第九条)."""
    require(by, Action.FILE_SEMINAR)
    _check_project_fields(name=name, organiser=organiser, level=level, year=year, start_on=start_on, end_on=end_on)
    if level != SeminarLevel.MUNICIPAL:
        raise DeclarationError(
            "level",
            "国家级、省级高研班由上级部门批准，请将批准文件交市人力社保局按批准文号登记；本平台只受理市级项目备案",
        )
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


def seminar_register_approved(
    *,
    by,
    provider,
    name: str,
    organiser: str,
    level: str,
    series: Series,
    year: int,
    start_on: date,
    end_on: date,
    approval_document: str,
) -> SeminarProject:
    """City HR registers a national or provincial project approved elsewhere, by its document number."""
    require(by, Action.REGISTER_SEMINAR)
    _check_project_fields(name=name, organiser=organiser, level=level, year=year, start_on=start_on, end_on=end_on)
    if level == SeminarLevel.MUNICIPAL:
        raise DeclarationError("level", "市级高研班由举办机构备案，经市人力社保局和行业主管部门审批")
    document = (approval_document or "").strip()
    if not document or len(document) > 128:
        raise DeclarationError("approval_document", "请填写批准文号（不超过128个字符）")
    if provider is None or not grants_for(provider, Action.SUBMIT_ATTENDEES):
        raise DeclarationError("provider", "请选择举办机构（继续教育基地或培训机构账号），由其提交学员名单")
    with transaction.atomic():
        project = SeminarProject.objects.create(
            provider=provider,
            name=name.strip(),
            organiser=organiser.strip(),
            level=level,
            series=series,
            year=year,
            start_on=start_on,
            end_on=end_on,
            status=SeminarProject.APPROVED,
            approval_document=document,
            hr_approved_by=by,
            hr_approved_at=timezone.now(),
        )
        audit_record(
            actor=by,
            action="seminar.registered",
            object_type="seminar_project",
            object_id=project.pk,
            after={"name": project.name, "level": level, "series": series.pk, "year": year, "document": document},
        )
    return project


def _approver_role(by, project: SeminarProject) -> str:
    """Whether the user approves as the HR bureau or as the industry authority (an HR grant wins)."""
    roles = {g.role for g in grants_for(by, Action.APPROVE_SEMINAR)}
    return "hr" if Role.HR_ADMIN in roles else "industry"


def seminar_decide(*, project: SeminarProject, by, approve: bool, reason: str = "") -> SeminarProject:
    """The city HR bureau and the city industry authority of the project's series each approve (R9)."""
    require(by, Action.APPROVE_SEMINAR, project)
    role = _approver_role(by, project)
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


def attendees_submit(*, project: SeminarProject, by, rows: Iterable[tuple[int, dict[str, str]]]) -> AttendeeList:
    """The provider hands in an attendee list; it waits for the approving authority to check it.

    Only the form of each row is checked here (an ID number's check digit is the sender's own
    input); whether anyone is registered on the platform is never told to the provider.
    """
    require(by, Action.SUBMIT_ATTENDEES, project)
    project = SeminarProject.objects.get(pk=project.pk)  # the status as it is now, not as the caller read it
    if project.status != SeminarProject.APPROVED:
        raise DeclarationError("", "只有已批准的高研班项目可以提交学员名单")
    stored: list[list] = []
    problems: list[str] = []
    for number, values in rows:
        if len(stored) + len(problems) >= MAX_ATTENDEES:
            raise DeclarationError("file", f"一份名单最多 {MAX_ATTENDEES} 人")
        name = (values.get("name") or "").strip()
        try:
            id_number = normalize_id_number(values.get("id_number", ""))
        except InvalidIdentifier as exc:
            problems.append(f"第 {number} 行：身份证号码：{exc}")
            continue
        if not name or len(name) > 64:
            problems.append(f"第 {number} 行：姓名不能为空，且不超过64个字符")
            continue
        stored.append([number, encrypt_id_number(id_number), name])
    if problems:
        raise DeclarationError("file", "名单有误，未提交：" + "；".join(problems[:20]))
    if not stored:
        raise DeclarationError("file", "名单中没有学员")
    with transaction.atomic():
        submitted = AttendeeList.objects.create(project=project, submitted_by=by, rows=stored)
        audit_record(
            actor=by,
            action="seminar.attendees_submitted",
            object_type="attendee_list",
            object_id=submitted.pk,
            after={"project": project.pk, "rows": len(stored)},
        )
    return submitted


def _attendee_outcomes(attendees: AttendeeList, system: str) -> list[tuple[int, str, str, Person | None]]:
    """Each row matched against the platform's people: (row, status, message, person)."""
    project = attendees.project
    rows = [(number, decrypt_id_number(encrypted), name) for number, encrypted, name in attendees.rows]
    hashes = {id_number_hash(id_number) for _, id_number, _ in rows}
    people = {p.id_number_hash: p for p in Person.objects.filter(id_number_hash__in=hashes).select_related("series")}
    registered = set(
        LedgerEntry.objects.filter(
            source_system=system, source_record_id__in=[str(p.pk) for p in people.values()]
        ).values_list("source_record_id", flat=True)
    )
    held = {
        h.source_record_id: h
        for h in HeldRecord.objects.filter(
            source_system=system, source_record_id__in=[str(p.pk) for p in people.values()]
        ).exclude(status=HeldRecord.Status.APPROVED)
    }
    seen: set[int] = set()
    outcomes: list[tuple[int, str, str, Person | None]] = []
    for number, id_number, name in rows:
        person = people.get(id_number_hash(id_number))
        earlier = held.get(str(person.pk)) if person is not None else None
        if person is None:
            outcomes.append((number, "rejected", "身份证号码：该人员尚未在平台登记", None))
        elif person.name != name:
            outcomes.append((number, "rejected", "姓名：与平台登记的该身份证号码持有人不一致", None))
        elif str(person.pk) in registered or person.pk in seen:
            outcomes.append((number, "duplicate", "已登记", None))
        elif earlier is not None and earlier.status == HeldRecord.Status.PENDING:
            outcomes.append((number, "duplicate", "此前已暂缓登记，待审批部门确认", None))
        elif earlier is not None:
            outcomes.append((number, "rejected", f"此前经审核不予登记：{earlier.decision_reason}", None))
        elif project.series is not None and person.series_id != project.series_id:
            # DESIGN §2: not registered silently; the approving authority decides (ledger/holds.py).
            seen.add(person.pk)
            outcomes.append((number, HELD, _outside_series(person, project), person))
        else:
            seen.add(person.pk)
            outcomes.append((number, "created", "", person))
    return outcomes


HELD = "held"


def _outside_series(person: Person, project: SeminarProject) -> str:
    theirs = person.series.name if person.series is not None else "未登记职称系列"
    ours = project.series.name if project.series is not None else ""
    return f"学员（{theirs}）不属于本项目的{ours}系列，暂缓登记，由项目审批部门确认"


def attendees_check(*, attendees: AttendeeList, by, register: bool) -> list[tuple[int, str, str]]:
    """R12c: the approving authority checks a submitted list; with `register`, each matched
    attendee gets the level's 60/48/36 professional hours, once per person and project.

    Returns (row, status, message) per row: created, duplicate, held (an attendee outside the
    project's series, for the approving authority to decide on the held-records page) or rejected
    with the reason.
    """
    require(by, Action.CHECK_ATTENDEES, attendees)
    project = attendees.project
    hours = seminar_hours(project.level, rules_on(project.end_on))
    system = f"seminar-{project.pk}"
    with transaction.atomic():
        locked = AttendeeList.objects.select_for_update().get(pk=attendees.pk)
        if locked.status == AttendeeList.REGISTERED:
            return [tuple(row) for row in locked.report]  # type: ignore[misc]
        outcomes = _attendee_outcomes(locked, system)
        report = [(n, status, message or f"{hours} 学时") for n, status, message, _ in outcomes]
        if not register:
            return report
        if project.end_on >= timezone.localdate():
            # DESIGN §2: 高研班 hours enter after the seminar's last day; the list waits until then.
            raise DeclarationError(
                "", f"高研班于 {project.end_on.isoformat()} 结束，结束后方可登记学时；名单已保存，届时再确认登记"
            )
        attendees_in = [
            (i, person) for i, (_, status, _, person) in enumerate(outcomes) if status == "created" and person
        ]
        entries = [_seminar_entry(project, person, hours, system) for _, person in attendees_in]
        registered = entries_register_bulk(
            entries=entries, by=by, audit_object_type="attendee_list", audit_object_id=locked.pk
        )
        outside = [(i, person) for i, (_, status, _, person) in enumerate(outcomes) if status == HELD and person]
        if outside:
            held_entries = [_seminar_entry(project, person, hours, system) for _, person in outside]
            entries_hold(
                held_entries,
                {k: Hold(HoldReason.OUTSIDE_SERIES, report[i][2]) for k, (i, _) in enumerate(outside)},
                by_label=actor_label_of(by),
                seminar_id=project.pk,
            )
        for (i, _), outcome in zip(attendees_in, registered, strict=True):
            # Another list of the same project may have registered the person since the match above.
            if outcome.status == Outcome.DUPLICATE:
                report[i] = (report[i][0], "duplicate", "已登记")
            elif outcome.status == Outcome.REFUSED:
                assert outcome.refusal is not None  # a REFUSED outcome always carries its refusal
                report[i] = (report[i][0], "rejected", outcome.refusal.message)
        locked.status, locked.checked_by, locked.checked_at = AttendeeList.REGISTERED, by, timezone.now()
        locked.report = [list(row) for row in report]
        locked.save(update_fields=["status", "checked_by", "checked_at", "report"])
        audit_record(
            actor=by,
            action="seminar.attendees_registered",
            object_type="attendee_list",
            object_id=locked.pk,
            after={s: sum(1 for _, st, _ in report if st == s) for s in ("created", "duplicate", HELD, "rejected")},
        )
    return report


def _seminar_entry(project: SeminarProject, person: Person, hours, system: str) -> NewEntry:
    return NewEntry(
        person_id=person.pk,
        category=Category.PROFESSIONAL,
        hours=hours,
        source=Source.SEMINAR,
        title=f"高研班：{project.name}",
        completed_on=project.end_on,
        activity_type="advanced_seminar",
        start_on=project.start_on,
        end_on=project.end_on,
        source_system=system,
        source_record_id=str(person.pk),
        explanation=f"经批准的{project.get_level_display()}高研班认定 {hours} 专业科目学时（第十二条）",
        day_capped=True,
    )

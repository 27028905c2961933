"""Writes of the declaration workflow (R16.2, R17, R20, R21). One transaction each, audited.

Who may do what is asked of the access policy (access/policy.py) here, before writing, so pages
and the API cannot differ. Decisions use the declaration's version as an optimistic lock: of two reviewers deciding
at once, one wins and the other is told, and the ledger is written once.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from cehours.access import policy
from cehours.audit.services import actor_label_of, audit_record
from cehours.errors import FieldError
from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.rulesets import rules_for_year, rules_on
from cehours.ledger.services import entry_register, entry_reverse
from cehours.people.models import Person
from cehours.rules.catalogue import Formula, claim_hours
from cehours.rules.review import NEEDS_REASON, REVIEWER_ACTIONS, Action, State, TransitionError, next_state
from cehours.rules.ruleset import FIELD_SPECS, RuleSet

from .catalogue import activity_rule, catalogue_for
from .evidence import MAX_FILES_PER_DECLARATION, EvidenceError, inspect
from .models import ActivityType, Declaration, DeclarationEvent, Evidence, IntegrityEntry, Notice


class DeclarationError(FieldError):
    """Refused; `field` names the input at fault (empty for the request as a whole)."""


class DecisionConflict(DeclarationError):
    """Another reviewer decided (or the person withdrew) first."""


def record_event(declaration: Declaration, action: str, before: str, by, reason: str = "") -> None:
    DeclarationEvent.objects.create(
        declaration=declaration,
        action=action,
        from_state=before,
        to_state=declaration.status,
        actor=by if getattr(by, "pk", None) else None,
        actor_label=actor_label_of(by),
        reason=reason,
    )
    audit_record(
        actor=by,
        action=f"declaration.{action}",
        object_type="declaration",
        object_id=declaration.pk,
        before={"status": before},
        after={"status": declaration.status, "reason": reason, "hours": declaration.hours},
    )


def notify(user, message: str, link: str = "") -> None:
    if user is not None:
        Notice.objects.create(user=user, message=message[:500], link=link)


def _own(person: Person, by) -> None:
    policy.require(by, policy.Action.DECLARE, person, "只能由本人申报或修改自己的学时申报")


def _already_approved(person: Person, activity: ActivityType, year: int, excluding: int | None) -> Decimal:
    rows = Declaration.objects.filter(
        person=person, activity_type__code=activity.code, year=year, status=State.APPROVED
    )
    if excluding:
        rows = rows.exclude(pk=excluding)
    return rows.aggregate(total=Sum("hours"))["total"] or Decimal(0)


def declaration_preview(
    *, person: Person, activity: ActivityType, quantity, start_on: date, end_on: date, excluding: int | None = None
):
    """The hours and why, computed before submission (R8 catalogue, R12a 6 h/day)."""
    if activity not in catalogue_for(person):
        raise DeclarationError("activity_type", "该学习形式不在您所在行业的目录中")
    try:
        quantity = Decimal(str(quantity))
    except InvalidOperation as exc:
        raise DeclarationError("quantity", "数量应为数字") from exc
    if not quantity.is_finite() or quantity <= 0 or quantity > 1000:
        raise DeclarationError("quantity", "数量应大于 0 且不超过 1000")
    if end_on < start_on:
        raise DeclarationError("end_on", "结束日期不能早于开始日期")
    if end_on > timezone.localdate():
        raise DeclarationError("end_on", "只能申报已经完成的学习")
    already = _already_approved(person, activity, end_on.year, excluding)
    try:
        return claim_hours(
            activity_rule(activity),
            quantity=quantity,
            start_on=start_on,
            end_on=end_on,
            already_this_year=already,
            rules=rules_on(end_on),
        )
    except ValueError as exc:
        raise DeclarationError("quantity", str(exc)) from exc


def claim_at_registration(declaration: Declaration):
    """The hours as they stand when a decision registers them (R8, R12a).

    A per-year cap counts only approved declarations, so two pending declarations of the same type
    can each fit the cap alone; the second to be approved gets only the room the first left. The
    caller locks the person's row so that two approvals for one person are computed one after the other.
    """
    return claim_hours(
        activity_rule(declaration.activity_type),
        quantity=declaration.quantity,
        start_on=declaration.start_on,
        end_on=declaration.end_on,
        already_this_year=_already_approved(
            declaration.person, declaration.activity_type, declaration.year, declaration.pk
        ),
        rules=rules_on(declaration.end_on),
    )


def declaration_create(
    *,
    person: Person,
    by,
    activity: ActivityType,
    title: str,
    organiser: str,
    start_on: date,
    end_on: date,
    quantity,
    evidence: tuple[str, bytes] | None = None,
) -> Declaration:
    """A draft: the person sees the computed hours and adds evidence before submitting.

    `evidence` (file name, content) is checked before anything is written, so a refused file leaves
    neither a draft nor a stray file behind.
    """
    _own(person, by)
    if evidence is not None:
        try:
            inspect(evidence[1])
        except EvidenceError as exc:
            raise DeclarationError("file", str(exc)) from exc
    title = (title or "").strip()
    if not title or len(title) > 255:
        raise DeclarationError("title", "名称不能为空，且不超过255个字符")
    if len(organiser or "") > 128:
        raise DeclarationError("organiser", "举办单位不超过128个字符")
    claim = declaration_preview(person=person, activity=activity, quantity=quantity, start_on=start_on, end_on=end_on)
    with transaction.atomic():
        declaration = Declaration.objects.create(
            person=person,
            activity_type=activity,
            category=activity.category,
            title=title,
            organiser=(organiser or "").strip(),
            start_on=start_on,
            end_on=end_on,
            quantity=Decimal(str(quantity)),
            hours=claim.hours,
            explanation=claim.explanation[:500],
            year=end_on.year,
        )
        record_event(declaration, "created", "", by)
        if evidence is not None:
            evidence_add(declaration=declaration, by=by, name=evidence[0], content=evidence[1])
    return declaration


def declaration_copy(*, declaration: Declaration, by) -> Declaration:
    """A new draft from a withdrawn declaration, with its fields and its proof files (issue 12):
    withdrawing is final, so a person who withdrew by mistake starts again from what they had."""
    _own(declaration.person, by)
    if declaration.status != State.WITHDRAWN:
        raise DeclarationError("action", "只有已撤回的申报可以复制为新草稿")
    activity = declaration.activity_type
    while activity.superseded_by_id is not None:  # the catalogue line as it reads now
        activity = ActivityType.objects.get(pk=activity.superseded_by_id)
    with transaction.atomic():
        copy = declaration_create(
            person=declaration.person, by=by, activity=activity, title=declaration.title,
            organiser=declaration.organiser, start_on=declaration.start_on, end_on=declaration.end_on,
            quantity=declaration.quantity,
        )  # fmt: skip
        for proof in declaration.evidence.order_by("pk"):
            with proof.file.open("rb") as stored:
                evidence_add(declaration=copy, by=by, name=proof.original_name, content=stored.read())
        record_event(copy, "copied", State.DRAFT, by, reason=f"复制自第 {declaration.pk} 号申报“{declaration.title}”")
    return copy


def evidence_add(*, declaration: Declaration, by, name: str, content: bytes) -> Evidence:
    _own(declaration.person, by)
    if declaration.status not in (State.DRAFT, State.RETURNED):
        raise DeclarationError("file", "只有草稿或退回补充材料的申报可以添加证明材料")
    try:
        content_type, extension, digest = inspect(content)
    except EvidenceError as exc:
        raise DeclarationError("file", str(exc)) from exc
    with transaction.atomic():
        # Locked, so that two uploads at the same moment are counted one after the other.
        list(Declaration.objects.select_for_update().filter(pk=declaration.pk).values_list("pk"))
        if Evidence.objects.filter(declaration=declaration).count() >= MAX_FILES_PER_DECLARATION:
            raise DeclarationError("file", f"每项申报最多上传 {MAX_FILES_PER_DECLARATION} 个证明材料文件")
        evidence = Evidence(
            declaration=declaration,
            original_name=(name or "")[:255],
            content_type=content_type,
            size=len(content),
            sha256=digest,
        )
        evidence.file.save(f"{digest[:16]}.{extension}", ContentFile(content), save=False)
        evidence.save()
        audit_record(
            actor=by,
            action="declaration.evidence_added",
            object_type="declaration",
            object_id=declaration.pk,
            after={"file": evidence.original_name, "sha256": digest, "size": evidence.size},
        )
    return evidence


def _deadline(year: int, rules: RuleSet) -> date | None:
    """The last day a year's offline learning may first be submitted, or None: R16.2 (第十六条) sets
    no deadline, so there is one only where city HR turned `declaration_deadline_days` on."""
    days = rules.declaration_deadline_days
    return None if days is None else date(year, 12, 31) + timedelta(days=days)


def _check_deadline(declaration: Declaration, action: Action) -> None:
    """With a deadline on, a first submission must come by it. A claim a reviewer returned may
    always be resubmitted within `resubmission_days` of the return (and until the deadline anyway):
    the person is answering the reviewer, and a return just before the deadline must not close the
    year on them."""
    year = declaration.year
    rules = rules_for_year(year, series=declaration.person.series_id)
    deadline = _deadline(year, rules)
    today = timezone.localdate()
    if deadline is None or today <= deadline:
        return
    closed = (
        f"{year}年度的线下学习申报已于 {deadline} 截止"
        f"（规则“{FIELD_SPECS['declaration_deadline_days'].label}”为 {rules.declaration_deadline_days} 天）"
    )
    if action == Action.RESUBMIT and declaration.decided_at is not None:
        until = timezone.localdate(declaration.decided_at) + timedelta(days=rules.resubmission_days)
        if today <= until:
            return
        raise DeclarationError(
            "",
            f"{closed}；退回补充材料的申报可在退回后 {rules.resubmission_days} 天内（至 {until}）重新提交"
            f"（规则“{FIELD_SPECS['resubmission_days'].label}”），现已逾期",
        )
    raise DeclarationError("", closed)


def _person_move(declaration: Declaration, by, action: Action) -> Declaration:
    _own(declaration.person, by)
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        before = locked.status
        try:
            locked.status = next_state(before, action)
        except TransitionError as exc:
            raise DeclarationError("", str(exc)) from exc
        if action in (Action.SUBMIT, Action.RESUBMIT):
            if not locked.evidence.exists():
                raise DeclarationError("file", "请先上传证明材料（PDF、JPEG 或 PNG）")
            _check_deadline(locked, action)
            claim = declaration_preview(
                person=locked.person,
                activity=locked.activity_type,
                quantity=locked.quantity,
                start_on=locked.start_on,
                end_on=locked.end_on,
                excluding=locked.pk,
            )
            locked.hours, locked.explanation = claim.hours, claim.explanation[:500]
            locked.submitted_at = timezone.now()
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        record_event(locked, action.value, before, by)
    return locked


def declaration_submit(*, declaration: Declaration, by) -> Declaration:
    return _person_move(declaration, by, Action.SUBMIT)


def declaration_resubmit(*, declaration: Declaration, by) -> Declaration:
    return _person_move(declaration, by, Action.RESUBMIT)


def declaration_withdraw(*, declaration: Declaration, by) -> Declaration:
    return _person_move(declaration, by, Action.WITHDRAW)


def declaration_decide(*, declaration: Declaration, by, action: str, reason: str = "", version: int) -> Declaration:
    """A level-1+ reviewer in scope approves, rejects or returns (R16.2, R17).

    `version` is the version the reviewer saw; if anybody acted since, nothing is written and the
    reviewer is told. Approval registers the hours in the same transaction.
    """
    try:
        action = Action(action)
    except ValueError as exc:
        raise DeclarationError("action", "审核操作应为通过、不通过或退回补充材料") from exc
    if action not in REVIEWER_ACTIONS:
        raise DeclarationError("action", "审核操作应为通过、不通过或退回补充材料")
    policy.require(by, policy.Action.DECIDE, declaration)
    level = policy.level_over(by, policy.Action.DECIDE, declaration)
    if declaration.person.user_id is not None and declaration.person.user_id == by.pk:
        raise DeclarationError("", "审核人员不能审核本人的申报（回避）")
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        raise DeclarationError("reason", "不通过或退回时须填写理由，申报人将看到该理由")
    with transaction.atomic():
        current = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if current.version != version:
            raise DecisionConflict("", "该申报已被其他审核人员处理或已变更，请刷新后查看最新状态")
        before = current.status
        try:
            new_state = next_state(before, action)
        except TransitionError as exc:
            raise DecisionConflict("", str(exc)) from exc
        recomputed = {}
        if new_state == State.APPROVED:
            Person.objects.select_for_update().get(pk=current.person_id)
            claim = claim_at_registration(current)
            recomputed = {"hours": claim.hours, "explanation": claim.explanation[:500]}
        updated = Declaration.objects.filter(pk=current.pk, version=version, status=before).update(
            status=new_state,
            version=F("version") + 1,
            decided_at=timezone.now(),
            decided_by=by,
            decided_level=level,
            decision_reason=reason,
            **recomputed,
        )
        if updated != 1:  # the row lock above makes this unreachable; kept as the last line of defence
            raise DecisionConflict("", "该申报已被其他审核人员处理，请刷新后查看最新状态")
        current.refresh_from_db()
        if new_state == State.APPROVED:
            current.entry = register_hours(current, by)
            current.save(update_fields=["entry"])
        record_event(current, action.value, before, by, reason)
        notify(
            current.person.user,
            f"您的学时申报“{current.title}”{current.status_label}" + (f"：{reason}" if reason else ""),
            link=f"/declarations/{current.pk}/",
        )
    return current


def register_hours(declaration: Declaration, by) -> LedgerEntry:
    """The approved claim into the ledger; where other records already fill its days (R12a across
    sources) the ledger registers what still fits, and the declaration shows that figure and why."""
    entry = entry_register(
        person=declaration.person,
        category=declaration.category,
        hours=declaration.hours,
        source=Source.DECLARATION,
        title=declaration.title,
        completed_on=declaration.end_on,
        by=by,
        activity_type=declaration.activity_type.code,
        start_on=declaration.start_on,
        end_on=declaration.end_on,
        source_system="declaration",
        source_record_id=f"{declaration.pk}:{declaration.version}",
        explanation=declaration.explanation[:255],
        day_capped=declaration.activity_type.formula == Formula.PER_DAY,
    )
    if entry.hours != declaration.hours:
        Declaration.objects.filter(pk=declaration.pk).update(hours=entry.hours, explanation=entry.explanation[:500])
        declaration.hours, declaration.explanation = entry.hours, entry.explanation[:500]
    return entry


def registered_entry(declaration: Declaration) -> LedgerEntry | None:
    """The declaration's ledger entry if it still counts (not reversed)."""
    entry = declaration.entry
    if entry is None or LedgerEntry.objects.filter(reverses=entry).exists():
        return None
    return entry


def integrity_record(
    *,
    person: Person,
    finding: str,
    by,
    on: date,
    declaration: Declaration | None = None,
    entry: LedgerEntry | None = None,
    evidence_note: str = "",
) -> IntegrityEntry:
    """R20: a level-2 or level-3 reviewer whose scope holds the person records falsification; the
    declaration's hours, or the given entry's whatever its source, are reversed and title
    applications are blocked until level 3 lifts it."""
    policy.require(by, policy.Action.RECORD_INTEGRITY, person, field="person")
    if not (finding or "").strip():
        raise DeclarationError("finding", "查实情况不能为空")
    if declaration is not None and declaration.person_id != person.pk:
        raise DeclarationError("declaration", "该申报不属于此人员")
    if entry is not None:
        if entry.person_id != person.pk:
            raise DeclarationError("entry", "该学时记录不属于此人员")
        if entry.reverses_id is not None:
            raise DeclarationError("entry", "冲销记录本身不能记入诚信档案，请选择被冲销的原记录")
        if declaration is not None and declaration.entry_id != entry.pk:
            raise DeclarationError("entry", "该学时记录不是此申报登记的记录")
    with transaction.atomic():
        record = IntegrityEntry.objects.create(
            person=person,
            declaration=declaration,
            entry=entry,
            finding=finding.strip(),
            evidence_note=(evidence_note or "").strip(),
            recorded_on=on,
            recorded_by=by,
        )
        counted = None
        if entry is not None:
            if not LedgerEntry.objects.filter(reverses=entry).exists():
                counted = entry
        elif declaration is not None:
            counted = registered_entry(declaration)
        reversed_id = None
        if counted is not None:
            reversed_id = entry_reverse(entry=counted, by=by, reason=f"弄虚作假，记入诚信档案：{finding.strip()}").pk
        audit_record(
            actor=by,
            action="integrity.recorded",
            object_type="integrity_entry",
            object_id=record.pk,
            after={
                "person_id": person.pk,
                "declaration_id": declaration.pk if declaration else None,
                "ledger_entry_id": entry.pk if entry else None,
                "finding": record.finding,
                "recorded_on": on,
                "reversal_entry_id": reversed_id,
            },
        )
        notify(person.user, "您的继续教育学时存在弄虚作假情形，已记入职称评审诚信档案，取消职称申报资格（第二十条）")
    return record


def integrity_lift(*, entry: IntegrityEntry, by, reason: str, on: date) -> IntegrityEntry:
    """Only the city HR bureau (level 3) lifts an entry (DESIGN §2)."""
    policy.require(by, policy.Action.LIFT_INTEGRITY, entry, field="entry")
    if not (reason or "").strip():
        raise DeclarationError("reason", "解除理由不能为空")
    with transaction.atomic():
        locked = IntegrityEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.lifted_on is not None:
            raise DeclarationError("entry", "该记录已解除")
        locked.lifted_on, locked.lifted_by, locked.lift_reason = on, by, reason.strip()
        locked.save(update_fields=["lifted_on", "lifted_by", "lift_reason"])
        audit_record(
            actor=by,
            action="integrity.lifted",
            object_type="integrity_entry",
            object_id=locked.pk,
            before={"lifted_on": None},
            after={"lifted_on": on, "reason": locked.lift_reason},
        )
    return locked

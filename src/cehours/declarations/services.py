"""Recording and lifting integrity-archive entries (R20), reserved to level-2/3 reviewers."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from cehours.access.grants import reviewer_level_over
from cehours.audit.services import audit_record
from cehours.people.models import Person

from .models import IntegrityEntry


class IntegrityActionError(PermissionError):
    """Not allowed or not valid; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def integrity_record(*, person: Person, finding: str, by, on: date) -> IntegrityEntry:
    """R20: a level-2 or level-3 reviewer whose scope holds the person records falsification."""
    if reviewer_level_over(by, person) < 2:
        raise IntegrityActionError("person", "只有二级或三级管理权限可在其职责范围内记录诚信档案")
    if not (finding or "").strip():
        raise IntegrityActionError("finding", "查实情况不能为空")
    with transaction.atomic():
        entry = IntegrityEntry.objects.create(person=person, finding=finding.strip(), recorded_on=on, recorded_by=by)
        audit_record(
            actor=by,
            action="integrity.recorded",
            object_type="integrity_entry",
            object_id=entry.pk,
            after={"person_id": person.pk, "finding": entry.finding, "recorded_on": on},
        )
    return entry


def integrity_lift(*, entry: IntegrityEntry, by, reason: str, on: date) -> IntegrityEntry:
    """Only the city HR bureau (level 3) lifts an entry (DESIGN §2)."""
    if reviewer_level_over(by, entry.person) < 3:
        raise IntegrityActionError("entry", "只有三级管理权限（市人力社保局）可以解除诚信档案记录")
    if not (reason or "").strip():
        raise IntegrityActionError("reason", "解除理由不能为空")
    with transaction.atomic():
        locked = IntegrityEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.lifted_on is not None:
            raise IntegrityActionError("entry", "该记录已解除")
        before = {"lifted_on": None}
        locked.lifted_on, locked.lifted_by, locked.lift_reason = on, by, reason.strip()
        locked.save(update_fields=["lifted_on", "lifted_by", "lift_reason"])
        audit_record(
            actor=by,
            action="integrity.lifted",
            object_type="integrity_entry",
            object_id=locked.pk,
            before=before,
            after={"lifted_on": on, "reason": locked.lift_reason},
        )
    return locked

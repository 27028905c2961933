"""An industry authority sets its own activity catalogue (R8): its lines replace the platform defaults."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from cehours.access.policy import Action, PolicyDenied, grants_for
from cehours.audit.services import audit_record
from cehours.people.models import Series
from cehours.rules.catalogue import Formula
from cehours.rules.hours import Category

from .models import ActivityType
from .services import DeclarationError


def authority_series(user) -> list[Series]:
    """The series whose catalogue the user may edit: those of their industry-authority grants."""
    grants = grants_for(user, Action.EDIT_CATALOGUE)
    if any(g.series_id is None for g in grants):
        return list(Series.objects.all())
    return list(Series.objects.filter(pk__in=[g.series_id for g in grants]))


def activity_save(
    *,
    by,
    series: Series,
    code: str,
    name: str,
    category: str,
    formula: str,
    hours_per_unit: Decimal,
    unit_label: str,
    per_item_cap: Decimal | None,
    per_year_cap: Decimal | None,
    evidence_hint: str,
    active: bool = True,
) -> ActivityType:
    """Create or change the series' own line for `code` (an override of the default with that code)."""
    if series not in authority_series(by):
        raise PolicyDenied(Action.EDIT_CATALOGUE, field="series")
    if category not in {c.value for c in Category}:
        raise DeclarationError("category", "科目类别无效")
    if formula not in {f.value for f in Formula}:
        raise DeclarationError("formula", "计算方式应为按天、按项或固定学时")
    if not Decimal(0) < hours_per_unit <= Decimal(1000):
        raise DeclarationError("hours_per_unit", "每天/每项学时应大于 0 且不超过 1000")
    for field, cap in (("per_item_cap", per_item_cap), ("per_year_cap", per_year_cap)):
        if cap is not None and not Decimal(0) < cap <= Decimal(1000):
            raise DeclarationError(field, "上限应大于 0 且不超过 1000，或留空表示不设上限")
    with transaction.atomic():
        row = ActivityType.objects.select_for_update().filter(series=series, code=code).first()
        before = None
        if row is None:
            row = ActivityType(series=series, code=code)
        else:
            before = {
                "name": row.name,
                "hours_per_unit": row.hours_per_unit,
                "per_item_cap": row.per_item_cap,
                "per_year_cap": row.per_year_cap,
                "active": row.active,
            }
        row.name, row.category, row.formula = name.strip(), category, formula
        row.hours_per_unit, row.unit_label = hours_per_unit, unit_label.strip() or "项"
        row.per_item_cap, row.per_year_cap = per_item_cap, per_year_cap
        row.evidence_hint, row.is_default, row.active = evidence_hint.strip(), False, active
        row.save()
        audit_record(
            actor=by,
            action="catalogue.saved",
            object_type="activity_type",
            object_id=row.pk,
            before=before,
            after={
                "series": series.pk,
                "code": code,
                "name": row.name,
                "formula": formula,
                "hours_per_unit": hours_per_unit,
                "per_item_cap": per_item_cap,
                "per_year_cap": per_year_cap,
                "active": active,
            },
        )
    return row

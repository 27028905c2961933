"""An industry authority sets its own activity catalogue (R8): its lines replace the platform defaults."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

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
    """Create or change the series' own line for `code` (an override of the default with that code).

    A change is a new version of the line: the current one is closed (superseded), not edited, so a
    pending declaration made under it is decided under it (R8; DESIGN: catalogues are data)."""
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
        lines = ActivityType.objects.select_for_update().filter(series=series, code=code)
        current = lines.filter(superseded_at__isnull=True).first()
        figures = {
            "name": name.strip(), "category": category, "formula": formula, "hours_per_unit": hours_per_unit,
            "unit_label": unit_label.strip() or "项", "per_item_cap": per_item_cap, "per_year_cap": per_year_cap,
            "evidence_hint": evidence_hint.strip(), "active": active,
        }  # fmt: skip
        before = None
        if current is not None:
            before = {"line": current.pk, **{k: getattr(current, k) for k in figures}}
            if all(getattr(current, k) == v for k, v in figures.items()):
                return current  # nothing changed: no new version
        # A new version of the line; the one it replaces stays, closed, for the declarations made
        # under it (they are decided by the figures they were declared with).
        if current is not None:  # closed first: one current line per series and code
            current.superseded_at = timezone.now()
            current.save(update_fields=["superseded_at"])
        row = ActivityType.objects.create(series=series, code=code, is_default=False, **figures)
        if current is not None:
            current.superseded_by = row
            current.save(update_fields=["superseded_by"])
        audit_record(
            actor=by,
            action="catalogue.saved",
            object_type="activity_type",
            object_id=row.pk,
            before=before,
            after={"series": series.pk, "code": code, "line": row.pk, **figures},
        )
    return row

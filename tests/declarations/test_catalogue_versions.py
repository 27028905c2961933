"""Catalogue lines are versioned (R8; issue "Rule versions and catalogues are data"): an industry
authority's change makes a new line and closes the old one, and a pending declaration is decided
under the line it was declared with, while new declarations take the new line."""

from __future__ import annotations

from decimal import Decimal

from cehours.audit.models import AuditEvent
from cehours.declarations.catalogue import catalogue_for
from cehours.declarations.catalogue_admin import activity_save
from cehours.declarations.models import ActivityType
from cehours.people.models import Series

from .conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from .support import decide, declare


def _training(by, hours: str, cap: str | None = None) -> ActivityType:
    return activity_save(
        by=by, series=Series.objects.get(code="health"), code="training", name="卫生系列培训", category="professional",
        formula="per_day", hours_per_unit=Decimal(hours), unit_label="天",
        per_item_cap=Decimal(cap) if cap else None, per_year_cap=None, evidence_hint="结业证书",
    )  # fmt: skip


def test_r8_a_pending_declaration_is_decided_under_the_line_it_was_declared_with(cast):  # noqa: F811
    authority, nurse = cast["health_authority"], cast["nurse"]
    first = _training(authority, "6")
    pending = declare(nurse, "training", quantity="1")
    assert pending.activity_type == first and pending.hours == Decimal("6.0")

    second = _training(authority, "4")
    assert second.pk != first.pk
    first.refresh_from_db()
    assert (first.superseded_by, first.superseded_at is not None) == (second, True)
    assert [row.pk for row in catalogue_for(nurse) if row.code == "training"] == [second.pk]

    approved = decide(pending, cast["county_l1"], "approve")
    assert approved.status == "approved"
    assert approved.entry.hours == Decimal("6.0"), "decided by the 6 hours a day it was declared with"
    later = declare(nurse, "training", quantity="1")
    assert (later.activity_type, later.hours) == (second, Decimal("4.0"))

    saved = AuditEvent.objects.filter(action="catalogue.saved").order_by("seq").last()
    assert saved.before["line"] == first.pk and saved.after["line"] == second.pk


def test_r8_saving_a_line_unchanged_makes_no_new_version(cast):  # noqa: F811
    authority = cast["health_authority"]
    first = _training(authority, "6")
    again = _training(authority, "6.0")
    assert again.pk == first.pk
    assert ActivityType.objects.filter(series__code="health", code="training").count() == 1

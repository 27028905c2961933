"""Who may read which part of the audit trail (R21: superiors read what the staff below them did)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cehours.access.models import Grant, Role
from cehours.access.scope import user_grants

from .models import AuditEvent


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """City-wide HR administrators and level-3 reviewers read every event. A level-2 reviewer reads
    the events of staff whose grants lie inside its own scope. Everyone reads their own events."""
    if user is None or not user.is_authenticated or not user.is_active:
        return AuditEvent.objects.none()
    grants = user_grants(user)
    city_wide = [g for g in grants if not (g.county_id or g.series_id or g.unit_id)]
    if any(g.role == Role.HR_ADMIN or (g.role == Role.REVIEWER and g.level == 3) for g in city_wide):
        return AuditEvent.objects.all()
    inside = Q(pk__in=[])
    for grant in grants:
        if grant.role == Role.REVIEWER and grant.level == 2:
            term = Q()
            if grant.county_id:
                term &= Q(county_id=grant.county_id)
            if grant.series_id:
                term &= Q(series_id=grant.series_id)
            inside |= term
    staff = Grant.objects.filter(inside).values("user_id")
    return AuditEvent.objects.filter(Q(actor_id__in=staff) | Q(actor=user))

"""Reads of the audit trail, through the access policy (R21: superiors read what the staff below did)."""

from __future__ import annotations

from django.db.models import QuerySet

from cehours.access.policy import Action

from .models import AuditEvent


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """City-wide HR administrators and level-3 reviewers read every event; HR administrators and
    level-2 reviewers with a narrower scope read the events of staff whose grants lie inside it;
    everyone reads their own events (see access/policy.py)."""
    return AuditEvent.objects.restrict(user, Action.READ_AUDIT)

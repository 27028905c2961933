"""Reads of declarations, review queues, fraud signals and the integrity archive."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from cehours.access.policy import Action, can
from cehours.batching import chunked
from cehours.rules.eligibility import IntegrityRecord
from cehours.rules.review import State

from .models import Declaration, Evidence, IntegrityEntry, Notice


def integrity_records_of(person_ids: Iterable[int]) -> dict[int, list[IntegrityRecord]]:
    """R20's integrity-archive entries of many people, by person id: one query for a chunk of ids."""
    records: dict[int, list[IntegrityRecord]] = {}
    for chunk in chunked(person_ids):
        rows = IntegrityEntry.objects.filter(person_id__in=chunk).values_list("person_id", "recorded_on", "lifted_on")
        for person_id, recorded_on, lifted_on in rows:
            records.setdefault(person_id, []).append(IntegrityRecord(recorded_on=recorded_on, lifted_on=lifted_on))
    return records


def declaration_visible(user, pk: int) -> Declaration | None:
    """Through the one scope door: the person themself and staff whose scope holds the person."""
    return (
        Declaration.objects.visible_to(user)
        .select_related("person", "person__unit", "person__series", "activity_type", "entry", "decided_by")
        .filter(pk=pk)
        .first()
    )


def may_decide(user, declaration: Declaration) -> bool:
    return can(user, Action.DECIDE, declaration)


def review_queue(user, *, status: str = State.SUBMITTED, year: int | None = None, name: str = "") -> QuerySet:
    """Declarations routed to this reviewer: those of people in a scope the user reviews (R17)."""
    rows = Declaration.objects.restrict(user, Action.DECIDE).select_related("person", "person__unit", "activity_type")
    if status:
        rows = rows.filter(status=status)
    if year:
        rows = rows.filter(year=year)
    if name:
        rows = rows.filter(person__name__startswith=name)
    return rows.order_by("submitted_at", "pk")


def fraud_signals(declaration: Declaration, viewer=None) -> list[Evidence]:
    """The same evidence file (by SHA-256) in another person's declaration: shown to reviewers.

    Each signal's `in_scope` says whether the viewer may see that other declaration; one outside the
    viewer's scope is flagged without naming its person (the scope door holds here too).
    """
    digests = list(declaration.evidence.values_list("sha256", flat=True))
    signals = list(
        Evidence.objects.filter(sha256__in=digests)
        .exclude(declaration__person_id=declaration.person_id)
        .select_related("declaration", "declaration__person")
    )
    visible = None
    if viewer is not None:
        ids = [s.declaration_id for s in signals]
        visible = set(Declaration.objects.visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True))
    for signal in signals:
        signal.in_scope = visible is None or signal.declaration_id in visible
    return signals


def evidence_visible(user, pk: int) -> Evidence | None:
    return Evidence.objects.restrict(user, Action.VIEW_EVIDENCE).filter(pk=pk).select_related("declaration").first()


def notices_for(user, limit: int = 10) -> list[Notice]:
    """The latest messages to the user; showing them marks the unread ones read."""
    if not user.is_authenticated:
        return []
    notices = list(Notice.objects.filter(user=user)[:limit])
    unread = [n.pk for n in notices if n.read_at is None]
    if unread:
        Notice.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return notices

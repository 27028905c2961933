"""Data quality of connected systems (issue 13): every batch counted by day, outcome and reason as
it is answered, and read back per system for the HR bureau and the system's industry authority."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum

from cehours.access.policy import Action, grants_for
from cehours.ledger.models import HeldRecord

from .models import ConnectedSystem, IntakeTally

OUTCOMES = ("created", "duplicate", "held", "rejected")


def tally_batch(system: ConnectedSystem, results, *, day: date, at: datetime) -> None:
    """Count a batch's answers: one UPDATE (or INSERT, the first time that day) per outcome and code."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for result in results:
        first = result.errors[0] if result.status in ("rejected", "held") and result.errors else {}
        counts[(result.status, first.get("code", ""), str(first.get("field", ""))[:32])] += 1
    # In key order, so two batches committing together lock the same rows in the same order.
    for (outcome, code, field), n in sorted(counts.items()):
        rows = IntakeTally.objects.filter(system=system, day=day, outcome=outcome, code=code, field=field)
        if rows.update(count=F("count") + n, last_at=at):
            continue
        try:
            with transaction.atomic():
                IntakeTally.objects.create(
                    system=system, day=day, outcome=outcome, code=code, field=field, count=n, last_at=at
                )
        except IntegrityError:  # a concurrent batch created the row first
            rows.update(count=F("count") + n, last_at=at)


def systems_watched(user) -> QuerySet[ConnectedSystem]:
    """The systems whose data the user follows: those HR manages in its scope, and for an industry
    authority those allowed to register hours of its series."""
    managed = ConnectedSystem.objects.restrict(user, Action.MANAGE_SYSTEMS)
    series = [g.series_id for g in grants_for(user, Action.EDIT_CATALOGUE) if g.series_id]
    industry = ConnectedSystem.objects.filter(industries__in=series) if series else ConnectedSystem.objects.none()
    return ConnectedSystem.objects.filter(Q(pk__in=managed.values("pk")) | Q(pk__in=industry.values("pk"))).distinct()


@dataclass(frozen=True)
class SystemQuality:
    system: ConnectedSystem
    last_at: datetime | None
    days: list[tuple[date, dict[str, int]]]  # newest first, every day of the window
    reasons: list[tuple[str, str, int]]  # rejected records by (field, code) over the window, most first
    held_pending: list[tuple[str, int]]  # held records waiting, by reason code


def system_quality(system: ConnectedSystem, *, today: date, days: int = 14) -> SystemQuality:
    since = today - timedelta(days=days - 1)
    tallies = IntakeTally.objects.filter(system=system, day__gte=since)
    by_day: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for day, outcome, n in tallies.values_list("day", "outcome").annotate(n=Sum("count")):
        by_day[day][outcome] = n
    window = [(since + timedelta(days=i), by_day[since + timedelta(days=i)]) for i in range(days)][::-1]
    rejected = (
        tallies.filter(outcome="rejected")
        .values_list("field", "code")
        .annotate(n=Sum("count"))
        .order_by("-n", "field", "code")
    )
    held = (
        HeldRecord.objects.filter(source_system=system.code, status=HeldRecord.Status.PENDING)
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    last = IntakeTally.objects.filter(system=system).aggregate(last=Max("last_at"))["last"]
    return SystemQuality(system, last, window, [(f, c, n) for f, c, n in rejected], [(r, n) for r, n in held])

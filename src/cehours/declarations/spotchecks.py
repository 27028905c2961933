"""Spot checks (抽查复审, R17, R21): level 2 re-reviews level-1 decisions in its scope, level 3 any
level-1 or level-2 decision. Samples are reproducible from the recorded seed, rate and candidates."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cehours.access import policy
from cehours.audit.services import audit_record
from cehours.ledger.services import entry_reverse
from cehours.people.models import Person
from cehours.rules.review import State
from cehours.rules.sampling import draw_sample

from .models import Declaration, SpotCheck, SpotCheckItem
from .services import (
    DeclarationError,
    claim_at_registration,
    notify,
    record_event,
    register_hours,
    registered_entry,
)


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.max, tz)


def spot_check_candidates(user, *, decided_from: date, decided_to: date):
    """Decisions the user may re-review: level 2 — level-1 decisions in its scope; level 3 — level-1
    and level-2 decisions anywhere in its scope (the city HR bureau's scope is the city)."""
    level = policy.highest_level(user, policy.Action.SPOT_CHECK)
    if level < 2:
        return Declaration.objects.none(), level
    start, end = _window(decided_from, decided_to)
    below = [1] if level == 2 else [1, 2]
    decided = (
        Declaration.objects.restrict(user, policy.Action.SPOT_CHECK)
        .filter(status__in=[State.APPROVED, State.REJECTED], decided_at__range=(start, end), decided_level__in=below)
        .exclude(decided_by=user)
    )
    return decided, level


def spot_check_draw(
    *, by, rate, minimum_per_reviewer: int, decided_from: date, decided_to: date, seed: str | None = None
) -> SpotCheck:
    try:
        rate = Decimal(str(rate))
    except InvalidOperation as exc:
        raise DeclarationError("rate", "抽查比例应为 0 到 1 之间的小数") from exc
    if not rate.is_finite() or not Decimal(0) < rate <= Decimal(1):
        raise DeclarationError("rate", "抽查比例应大于 0 且不超过 1")
    if not 0 <= minimum_per_reviewer <= 100:
        raise DeclarationError("minimum_per_reviewer", "每名审核人员最少抽查数应在 0–100 之间")
    if decided_to < decided_from:
        raise DeclarationError("decided_to", "截止日期不能早于起始日期")
    candidates, level = spot_check_candidates(by, decided_from=decided_from, decided_to=decided_to)
    if level < 2:
        raise policy.PolicyDenied(policy.Action.SPOT_CHECK, "只有二级、三级管理权限可以抽查复审")
    pairs = sorted(candidates.values_list("pk", "decided_by_id"))
    seed = seed or secrets.token_hex(16)
    sample = draw_sample(pairs, rate=rate, minimum_per_reviewer=minimum_per_reviewer, seed=seed)
    with transaction.atomic():
        check = SpotCheck.objects.create(
            drawn_by=by,
            level=level,
            scope_label=_scope_label(by, level),
            rate=rate,
            minimum_per_reviewer=minimum_per_reviewer,
            seed=seed,
            decided_from=decided_from,
            decided_to=decided_to,
            candidate_ids=[[d, r] for d, r in pairs],
            sample_ids=sample,
        )
        chosen = Declaration.objects.filter(pk__in=sample)
        SpotCheckItem.objects.bulk_create(
            [
                SpotCheckItem(
                    spot_check=check, declaration=d, original_status=d.status, original_reviewer_id=d.decided_by_id
                )
                for d in chosen
            ]
        )
        audit_record(
            actor=by,
            action="spot_check.drawn",
            object_type="spot_check",
            object_id=check.pk,
            after={
                "seed": seed,
                "rate": rate,
                "minimum_per_reviewer": minimum_per_reviewer,
                "decided_from": decided_from,
                "decided_to": decided_to,
                "candidates": len(pairs),
                "sample": sample,
            },
        )
    return check


def _scope_label(user, level: int) -> str:
    labels = [
        g.scope_label for g in policy.grants_for(user, policy.Action.SPOT_CHECK) if policy.grant_level(g) == level
    ]
    return "、".join(labels) or "全市"


def spot_check_rederive(check: SpotCheck) -> list[int]:
    """Anyone can recompute the sample from what the draw recorded."""
    pairs = [(d, r) for d, r in check.candidate_ids]
    return draw_sample(pairs, rate=check.rate, minimum_per_reviewer=check.minimum_per_reviewer, seed=check.seed)


def spot_check_review(*, item: SpotCheckItem, by, outcome: str, reason: str) -> SpotCheckItem:
    """Uphold or overturn a sampled decision. An overturn reverses or registers the ledger entry,
    notifies the person and the first reviewer, and is audited."""
    if outcome not in (SpotCheckItem.UPHELD, SpotCheckItem.OVERTURNED):
        raise DeclarationError("outcome", "复审结果应为维持或改判")
    reason = (reason or "").strip()
    if outcome == SpotCheckItem.OVERTURNED and not reason:
        raise DeclarationError("reason", "改判须填写理由，申报人和原审核人员将看到该理由")
    declaration = item.declaration
    if item.spot_check.drawn_by_id != by.pk or policy.level_over(by, policy.Action.SPOT_CHECK, declaration) < max(
        2, item.spot_check.level
    ):
        raise policy.PolicyDenied(policy.Action.SPOT_CHECK, "该抽查项不在您的复审范围内")
    with transaction.atomic():
        locked = SpotCheckItem.objects.select_for_update().select_related("declaration").get(pk=item.pk)
        if locked.outcome != SpotCheckItem.PENDING:
            raise DeclarationError("", "该抽查项已复审")
        current = Declaration.objects.select_for_update().get(pk=declaration.pk)
        locked.outcome, locked.reason, locked.reviewed_by, locked.reviewed_at = outcome, reason, by, timezone.now()
        locked.save()
        effect = None
        if outcome == SpotCheckItem.OVERTURNED:
            before = current.status
            if before == State.APPROVED:
                counted = registered_entry(current)
                if counted is not None:
                    effect = entry_reverse(entry=counted, by=by, reason=f"抽查复审改判：{reason}").pk
                current.status = State.REJECTED
            else:
                Person.objects.select_for_update().get(pk=current.person_id)
                claim = claim_at_registration(current)  # the per-year cap (R8) counts what was approved since
                current.hours, current.explanation = claim.hours, claim.explanation[:500]
                current.status = State.APPROVED
            current.version += 1
            current.decision_reason = f"抽查复审改判：{reason}"
            current.save(update_fields=["status", "version", "decision_reason", "hours", "explanation"])
            if current.status == State.APPROVED:
                current.entry = register_hours(current, by)
                current.save(update_fields=["entry"])
                effect = current.entry_id

            record_event(current, "overturned", before, by, reason)
            message = f"您的学时申报“{current.title}”经抽查复审改判为{current.status_label}：{reason}"
            notify(current.person.user, message, link=f"/declarations/{current.pk}/")
            notify(locked.original_reviewer, f"您审核的申报“{current.title}”经抽查复审被改判：{reason}")
        audit_record(
            actor=by,
            action=f"spot_check.{outcome}",
            object_type="declaration",
            object_id=current.pk,
            after={"spot_check": locked.spot_check_id, "reason": reason, "ledger_entry": effect},
        )
    return locked


def reviewer_statistics(user, *, since: date | None = None) -> list[dict]:
    """Each reviewer's decisions in the user's scope, spot-checked share and overturn rate (R21)."""
    decided = Declaration.objects.restrict(user, policy.Action.SPOT_CHECK).filter(
        status__in=[State.APPROVED, State.REJECTED], decided_by__isnull=False
    )
    if since:
        decided = decided.filter(decided_at__gte=_window(since, since)[0])
    rows = decided.values("decided_by", "decided_by__username").annotate(
        decisions=Count("pk", distinct=True),
        checked=Count("spot_checks", filter=~Q(spot_checks__outcome=SpotCheckItem.PENDING), distinct=True),
        overturned=Count("spot_checks", filter=Q(spot_checks__outcome=SpotCheckItem.OVERTURNED), distinct=True),
    )
    return [
        {
            "reviewer": r["decided_by__username"],
            "decisions": r["decisions"],
            "checked": r["checked"],
            "checked_share": (r["checked"] / r["decisions"]) if r["decisions"] else 0.0,
            "overturned": r["overturned"],
            "overturn_rate": (r["overturned"] / r["checked"]) if r["checked"] else 0.0,
        }
        for r in rows.order_by("decided_by__username")
    ]

"""Spot checks (抽查复审, R17, R21) of every path into the ledger: level 2 re-reviews level-1 decisions
in its scope, level 3 any level-1 or level-2 decision, and both sample what no reviewer decided
first — a connected system's records (one system per draw), provincial imports and 高研班
registrations — as well as level-1 decisions on held records. Samples are reproducible from the
recorded source, seed, rate and candidates; an overturn reverses or registers the hours through the
ledger, tells the person (and the first decider), and counts against the decider or the system.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cehours.access import policy
from cehours.access.names import display_name
from cehours.audit.services import audit_record
from cehours.integration.models import ConnectedSystem
from cehours.ledger.holds import held_overturn
from cehours.ledger.models import HeldRecord, LedgerEntry, Source
from cehours.ledger.services import entry_reverse
from cehours.people.models import Person
from cehours.rules.hours import format_hours
from cehours.rules.review import State
from cehours.rules.sampling import Group, draw_sample

from .models import Declaration, SeminarProject, SpotCheck, SpotCheckItem
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


DrawSource = SpotCheck.Source

# The ledger source each draw of registered records samples.
ENTRY_SOURCES = {
    DrawSource.CONNECTED_SYSTEM: Source.CONNECTED_SYSTEM,
    DrawSource.PROVINCIAL_IMPORT: Source.PROVINCIAL_IMPORT,
    DrawSource.SEMINAR: Source.SEMINAR,
}
_DECIDED = [HeldRecord.Status.APPROVED, HeldRecord.Status.REJECTED]
_REVIEWED = [SpotCheckItem.UPHELD, SpotCheckItem.OVERTURNED]


def _below(level: int) -> list[int]:
    """The decision levels a drawer re-reviews: level 2 level-1 decisions, level 3 also level-2 ones."""
    return [1] if level == 2 else [1, 2]


def spot_check_candidates(
    user, *, decided_from: date, decided_to: date, source: str = DrawSource.DECLARATIONS, system_code: str = ""
):
    """What the user may re-review, decided or registered in the window (local dates), and the
    user's level. Declarations and held records: level 2 — level-1 decisions in its scope; level 3 —
    level-1 and level-2 decisions anywhere in its scope (the city HR bureau's scope is the city);
    never the user's own. Registered records (a connected system's, imports, 高研班): those in the
    user's scope, never a reversal nor one already reversed, nor one the user registered."""
    level = policy.highest_level(user, policy.Action.SPOT_CHECK)
    if level < 2:
        if source == DrawSource.DECLARATIONS:
            return Declaration.objects.none(), level
        return (HeldRecord if source == DrawSource.HELD_DECISION else LedgerEntry).objects.none(), level
    start, end = _window(decided_from, decided_to)
    if source == DrawSource.DECLARATIONS:
        decided = (
            Declaration.objects.restrict(user, policy.Action.SPOT_CHECK)
            .filter(
                status__in=[State.APPROVED, State.REJECTED],
                decided_at__range=(start, end),
                decided_level__in=_below(level),
            )
            .exclude(decided_by=user)
        )
        return decided, level
    if source == DrawSource.HELD_DECISION:
        held = (
            HeldRecord.objects.restrict(user, policy.Action.SPOT_CHECK)
            .filter(status__in=_DECIDED, decided_at__range=(start, end), decided_level__in=_below(level))
            .exclude(decided_by=user)
            # An overturned decision is the spot check's own now, not a lower level's to re-review.
            .exclude(spot_checks__outcome=SpotCheckItem.OVERTURNED)
        )
        return held, level
    entries = (
        LedgerEntry.objects.restrict(user, policy.Action.SPOT_CHECK)
        .filter(
            source=ENTRY_SOURCES[DrawSource(source)],
            registered_at__range=(start, end),
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        .exclude(registered_by=user)
    )
    if source == DrawSource.CONNECTED_SYSTEM:
        entries = entries.filter(source_system=system_code)
    return entries, level


def _pairs(source: str, candidates) -> list[tuple[int, Group]]:
    """(candidate id, group) with the group the minimum applies to: the reviewer who decided, the
    system that registered by itself, the approving authority who checked a 高研班 list."""
    group = {
        DrawSource.DECLARATIONS: "decided_by_id",
        DrawSource.HELD_DECISION: "decided_by_id",
        DrawSource.SEMINAR: "registered_by_id",
    }.get(DrawSource(source), "source_system")
    return sorted(candidates.values_list("pk", group), key=lambda pair: pair[0])


def spot_check_systems(user) -> list[tuple[str, str]]:
    """(code, name) of the connected systems whose records the user may spot-check: those that
    registered hours of people in the user's scope."""
    if policy.highest_level(user, policy.Action.SPOT_CHECK) < 2:
        return []
    codes = set(
        LedgerEntry.objects.restrict(user, policy.Action.SPOT_CHECK)
        .filter(source=Source.CONNECTED_SYSTEM, reverses__isnull=True)
        .exclude(source_system="")
        .order_by()
        .values_list("source_system", flat=True)
        .distinct()
    )
    names = source_names(codes)
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda pair: (pair[1], pair[0]))


def source_names(codes) -> dict[str, str]:
    """Names to show for ledger source_system codes: a connected system's name, a 高研班 project's."""
    codes = set(codes)
    names = dict(ConnectedSystem.objects.filter(code__in=codes).values_list("code", "name"))
    seminars = {int(c.removeprefix("seminar-")) for c in codes if c.startswith("seminar-") and c[8:].isdigit()}
    if seminars:
        for pk, name in SeminarProject.objects.filter(pk__in=seminars).values_list("pk", "name"):
            names[f"seminar-{pk}"] = name
    return names


def origin_label(source: str, source_system: str, names: dict[str, str]) -> str:
    """Where a record came from, in the interface's words: 对接系统“…”, 省平台导入, 高研班“…”."""
    name = names.get(source_system, "")
    if source == Source.CONNECTED_SYSTEM:
        return f"对接系统“{name}”" if name else "对接系统"
    if source == Source.SEMINAR:
        return f"高研班“{name}”" if name else "高研班"
    return Source(source).label if source in Source.values else source


def spot_check_draw(
    *,
    by,
    rate,
    minimum_per_reviewer: int,
    decided_from: date,
    decided_to: date,
    seed: str | None = None,
    source: str = DrawSource.DECLARATIONS,
    system_code: str = "",
) -> SpotCheck:
    """Draw a reproducible sample of one source; for a connected system, of that one system."""
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
    if source not in DrawSource.values:
        raise DeclarationError("source", "请选择抽查对象")
    if policy.highest_level(by, policy.Action.SPOT_CHECK) < 2:
        raise policy.PolicyDenied(policy.Action.SPOT_CHECK, "只有二级、三级管理权限可以抽查复审")
    system_code = (system_code or "").strip() if source == DrawSource.CONNECTED_SYSTEM else ""
    if source == DrawSource.CONNECTED_SYSTEM:
        if not system_code:
            raise DeclarationError("system_code", "抽查对接系统登记的记录须选择对接系统")
        if system_code not in dict(spot_check_systems(by)):
            raise DeclarationError("system_code", "所选对接系统在您的抽查范围内没有登记记录")
    candidates, level = spot_check_candidates(
        by, decided_from=decided_from, decided_to=decided_to, source=source, system_code=system_code
    )
    pairs = _pairs(source, candidates)
    seed = seed or secrets.token_hex(16)
    sample = draw_sample(pairs, rate=rate, minimum_per_reviewer=minimum_per_reviewer, seed=seed)
    with transaction.atomic():
        check = SpotCheck.objects.create(
            drawn_by=by,
            level=level,
            scope_label=_scope_label(by, level),
            source=source,
            system_code=system_code,
            rate=rate,
            minimum_per_reviewer=minimum_per_reviewer,
            seed=seed,
            decided_from=decided_from,
            decided_to=decided_to,
            candidate_ids=[[d, r] for d, r in pairs],
            sample_ids=sample,
        )
        SpotCheckItem.objects.bulk_create(_items(check, sample))
        audit_record(
            actor=by,
            action="spot_check.drawn",
            object_type="spot_check",
            object_id=check.pk,
            after={
                "source": source,
                "system_code": system_code,
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


def _items(check: SpotCheck, sample: list[int]) -> list[SpotCheckItem]:
    """One item per sampled decision or record, with the decision it re-reviews."""
    if check.source == DrawSource.DECLARATIONS:
        return [
            SpotCheckItem(
                spot_check=check, declaration=d, original_status=d.status, original_reviewer_id=d.decided_by_id
            )
            for d in Declaration.objects.filter(pk__in=sample)
        ]
    if check.source == DrawSource.HELD_DECISION:
        return [
            SpotCheckItem(spot_check=check, held=h, original_status=h.status, original_reviewer_id=h.decided_by_id)
            for h in HeldRecord.objects.filter(pk__in=sample)
        ]
    # A system's or an import's record was registered by no person; a 高研班 attendee by the authority
    # that checked the list.
    by_person = check.source == DrawSource.SEMINAR
    return [
        SpotCheckItem(
            spot_check=check,
            entry=e,
            original_status="registered",
            original_reviewer_id=e.registered_by_id if by_person else None,
        )
        for e in LedgerEntry.objects.filter(pk__in=sample)
    ]


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
    """Uphold or overturn a sampled decision or record. An overturn reverses or registers the ledger
    entry, notifies the person and the first decider, and is audited; only the drawer reviews."""
    if outcome not in (SpotCheckItem.UPHELD, SpotCheckItem.OVERTURNED):
        raise DeclarationError("outcome", "复审结果应为维持或改判")
    reason = (reason or "").strip()
    if outcome == SpotCheckItem.OVERTURNED and not reason:
        who = "申报人" if item.declaration_id else "记录所属人员"
        raise DeclarationError("reason", f"改判须填写理由，{who}和原审核人员将看到该理由")
    subject = item.subject
    if item.spot_check.drawn_by_id != by.pk or policy.level_over(by, policy.Action.SPOT_CHECK, subject) < max(
        2, item.spot_check.level
    ):
        raise policy.PolicyDenied(policy.Action.SPOT_CHECK, "该抽查项不在您的复审范围内")
    if item.declaration_id:
        return _review_declaration(item, by, outcome, reason)
    if item.entry_id:
        return _review_entry(item, by, outcome, reason)
    return _review_held(item, by, outcome, reason)


def _lock_pending(item: SpotCheckItem, by, outcome: str, reason: str) -> SpotCheckItem:
    locked = SpotCheckItem.objects.select_for_update().get(pk=item.pk)
    if locked.outcome != SpotCheckItem.PENDING:
        raise DeclarationError("", "该抽查项已复审")
    locked.outcome, locked.reason, locked.reviewed_by, locked.reviewed_at = outcome, reason, by, timezone.now()
    locked.save()
    return locked


def _review_declaration(item: SpotCheckItem, by, outcome: str, reason: str) -> SpotCheckItem:
    declaration = item.declaration
    assert declaration is not None
    with transaction.atomic():
        locked = _lock_pending(item, by, outcome, reason)
        current = Declaration.objects.select_for_update().get(pk=declaration.pk)
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


def _review_entry(item: SpotCheckItem, by, outcome: str, reason: str) -> SpotCheckItem:
    """A registered record found wrong is reversed; the system reads `reversed` back by its record id."""
    with transaction.atomic():
        locked = _lock_pending(item, by, outcome, reason)
        entry = LedgerEntry.objects.select_related("person", "person__user").get(pk=locked.entry_id)
        effect = None
        if outcome == SpotCheckItem.OVERTURNED:
            if not LedgerEntry.objects.filter(reverses=entry).exists():  # reversed meanwhile (R20): once is enough
                effect = entry_reverse(entry=entry, by=by, reason=f"抽查复审改判：{reason}").pk
            origin = origin_label(entry.source, entry.source_system, source_names([entry.source_system]))
            notify(
                entry.person.user,
                f"您的学时记录“{entry.title}”（{origin}登记，{format_hours(entry.hours)} 学时）"
                f"经抽查复审改判，已冲销：{reason}",
                link="/me/entries/",
            )
            notify(
                locked.original_reviewer,
                f"您审核登记的“{entry.title}”（{entry.person.name}）经抽查复审被改判，已冲销：{reason}",
            )
        audit_record(
            actor=by,
            action=f"spot_check.{outcome}",
            object_type="ledger_entry",
            object_id=entry.pk,
            after={"spot_check": locked.spot_check_id, "reason": reason, "ledger_entry": effect},
        )
    return locked


def _review_held(item: SpotCheckItem, by, outcome: str, reason: str) -> SpotCheckItem:
    """A decision on a held record overturned: an approval's entry is reversed, a rejection's record
    registered (ledger/holds.py `held_overturn`, through the ledger's door)."""
    with transaction.atomic():
        locked = _lock_pending(item, by, outcome, reason)
        held = HeldRecord.objects.select_related("person", "person__user").get(pk=locked.held_id)
        effect = None
        if outcome == SpotCheckItem.OVERTURNED:
            effect = held_overturn(held=held, by=by, reason=reason)
            held.refresh_from_db()
            origin = origin_label(held.source, held.source_system, source_names([held.source_system]))
            what = f"您的学时记录“{held.title}”（{origin}报送，{format_hours(held.hours)} 学时）"
            if held.status == HeldRecord.Status.APPROVED:
                notify(held.person.user, f"{what}经抽查复审改判为登记：{reason}", link="/me/entries/")
            else:
                notify(held.person.user, f"{what}经抽查复审改判为不予登记，已冲销：{reason}", link="/me/entries/")
            notify(
                locked.original_reviewer,
                f"您审核的暂缓登记记录“{held.title}”（{held.person.name}）经抽查复审被改判：{reason}",
            )
        audit_record(
            actor=by,
            action=f"spot_check.{outcome}",
            object_type="held_record",
            object_id=held.pk,
            after={"spot_check": locked.spot_check_id, "reason": reason, "ledger_entry": effect},
        )
    return locked


def reviewer_statistics(user, *, since: date | None = None) -> list[dict]:
    """Each reviewer's decisions in the user's scope — on declarations and on held records — with the
    spot-checked share and the overturn rate of each (R21)."""
    decided = Declaration.objects.restrict(user, policy.Action.SPOT_CHECK).filter(
        status__in=[State.APPROVED, State.REJECTED], decided_by__isnull=False
    )
    held = HeldRecord.objects.restrict(user, policy.Action.SPOT_CHECK).filter(
        status__in=_DECIDED, decided_by__isnull=False
    )
    if since:
        decided = decided.filter(decided_at__gte=_window(since, since)[0])
        held = held.filter(decided_at__gte=_window(since, since)[0])
    counts = {
        "decisions": Count("pk", distinct=True),
        "checked": Count("spot_checks", filter=Q(spot_checks__outcome__in=_REVIEWED), distinct=True),
        "overturned": Count("spot_checks", filter=Q(spot_checks__outcome=SpotCheckItem.OVERTURNED), distinct=True),
    }
    names = ("decided_by", "decided_by__username")
    zero = {"decisions": 0, "checked": 0, "overturned": 0}
    rows: dict[int, dict] = {}
    for kind, queryset in (("", decided), ("held_", held)):
        for r in queryset.values(*names).annotate(**counts).order_by():
            row = rows.setdefault(
                r["decided_by"],
                {
                    "reviewer": r["decided_by__username"],
                    **zero,
                    **{f"held_{k}": v for k, v in zero.items()},
                },
            )
            for key in zero:
                row[f"{kind}{key}"] = r[key]
    # Named as every page names staff (issue 12): by name, or their office where no name was given.
    reviewers = get_user_model().objects.filter(pk__in=list(rows)).select_related("person")
    for reviewer in reviewers:
        rows[reviewer.pk]["name"] = display_name(reviewer)
    for row in rows.values():
        for kind in ("", "held_"):
            decisions, checked, overturned = (row[f"{kind}{k}"] for k in ("decisions", "checked", "overturned"))
            row[f"{kind}checked_share"] = (checked / decisions) if decisions else 0.0
            row[f"{kind}overturn_rate"] = (overturned / checked) if checked else 0.0
    return sorted(rows.values(), key=lambda row: row["reviewer"])


def system_statistics(user, *, since: date | None = None) -> list[dict]:
    """Per connected system, the provincial import and each 高研班's registrations: the records in the
    user's scope, how many were spot-checked and overturned, and the overturn rate (R21)."""
    entries = LedgerEntry.objects.restrict(user, policy.Action.SPOT_CHECK).filter(
        source__in=list(ENTRY_SOURCES.values()), reverses__isnull=True
    )
    if since:
        entries = entries.filter(registered_at__gte=_window(since, since)[0])
    rows = list(
        entries.values("source", "source_system")
        .annotate(
            records=Count("pk", distinct=True),
            checked=Count("spot_checks", filter=Q(spot_checks__outcome__in=_REVIEWED), distinct=True),
            overturned=Count("spot_checks", filter=Q(spot_checks__outcome=SpotCheckItem.OVERTURNED), distinct=True),
        )
        .order_by("source", "source_system")
    )
    names = source_names(r["source_system"] for r in rows)
    return [
        {
            "source": r["source"],
            "source_label": Source(r["source"]).label,
            "system": r["source_system"],
            "name": names.get(r["source_system"]) or Source(r["source"]).label,
            "records": r["records"],
            "checked": r["checked"],
            "checked_share": (r["checked"] / r["records"]) if r["records"] else 0.0,
            "overturned": r["overturned"],
            "overturn_rate": (r["overturned"] / r["checked"]) if r["checked"] else 0.0,
        }
        for r in rows
    ]

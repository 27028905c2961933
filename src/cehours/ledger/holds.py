"""Held records: what the write door neither registers nor refuses, and the decisions on them.

DESIGN §2: hours from a source no person checks (a connected system, a provincial file) that look
implausible — above the most one record may carry, above a system's yearly limit for a person, for
a year older than the rule set allows, or like an entry another source already registered — wait
here for a level-1 reviewer of the person's scope. A 高研班 attendee outside the project's series
waits for the project's approving authority. The reviewer approves (the entry is registered through
the door, with every check that needs no person still applied) or rejects with a reason; the sender
reads either back by its record id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cehours.access import policy
from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.rules import plausibility
from cehours.rules.hours import format_hours, to_hours
from cehours.rules.ruleset import RuleSet

from .models import HeldRecord, HoldReason, LedgerEntry, Source
from .rulesets import rules_on, stored_versions

if TYPE_CHECKING:
    from .services import EntryOutcome, NewEntry

# Sources whose hours no person has checked before they arrive. Declarations are reviewed, 高研班
# attendee lists are checked by the approving authority, platform courses are the platform's own.
UNCHECKED_SOURCES = frozenset({Source.CONNECTED_SYSTEM.value, Source.PROVINCIAL_IMPORT.value})

_CODES = {
    HoldReason.ABOVE_RECORD_LIMIT: ErrorCode.ABOVE_RECORD_LIMIT,
    HoldReason.ABOVE_SYSTEM_YEAR_LIMIT: ErrorCode.ABOVE_SYSTEM_YEAR_LIMIT,
    HoldReason.TOO_OLD: ErrorCode.TOO_OLD,
    HoldReason.LIKELY_DUPLICATE: ErrorCode.LIKELY_DUPLICATE,
    HoldReason.OUTSIDE_SERIES: ErrorCode.OUTSIDE_SERIES,
}
_FIELDS = {
    HoldReason.ABOVE_RECORD_LIMIT: "hours",
    HoldReason.ABOVE_SYSTEM_YEAR_LIMIT: "hours",
    HoldReason.TOO_OLD: "completed_on",
    HoldReason.LIKELY_DUPLICATE: "title",
    HoldReason.OUTSIDE_SERIES: "industry",
}
_QUEUE_NOTE = "已暂缓登记，待审核人员确认"


class Hold(NamedTuple):
    reason: HoldReason
    detail: str
    similar_to: int | None = None


class HoldError(FieldError):
    """A decision on a held record refused; `field` names the input at fault."""


def hold_notice(reason: str, detail: str) -> tuple[str, ErrorCode, str]:
    """(field, code, message) as a held record is answered to its sender."""
    held = HoldReason(reason)
    return _FIELDS[held], _CODES[held], f"{detail}；{_QUEUE_NOTE}"


def _outcome_held(held: HeldRecord) -> EntryOutcome:
    from .services import EntryOutcome, LedgerError, Outcome

    field, code, message = hold_notice(held.reason, held.reason_detail)
    return EntryOutcome(Outcome.HELD, held_id=held.pk, hours=held.hours, hold=LedgerError(field, message, code))


def _outcome_rejected(held: HeldRecord) -> EntryOutcome:
    from .services import EntryOutcome, LedgerError, Outcome

    message = f"该记录经审核不予登记：{held.decision_reason}"
    return EntryOutcome(Outcome.REFUSED, refusal=LedgerError("source_record_id", message, ErrorCode.HELD_REJECTED))


def _held_under(keys) -> dict[tuple[str, str], HeldRecord]:
    """The held records under these (source system, source record id) keys: one term per system."""
    by_system: dict[str, list[str]] = {}
    for system, record_id in keys:
        by_system.setdefault(system, []).append(record_id)
    q = Q(pk__in=[])
    for system, record_ids in by_system.items():
        q |= Q(source_system=system, source_record_id__in=record_ids)
    # ~Q(source_record_id=""): the partial unique index's own predicate, so a batch of any size is
    # looked up through it (see ledger.selectors.source_records_registered).
    held = HeldRecord.objects.filter(q, ~Q(source_record_id=""))
    return {(h.source_system, h.source_record_id): h for h in held}


def holds_answered(entries: Sequence[NewEntry], indexes: list[int]) -> dict[int, EntryOutcome]:
    """Entries whose source record is already held (or was rejected): answered by the hold, not
    held twice. A different content under the same record id is a conflict, as in the ledger."""
    from .services import EntryOutcome, Outcome

    keyed = [i for i in indexes if entries[i].source_record_id]
    if not keyed:
        return {}
    found = {
        key: held
        for key, held in _held_under((entries[i].source_system, entries[i].source_record_id) for i in keyed).items()
        if held.status != HeldRecord.Status.APPROVED
    }
    if not found:
        return {}
    answered: dict[int, EntryOutcome] = {}
    for i in keyed:
        held = found.get((entries[i].source_system, entries[i].source_record_id))
        if held is None:
            continue
        if held.source_fingerprint != entries[i].source_fingerprint:
            answered[i] = EntryOutcome(Outcome.DUPLICATE, stored_fingerprint=held.source_fingerprint)
        elif held.status == HeldRecord.Status.PENDING:
            answered[i] = _outcome_held(held)
        else:
            answered[i] = _outcome_rejected(held)
    return answered


def hold_reasons(entries: Sequence[NewEntry], indexes: list[int], *, today: date) -> dict[int, Hold]:
    """Which of the entries (from sources no person checked) are held, and why."""
    # A record already registered under its key is not measured again: the sources checked here come
    # through intake, which answers those as duplicates before the door (and the door's insert
    # skips a key registered meanwhile); judged alike, two copies of one record are held alike.
    checked = [i for i in indexes if entries[i].source in UNCHECKED_SOURCES]
    if not checked:
        return {}
    versions = stored_versions()
    by_day: dict[date, RuleSet] = {}
    for i in checked:
        day = entries[i].completed_on
        if day not in by_day:
            by_day[day] = rules_on(day, versions)
    rules = {i: by_day[entries[i].completed_on] for i in checked}
    year_sums = _system_year_sums(entries, checked, rules)
    registered = _registered_nearby(entries, checked)
    holds: dict[int, Hold] = {}
    for i in checked:
        entry, rule = entries[i], rules[i]
        hours = to_hours(entry.hours)
        limit = rule.record_limit(entry.activity_type, entry.category)
        system_limit = rule.system_year_limit(entry.source_system)
        year_key = (entry.person_id, entry.completed_on.year, entry.source_system)
        first, last = plausibility.days_of(entry.start_on, entry.end_on, entry.completed_on)
        if plausibility.above_record_limit(hours, limit):
            holds[i] = Hold(
                HoldReason.ABOVE_RECORD_LIMIT,
                f"一条记录 {format_hours(hours)} 学时，超过未经人工审核的单条记录上限 {format_hours(limit)} 学时",
            )
        elif plausibility.too_old(entry.completed_on.year, today.year, rule.oldest_record_years):
            holds[i] = Hold(
                HoldReason.TOO_OLD,
                f"记录年度 {entry.completed_on.year} 早于可直接登记的最早年度"
                f"（当年以前 {rule.oldest_record_years} 年）",
            )
        elif system_limit is not None and plausibility.above_year_limit(
            year_sums.get(year_key, Decimal(0)), hours, system_limit
        ):
            already = year_sums.get(year_key, Decimal(0))
            holds[i] = Hold(
                HoldReason.ABOVE_SYSTEM_YEAR_LIMIT,
                f"本系统 {entry.completed_on.year} 年已为该人员登记 {format_hours(already)} 学时，"
                f"加上本条 {format_hours(hours)} 学时超过每人每年上限 {format_hours(system_limit)} 学时",
            )
        else:
            similar = plausibility.likely_duplicate(
                source=entry.source, source_system=entry.source_system, category=entry.category,
                title=entry.title, first_day=first, last_day=last, registered=registered.get(entry.person_id, []),
            )  # fmt: skip
            if similar is not None:
                holds[i] = Hold(
                    HoldReason.LIKELY_DUPLICATE,
                    f"与已登记的“{similar.title}”（{similar.first_day.isoformat()}，"
                    f"{Source(similar.source).label}）日期重叠、科目相同、名称相近，疑似同一学习重复登记",
                    similar.entry_id,
                )
        if i not in holds:
            # What this batch registers counts toward the system's year for the next record.
            year_sums[year_key] = year_sums.get(year_key, Decimal(0)) + hours
    return holds


def _system_year_sums(entries, checked: list[int], rules) -> dict[tuple[int, int, str], Decimal]:
    """What each limited system registered already per person and year (only where a limit is set)."""
    limited = [i for i in checked if rules[i].system_year_limit(entries[i].source_system) is not None]
    if not limited:
        return {}
    rows = (
        LedgerEntry.objects.filter(
            person_id__in={entries[i].person_id for i in limited},
            year__in={entries[i].completed_on.year for i in limited},
            source_system__in={entries[i].source_system for i in limited},
        )
        .values("person_id", "year", "source_system")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    return {(r["person_id"], r["year"], r["source_system"]): to_hours(r["total"]) for r in rows}


def _registered_nearby(entries, checked: list[int]) -> dict[int, list[plausibility.Registered]]:
    """The people's registered, unreversed entries whose days may overlap the checked entries'."""
    spans = [plausibility.days_of(entries[i].start_on, entries[i].end_on, entries[i].completed_on) for i in checked]
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    rows = (
        LedgerEntry.objects.filter(
            person_id__in={entries[i].person_id for i in checked},
            category__in={entries[i].category for i in checked},
            completed_on__gte=first,  # an entry is completed on or after its last day
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        .filter(Q(start_on__lte=last) | Q(start_on__isnull=True, completed_on__lte=last))
        .values_list("pk", "person_id", "source_system", "source", "category", "title", "start_on", "end_on",
                     "completed_on")
    )  # fmt: skip
    senders = {(entries[i].source, entries[i].source_system) for i in checked}
    if len(senders) == 1:
        # One sender's own records never count as its duplicates (likely_duplicate skips them):
        # most batches come from one system, and its people's history need not be read.
        ((source, system),) = senders
        rows = rows.exclude(source=source, source_system=system)
    found: dict[int, list[plausibility.Registered]] = {}
    for pk, person_id, system, source, category, title, start_on, end_on, completed_on in rows:
        day_1, day_n = plausibility.days_of(start_on, end_on, completed_on)
        found.setdefault(person_id, []).append(
            plausibility.Registered(pk, system, source, category, title, day_1, day_n)
        )
    return found


def entries_hold(
    entries: Sequence[NewEntry], holds: dict[int, Hold], *, by_label: str, seminar_id: int | None = None
) -> dict[int, EntryOutcome]:
    """Keep the held entries for a reviewer; one outcome each. Runs in the door's transaction."""
    from .services import EntryOutcome, Outcome

    order = sorted(holds, key=lambda i: (entries[i].source_system, entries[i].source_record_id))
    rows = [_held_row(entries[i], holds[i], by_label=by_label, seminar_id=seminar_id) for i in order]
    keyed = [row for row in rows if row.source_record_id]
    # A concurrent batch may hold the same record first: its hold is then the answer.
    HeldRecord.objects.bulk_create(keyed, ignore_conflicts=True, batch_size=500)
    for row in rows:
        if not row.source_record_id:
            row.save()
    stored = _held_under((row.source_system, row.source_record_id) for row in keyed) if keyed else {}
    outcomes: dict[int, EntryOutcome] = {}
    for i, row in zip(order, rows, strict=True):
        held = stored.get((row.source_system, row.source_record_id), row) if row.source_record_id else row
        if held.source_fingerprint != row.source_fingerprint:
            outcomes[i] = EntryOutcome(Outcome.DUPLICATE, stored_fingerprint=held.source_fingerprint)
        else:
            outcomes[i] = _outcome_held(held)
    audit_record(
        actor=None,
        actor_label=by_label,
        action="ledger.records_held",
        object_type="held_record",
        after={
            "held": len(outcomes),
            "held_ids": sorted(o.held_id for o in outcomes.values() if o.held_id),
            "reasons": sorted({h.reason.value for h in holds.values()}),
            "source_record_ids": [r.source_record_id for r in rows if r.source_record_id],
        },
    )
    return outcomes


def _held_row(entry: NewEntry, hold: Hold, *, by_label: str, seminar_id: int | None) -> HeldRecord:
    return HeldRecord(
        person_id=entry.person_id,
        year=entry.completed_on.year,
        category=entry.category,
        hours=to_hours(entry.hours),
        source=entry.source,
        source_system=entry.source_system,
        source_record_id=entry.source_record_id,
        source_fingerprint=entry.source_fingerprint,
        activity_type=entry.activity_type,
        title=entry.title.strip()[:255],
        start_on=entry.start_on,
        end_on=entry.end_on,
        completed_on=entry.completed_on,
        provider=entry.provider,
        external_url=entry.external_url,
        explanation=entry.explanation[:255],
        day_capped=bool(entry.day_capped),
        reason=hold.reason,
        reason_detail=hold.detail[:500],
        similar_to_id=hold.similar_to,
        seminar_id=seminar_id,
        held_by_label=by_label[:150],
    )


def _as_entry(held: HeldRecord) -> NewEntry:
    from .services import NewEntry

    return NewEntry(
        person_id=held.person_id, category=held.category, hours=held.hours, source=held.source,
        title=held.title, completed_on=held.completed_on, activity_type=held.activity_type,
        start_on=held.start_on, end_on=held.end_on, source_system=held.source_system,
        source_record_id=held.source_record_id, source_fingerprint=held.source_fingerprint,
        provider=held.provider, external_url=held.external_url, explanation=held.explanation,
        day_capped=held.day_capped,
    )  # fmt: skip


def decision_action(held: HeldRecord) -> policy.Action:
    """Who decides: the approving authority of the 高研班 for an attendee outside its series; a
    level-1 reviewer of the person's scope for everything else."""
    return policy.Action.CHECK_ATTENDEES if held.seminar_id else policy.Action.DECIDE


def _register(held: HeldRecord, by, refused_hint: str = "") -> int | None:
    """Register what the held record was sent with, through the door (every check that needs no
    person still applies, R12a among them); HoldError with the door's reason if it refuses."""
    from .services import LedgerError, Outcome, entries_register_bulk

    (outcome,) = entries_register_bulk(
        entries=[_as_entry(held)], by=by, audit_action="ledger.held_record_registered",
        audit_object_type="held_record", audit_object_id=held.pk, check_plausibility=False,
    )  # fmt: skip
    if outcome.status == Outcome.REFUSED:
        refusal = outcome.refusal
        assert isinstance(refusal, LedgerError)
        raise HoldError(refusal.field, f"无法登记：{refusal.message}{refused_hint}", refusal.code)
    return outcome.entry_id


def held_decide(*, held: HeldRecord, by, approve: bool, reason: str = "") -> HeldRecord:
    """Approve (register what was sent) or reject (with a reason the sender reads back)."""
    action = decision_action(held)
    policy.require(by, action, held, message="该暂缓登记的记录不在您的审核范围内")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise HoldError("reason", "不予登记须填写理由，报送系统和本人将看到该理由", ErrorCode.REQUIRED)
    if len(reason) > 500:
        raise HoldError("reason", "理由不能超过 500 个字符", ErrorCode.OUT_OF_RANGE)
    with transaction.atomic():
        locked = HeldRecord.objects.select_for_update().get(pk=held.pk)
        if locked.status != HeldRecord.Status.PENDING:
            raise HoldError("", f"该记录已审核（{locked.get_status_display()}）")
        if approve:
            locked.entry_id = _register(locked, by, refused_hint="；请不予登记并说明理由")
            locked.status = HeldRecord.Status.APPROVED
        else:
            locked.status = HeldRecord.Status.REJECTED
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.decided_level = policy.level_over(by, action, locked) if action == policy.Action.DECIDE else 1
        locked.decision_reason = reason
        locked.save(update_fields=["status", "entry", "decided_by", "decided_at", "decided_level", "decision_reason"])
        audit_record(
            actor=by,
            action="ledger.held_record_approved" if approve else "ledger.held_record_rejected",
            object_type="held_record",
            object_id=locked.pk,
            before={"status": HeldRecord.Status.PENDING},
            after={"status": locked.status, "reason": reason, "ledger_entry": locked.entry_id},
        )
    return locked


def held_overturn(*, held: HeldRecord, by, reason: str) -> int | None:
    """A spot check reverses a decision on a held record: an approval's entry is reversed, a
    rejection's record is registered. Returns the ledger entry the overturn made; the caller
    checks the spot-check policy and records the spot check itself."""
    from .services import entry_reverse

    with transaction.atomic():
        locked = HeldRecord.objects.select_for_update().get(pk=held.pk)
        if locked.status == HeldRecord.Status.APPROVED:
            locked.status = HeldRecord.Status.REJECTED
            made = None
            if locked.entry_id is not None:
                entry = LedgerEntry.objects.get(pk=locked.entry_id)
                if not hasattr(entry, "reversed_by"):
                    made = entry_reverse(entry=entry, by=by, reason=f"抽查复审改判：{reason}").pk
        elif locked.status == HeldRecord.Status.REJECTED:
            made = _register(locked, by)
            locked.status, locked.entry_id = HeldRecord.Status.APPROVED, made
        else:
            raise HoldError("", "该记录尚未审核，不能复审改判")
        locked.decision_reason = f"抽查复审改判：{reason}"
        locked.save(update_fields=["status", "entry", "decision_reason"])
    return made

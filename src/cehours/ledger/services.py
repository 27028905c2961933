"""Writes to the ledger: the one write door every source registers hours through, reversals, and
the rebuild of totals. One transaction each.

`entries_register_bulk` is the door: declarations, connected systems, provincial imports, 高研班
attendee lists and the demo all call it (a single registration is a batch of one). It checks each
entry against the ledger's own rules, inserts what passes in one set-based statement per chunk
(ledger/bulk.py), adds the totals in the same transaction and records the audit trail, and answers
per entry: created, duplicate of what is already registered under the same source record, or
refused with the field and the reason. Locks are taken in one order by every caller — people
(the caller's), entries, totals, then the audit trail's head — so concurrent batches cannot
deadlock on each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cehours.audit.services import actor_label_of, audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.people.models import Person
from cehours.rules.daily_cap import DayLoad, Span, admit
from cehours.rules.hours import Category, to_hours
from cehours.rules.ruleset import RuleSet

from . import bulk
from .models import LedgerEntry, PersonYearTotal, Source
from .rulesets import rules_on, stored_versions
from .selectors import source_records_registered


class LedgerError(FieldError):
    """A registration the ledger refuses; `field` names the offending input."""


class NewEntry(NamedTuple):
    """Hours to register for one person (R3, R14); the year is the year the learning was completed.

    Immutable like a frozen dataclass, but a NamedTuple: building one costs under 1 µs against
    3–4 µs for a frozen dataclass (object.__setattr__ per field), which the intake hot path and the
    demo's 200,000 entries pay per entry.
    """

    person_id: int
    category: str
    hours: Decimal | str | int
    source: str
    title: str
    completed_on: date
    activity_type: str = ""
    start_on: date | None = None
    end_on: date | None = None
    # A non-empty (source_system, source_record_id) registers once: a second arrival is a duplicate.
    source_system: str = ""
    source_record_id: str = ""
    source_fingerprint: str = ""  # the sender's content digest, so a resend can be told from a conflict
    provider: str = ""
    external_url: str = ""
    explanation: str = ""
    # R12a: offline learning by the day (training, 高研班), which counts toward the person's daily cap.
    day_capped: bool = False


class Outcome(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    HELD = "held"  # neither registered nor refused: waiting for a reviewer (ledger/holds.py)


class EntryOutcome(NamedTuple):
    """What the door did with one entry, in the order the entries were given."""

    status: Outcome
    # The new entry; for a duplicate, the entry already registered under the same source record.
    entry_id: int | None = None
    # For a duplicate: the registered entry's fingerprint (equal to the new one's: a resend; else a conflict).
    stored_fingerprint: str = ""
    refusal: LedgerError | None = None
    # The hours registered, when the door cut them (R12a across sources), with the reason.
    hours: Decimal | None = None
    notice: LedgerError | None = None
    # For a held entry: the HeldRecord, and why it was held (the code is the hold reason).
    held_id: int | None = None
    hold: LedgerError | None = None


# Column lengths of LedgerEntry that are identifiers: too long is refused, never cut.
_IDENTIFIER_LENGTHS = {
    "source_system": 64,
    "source_record_id": 128,
    "source_fingerprint": 64,
    "activity_type": 64,
    "provider": 128,
    "external_url": 500,
}
_TEXT_FIELDS = (*_IDENTIFIER_LENGTHS, "title", "explanation")
_SOURCES = frozenset(Source.values) - {Source.CORRECTION.value}  # corrections are made by entry_reverse only
_CATEGORIES = frozenset(c.value for c in Category)
MAX_ENTRY_HOURS = Decimal("10000")  # the database's own bound (ledger_entry_sign)
FIRST_YEAR, LAST_YEAR = 1990, 2200  # the database's own bound (ledger_entry_year)


def _entry_refusal(entry: NewEntry) -> LedgerError | None:
    """The rules one entry must meet on its own, whichever source it comes from."""
    if entry.category not in _CATEGORIES:
        return LedgerError("category", "科目类别应为 general_public、industry_public 或 professional")
    try:
        hours = to_hours(entry.hours)
    except ValueError as exc:
        return LedgerError("hours", str(exc))
    if hours < 0:
        return LedgerError("hours", "学时不能为负数", ErrorCode.OUT_OF_RANGE)
    if hours > MAX_ENTRY_HOURS:
        return LedgerError("hours", f"一条记录的学时不能超过 {MAX_ENTRY_HOURS}", ErrorCode.OUT_OF_RANGE)
    if entry.source not in _SOURCES:
        return LedgerError("source", "来源无效")
    if not isinstance(entry.title, str) or not entry.title.strip():
        return LedgerError("title", "名称不能为空", ErrorCode.REQUIRED)
    if not isinstance(entry.completed_on, date):
        return LedgerError("completed_on", "完成日期无效", ErrorCode.REQUIRED)
    if not FIRST_YEAR <= entry.completed_on.year <= LAST_YEAR:
        return LedgerError("completed_on", f"完成日期应在 {FIRST_YEAR}–{LAST_YEAR} 年之间", ErrorCode.OUT_OF_RANGE)
    if entry.start_on and entry.end_on and entry.end_on < entry.start_on:
        return LedgerError("end_on", "结束日期不能早于开始日期")
    e = entry
    # One expression on the common path (every entry passes here); the field is named only on failure.
    if (
        len(e.source_system) > 64
        or len(e.source_record_id) > 128
        or len(e.source_fingerprint) > 64
        or len(e.activity_type) > 64
        or len(e.provider) > 128
        or len(e.external_url) > 500
    ):
        name, limit = next((n, limit) for n, limit in _IDENTIFIER_LENGTHS.items() if len(getattr(e, n)) > limit)
        return LedgerError(name, f"不能超过 {limit} 个字符", ErrorCode.OUT_OF_RANGE)
    if (
        "\x00" in e.title
        or "\x00" in e.explanation
        or "\x00" in e.source_record_id
        or "\x00" in e.source_system
        or "\x00" in e.source_fingerprint
        or "\x00" in e.activity_type
        or "\x00" in e.provider
        or "\x00" in e.external_url
    ):
        # PostgreSQL cannot store NUL in text: refuse the entry rather than fail the whole batch.
        name = next(n for n in _TEXT_FIELDS if "\x00" in getattr(e, n))
        return LedgerError(name, "不能含有空字符（\\x00）")
    if entry.source_record_id and not entry.source_system:
        return LedgerError("source_system", "有来源记录号的记录须注明来源系统", ErrorCode.REQUIRED)
    return None


def entries_check(entries: Sequence[NewEntry], *, today: date | None = None) -> list[LedgerError | None]:
    """The ledger's rules on one entry at a time, per entry: None where the entry may enter.

    Every source passes here, so a rule added here holds for all of them. The rules that look at
    what is already registered (the daily cap, R12a) run in `_apply_daily_cap`, inside the door's
    transaction.
    """
    today = today or timezone.localdate()
    refusals = []
    for entry in entries:
        refusal = _entry_refusal(entry)
        if refusal is None:
            refusal = _future_refusal(entry, today)
        refusals.append(refusal)
    return refusals


def _future_refusal(entry: NewEntry, today: date) -> LedgerError | None:
    """DESIGN §2: nothing dated in the future enters, from any source (a 高研班 only after its last day)."""
    for name in ("completed_on", "end_on", "start_on"):
        day = getattr(entry, name)
        if isinstance(day, date) and day > today:
            return LedgerError(name, f"日期 {day.isoformat()} 晚于今天，学习尚未完成，不能登记", ErrorCode.FUTURE_DATE)
    return None


# Records from before the R12a flag existed that are offline learning by the day.
_DAY_CAPPED_ACTIVITIES = ("offline_training", "advanced_seminar")
# Awards R12c fixes by level, never cut by the day cap.
_FIXED_AWARDS = frozenset({"advanced_seminar"})


def _occupied(span: Span, cap: Decimal) -> Span:
    """How much of its days a registered record fills: never more than the cap on any day."""
    return Span(span.start_on, span.end_on, min(span.hours, cap * span.days))


def _apply_daily_cap(
    entries: list[NewEntry], indexes: list[int], refusals: list[LedgerError | None], notices: dict[int, LedgerError]
) -> None:
    """R12a 第十二条 across sources: admit each day-capped entry at what still fits on its days.

    Runs inside the door's transaction with the people locked, so two batches for one person
    cannot both fill the same day. A record already registered under its source key is left to
    become a duplicate, not measured against itself.
    """
    capped = [i for i in indexes if entries[i].day_capped and entries[i].start_on and entries[i].end_on]
    if not capped:
        return
    keyed = {(entries[i].source_system, entries[i].source_record_id) for i in capped if entries[i].source_record_id}
    known = set(_registered_under(keyed)) if keyed else set()
    capped = [i for i in capped if (entries[i].source_system, entries[i].source_record_id) not in known]
    if not capped:
        return
    people = sorted({entries[i].person_id for i in capped})
    # FOR NO KEY UPDATE: serialises the cap of one person's days between batches, but does not
    # block the foreign-key share locks other batches' inserts take on the same people — a plain
    # FOR UPDATE did, and concurrent batches deadlocked on each other (measured: 12× slower).
    list(
        Person.objects.select_for_update(no_key=True).filter(pk__in=people).order_by("pk").values_list("pk", flat=True)
    )
    first = min(entries[i].start_on for i in capped)  # type: ignore[type-var]
    last = max(entries[i].end_on for i in capped)  # type: ignore[type-var]
    versions = stored_versions()
    by_day: dict[date, RuleSet] = {}

    def rules_for(day: date) -> RuleSet:
        if day not in by_day:  # one lookup per day, not per entry: a batch shares a few days
            by_day[day] = rules_on(day, versions)
        return by_day[day]

    loads = {pk: DayLoad() for pk in people}
    existing = (
        LedgerEntry.objects.filter(person_id__in=people, start_on__lte=last, end_on__gte=first)
        .filter(Q(day_capped=True) | Q(activity_type__in=_DAY_CAPPED_ACTIVITIES))
        .filter(reverses__isnull=True, reversed_by__isnull=True)
        .values_list("person_id", "start_on", "end_on", "hours")
    )
    for person_id, start_on, end_on, hours in existing:
        loads[person_id].add(_occupied(Span(start_on, end_on, hours), rules_for(end_on).offline_hours_per_day))
    for i in capped:
        entry = entries[i]
        start_on, end_on = entry.start_on, entry.end_on
        assert start_on is not None and end_on is not None  # capped holds only entries with both days
        rules = rules_for(entry.completed_on)
        claimed = to_hours(entry.hours)
        if entry.activity_type in _FIXED_AWARDS:
            # R12c awards a 高研班 its fixed hours whatever its length; it still fills its days, so
            # nothing else from those days can add to them.
            loads[entry.person_id].add(_occupied(Span(start_on, end_on, claimed), rules.offline_hours_per_day))
            continue
        admitted = admit(loads[entry.person_id], Span(start_on, end_on, claimed), rules.offline_hours_per_day)
        if admitted.hours <= 0 < claimed:
            refusals[i] = LedgerError("hours", admitted.explanation(rules.offline_hours_per_day), ErrorCode.DAILY_CAP)
            continue
        loads[entry.person_id].add(Span(start_on, end_on, admitted.hours))
        if admitted.limited:
            reason = admitted.explanation(rules.offline_hours_per_day)
            explanation = f"{entry.explanation}；{reason}" if entry.explanation else reason
            entries[i] = entry._replace(hours=admitted.hours, explanation=explanation)
            notices[i] = LedgerError("hours", reason, ErrorCode.DAILY_CAP)


def _row(entry: NewEntry, *, by_id: int | None, label: str, at, reverses_id: int | None = None) -> tuple:
    """The entry's values in bulk.ENTRY_COLUMNS order, normalised as the ledger stores them."""
    return (
        entry.person_id, entry.completed_on.year, entry.category, to_hours(entry.hours), entry.source,
        entry.source_system, entry.source_record_id, entry.source_fingerprint, entry.activity_type,
        entry.title.strip()[:255], entry.start_on, entry.end_on, entry.completed_on, entry.provider,
        entry.external_url, entry.explanation[:255], reverses_id, by_id, label[:150], at, bool(entry.day_capped),
    )  # fmt: skip


_SNAPSHOT_FIELDS = (
    "person_id", "year", "category", "hours", "source", "source_system", "source_record_id", "title",
    "completed_on", "reverses_id",
)  # fmt: skip
_ROW_INDEX = {name: bulk.ENTRY_COLUMNS.index(name) for name in _SNAPSHOT_FIELDS}


def _snapshot(values: Mapping) -> dict:
    return {name: str(values[name]) if name == "hours" else values[name] for name in _SNAPSHOT_FIELDS}


def _entry_snapshot(entry: LedgerEntry) -> dict:
    return _snapshot({name: getattr(entry, name) for name in _SNAPSHOT_FIELDS})


def _registered_under(keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    systems: dict[str, list[str]] = {}
    for system, record_id in keys:
        systems.setdefault(system, []).append(record_id)
    return {
        (system, record_id): found
        for system, record_ids in systems.items()
        for record_id, found in source_records_registered(source_system=system, source_record_ids=record_ids).items()
    }


def entries_register_bulk(
    *,
    entries: Sequence[NewEntry],
    by=None,
    by_label: str | None = None,
    audit_action: str = "ledger.entries_registered",
    audit_object_type: str = "ledger_entry",
    audit_object_id: str | int = "",
    audit_after: Mapping[str, object] | None = None,
    audit_each: bool = False,
    check_plausibility: bool = True,
) -> list[EntryOutcome]:
    """Register a batch of entries in one transaction; one outcome per entry, in the order given.

    A refused entry changes nothing and does not stop the others. An entry from a source no person
    checks (a connected system, a provincial file) that looks implausible is held instead
    (ledger/holds.py); `check_plausibility=False` is for the reviewer's approval of a held entry.
    The audit trail gets one event
    for the batch (`audit_action` on `audit_object_type`/`audit_object_id`, with the created entry
    ids and source record ids, plus `audit_after`), or with `audit_each` one event per created
    entry holding its content. Nothing is audited when nothing was created.
    """
    entries = list(entries)
    refusals = entries_check(entries)
    notices: dict[int, LedgerError] = {}
    outcomes: list[EntryOutcome | None] = [None] * len(entries)
    label = by_label or actor_label_of(by)
    by_id = by.pk if getattr(by, "pk", None) else None
    now = timezone.now()
    with transaction.atomic():
        open_ = [i for i, r in enumerate(refusals) if r is None]
        if check_plausibility:
            from .holds import entries_hold, hold_reasons, holds_answered

            answered = holds_answered(entries, open_)
            for i, outcome in answered.items():
                outcomes[i] = outcome
            open_ = [i for i in open_ if i not in answered]
            reasons = hold_reasons(entries, open_, today=timezone.localdate(now))
            if reasons:
                held = entries_hold(entries, reasons, by_label=label)
                for i, outcome in held.items():
                    outcomes[i] = outcome
                open_ = [i for i in open_ if i not in reasons]
        _apply_daily_cap(entries, open_, refusals, notices)
        for i, refusal in enumerate(refusals):
            if refusal is not None:
                outcomes[i] = EntryOutcome(Outcome.REFUSED, refusal=refusal)
        accepted = [i for i in open_ if refusals[i] is None]
        if not accepted:
            return outcomes  # type: ignore[return-value]
        rows = [_row(entries[i], by_id=by_id, label=label, at=now) for i in accepted]
        stored = bulk.entries_insert(rows)
        by_key = {(system, record_id): pk for pk, system, record_id in stored if record_id}
        keyless = iter([pk for pk, _, record_id in stored if not record_id])
        created: list[tuple[int, tuple]] = []
        taken: dict[int, tuple[str, str]] = {}
        for i, row in zip(accepted, rows, strict=True):
            entry = entries[i]
            pk: int | None
            if not entry.source_record_id:
                pk = next(keyless)  # never skipped: only keyed rows can conflict
            else:
                # pop: of two entries with one source record in the same batch, the first is the one stored
                pk = by_key.pop((entry.source_system, entry.source_record_id), None)
            if pk is None:
                taken[i] = (entry.source_system, entry.source_record_id)
                continue
            outcomes[i] = EntryOutcome(
                Outcome.CREATED, entry_id=pk, hours=to_hours(entries[i].hours), notice=notices.get(i)
            )
            created.append((pk, row))
        if taken:
            registered = _registered_under(set(taken.values()))
            for i, key in taken.items():
                pk, fingerprint = registered[key]
                outcomes[i] = EntryOutcome(Outcome.DUPLICATE, entry_id=pk, stored_fingerprint=fingerprint)
        if created:
            person, year, category, hours = (_ROW_INDEX[name] for name in ("person_id", "year", "category", "hours"))
            bulk.totals_add((row[person], row[year], row[category], row[hours]) for _, row in created)
            _audit_registered(
                created,
                by=by,
                by_label=by_label,
                action=audit_action,
                object_type=audit_object_type,
                object_id=audit_object_id,
                after=audit_after or {},
                each=audit_each,
            )
    return outcomes  # type: ignore[return-value]


def _audit_registered(
    created: list[tuple[int, tuple]], *, by, by_label, action: str, object_type: str, object_id, after, each: bool
) -> None:
    if each:
        for pk, row in created:
            values = {name: row[index] for name, index in _ROW_INDEX.items()}
            audit_record(
                actor=by,
                actor_label=by_label,
                action=action,
                object_type="ledger_entry",
                object_id=pk,
                after={**_snapshot(values), **after},
            )
        return
    record_ids = [row[_ROW_INDEX["source_record_id"]] for _, row in created]
    audit_record(
        actor=by,
        actor_label=by_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        after={
            "created": len(created),
            "entry_ids": sorted(pk for pk, _ in created),
            "source_record_ids": [r for r in record_ids if r],
            **after,
        },
    )


def entry_register(
    *,
    person: Person,
    category: str,
    hours: Decimal | str | int,
    source: str,
    title: str,
    completed_on: date,
    by=None,
    by_label: str | None = None,
    activity_type: str = "",
    start_on: date | None = None,
    end_on: date | None = None,
    source_system: str = "",
    source_record_id: str = "",
    explanation: str = "",
    day_capped: bool = False,
) -> LedgerEntry:
    """Register hours for one person (R14): a batch of one through the door, audited as the entry.

    Raises LedgerError when the ledger refuses it, or when its source record is already registered.
    """
    entry = NewEntry(
        person_id=person.pk,
        category=category,
        hours=hours,
        source=source,
        title=title,
        completed_on=completed_on,
        activity_type=activity_type,
        start_on=start_on,
        end_on=end_on,
        source_system=source_system,
        source_record_id=source_record_id,
        explanation=explanation,
        day_capped=day_capped,
    )
    (outcome,) = entries_register_bulk(
        entries=[entry], by=by, by_label=by_label, audit_action="ledger.entry_registered", audit_each=True
    )
    if outcome.status == Outcome.REFUSED:
        raise outcome.refusal  # type: ignore[misc]
    if outcome.status == Outcome.DUPLICATE:
        raise LedgerError("source_record_id", f"来源记录 {source_record_id} 已登记，不能重复登记", ErrorCode.CONFLICT)
    assert outcome.entry_id is not None  # a CREATED outcome always carries the new entry's id
    return LedgerEntry.objects.get(pk=outcome.entry_id)


def entry_reverse(*, entry: LedgerEntry, by, reason: str) -> LedgerEntry:
    """Cancel an entry with a reversing entry that points at it; the original stays as it was."""
    if not reason or not reason.strip():
        raise LedgerError("reason", "冲销原因不能为空", ErrorCode.REQUIRED)
    with transaction.atomic():
        original = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        if original.reverses_id is not None:
            raise LedgerError("entry", "冲销记录本身不能再冲销")
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise LedgerError("entry", "该记录已被冲销")
        cancelling = NewEntry(
            person_id=original.person_id,
            category=original.category,
            hours=-original.hours,
            source=Source.CORRECTION,
            title=f"冲销：{original.title}",
            completed_on=original.completed_on,
            activity_type=original.activity_type,
            explanation=reason.strip(),
        )
        row = _row(
            cancelling,
            by_id=by.pk if getattr(by, "pk", None) else None,
            label=actor_label_of(by),
            at=timezone.now(),
            reverses_id=original.pk,
        )
        ((pk, _, _),) = bulk.entries_insert([row])
        bulk.totals_add([(original.person_id, original.year, original.category, -original.hours)])
        reversal = LedgerEntry.objects.get(pk=pk)
        audit_record(
            actor=by,
            action="ledger.entry_reversed",
            object_type="ledger_entry",
            object_id=original.pk,
            before=_entry_snapshot(original),
            after={**_entry_snapshot(reversal), "reason": reason.strip()},
        )
    return reversal


@dataclass(frozen=True)
class TotalsDrift:
    person_id: int
    year: int
    category: str
    stored: Decimal
    actual: Decimal


REBUILD_CHUNK = 2000  # people a step (≈ 12,000 person-years, ≈ 18 MB): a city's million are never held at once


def totals_rebuild(*, by=None, fix: bool = True, chunk: int = REBUILD_CHUNK) -> list[TotalsDrift]:
    """Recompute every person-year total from the entries; report (and by default repair) drift.
    Every drifted figure is returned: see totals_rebuild_counted for a whole city's."""
    return totals_rebuild_counted(by=by, fix=fix, chunk=chunk, keep=None)[0]


def totals_rebuild_counted(
    *, by=None, fix: bool = True, chunk: int = REBUILD_CHUNK, keep: int | None = 50
) -> tuple[list[TotalsDrift], int]:
    """totals_rebuild keeping only the first `keep` drifted figures (all if None), and their count.

    Building the totals of a city loaded without them drifts every figure: 3 million objects kept
    took 600 MB (bench/city.py), where the command shows 50 and counts the rest.

    People are taken `chunk` at a time, by id: at city scale (issue 14) holding every person-year
    twice took 1.6 GB. A repair rewrites only the drifted person-years, each step in its own
    transaction with the step's stored totals locked, so an intake updating one of them waits for
    the step instead of being overwritten by figures summed before it committed; each repaired
    step is audited in that transaction, so a repair cut short leaves a trail of what it did."""
    drift: list[TotalsDrift] = []
    count = 0
    after = 0
    while True:
        upper = list(Person.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not upper:
            break
        people = Q(person_id__gt=after, person_id__lte=upper[-1])
        with transaction.atomic():
            found, years = _totals_step(people, fix=fix)
            if fix and found:  # each repaired step is recorded in its own transaction
                audit_record(
                    actor=by,
                    action="ledger.totals_rebuilt",
                    object_type="person_year_total",
                    after={"drifted_figures": len(found), "person_years": years, "person_ids": [upper[0], upper[-1]]},
                )
        count += len(found)
        drift += found if keep is None else found[: max(0, keep - len(drift))]
        after = upper[-1]
    return drift, count


def _totals_step(people: Q, *, fix: bool) -> tuple[list[TotalsDrift], int]:
    """One step of totals_rebuild: the drift among these people, repaired if `fix`; and how many
    person-years the entries give them."""
    zero = {c.value: Decimal("0.0") for c in Category}
    columns = [c.value for c in Category]
    totals = PersonYearTotal.objects.filter(people)
    rows = (totals.select_for_update() if fix else totals).values_list("pk", "person_id", "year", *columns)
    stored = {
        (person, year): (pk, dict(zip(columns, (to_hours(v) for v in figures), strict=True)))
        for pk, person, year, *figures in rows.iterator(chunk_size=2000)
    }
    actual: dict[tuple[int, int], dict[str, Decimal]] = {}
    sums = LedgerEntry.objects.filter(people).values("person_id", "year", "category").annotate(total=Sum("hours"))
    for row in sums.order_by().iterator(chunk_size=2000):
        key = (row["person_id"], row["year"])
        actual.setdefault(key, dict(zero))[row["category"]] = to_hours(row["total"])
    drift: list[TotalsDrift] = []
    drifted: set[tuple[int, int]] = set()
    for key in sorted(set(actual) | set(stored)):
        have, want = stored.get(key, (None, zero))[1], actual.get(key, zero)
        wrong = [TotalsDrift(key[0], key[1], c, have[c], want[c]) for c in want if have[c] != want[c]]
        if wrong:
            drift += wrong
            drifted.add(key)
    if fix and drifted:
        PersonYearTotal.objects.filter(pk__in=[stored[k][0] for k in drifted if k in stored]).delete()
        PersonYearTotal.objects.bulk_create(
            [PersonYearTotal(person_id=k[0], year=k[1], **actual[k]) for k in sorted(drifted) if k in actual],
            batch_size=2000,
        )
    return drift, len(actual)

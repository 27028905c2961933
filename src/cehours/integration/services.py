"""Writes of the integration app: batch intake of learning records from connected systems (R15,
R16.1) — exact, idempotent, fast. Keys are issued in keys.py and exchange files imported in
exchange.py; reads are in selectors.py.

One batch is one transaction. The same (system, source_record_id) registers once, also when two
copies arrive at the same moment in two processes: the ledger's write door skips what already
exists (ON CONFLICT DO NOTHING on the ledger's unique index) and says so, and intake reports it as a
duplicate — or as a conflict when the content differs. People first seen in the batch are created
here, before the door takes the entries, totals and audit trail in that order (ledger/services.py),
so that concurrent batches lock alike and cannot deadlock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from django.db import OperationalError, transaction
from django.utils import timezone

from cehours.audit.services import audit_record
from cehours.errors import ErrorCode
from cehours.ledger.models import Source
from cehours.ledger.rulesets import rules_on, stored_versions
from cehours.ledger.selectors import source_records_registered
from cehours.ledger.services import NewEntry, Outcome, entries_register_bulk
from cehours.people.crypto import id_number_hash
from cehours.people.identity import stored_identity
from cehours.people.models import Person, Series
from cehours.people.placement import Placement, placement_of_new_person, units_by_credit_code
from cehours.rules.hours import format_hours
from cehours.rules.ruleset import RuleSet

from .models import ConnectedSystem
from .quality import tally_batch
from .records import ParsedRecord, Problem, parse_record

MAX_BATCH = 1000
CREATED, DUPLICATE, REJECTED, HELD = "created", "duplicate", "rejected", "held"


@dataclass
class RecordResult:
    source_record_id: str
    status: str = ""
    hours: str | None = None
    errors: list[dict] = field(default_factory=list)

    def reject(self, *problems: Problem) -> None:
        self.status = REJECTED
        self.hours = None
        self.errors.extend(p.as_dict() for p in problems)


@dataclass
class BatchResult:
    results: list[RecordResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def as_dict(self) -> dict:
        return {
            "results": [
                {"source_record_id": r.source_record_id, "status": r.status, "hours": r.hours, "errors": r.errors}
                for r in self.results
            ],
            "created": self.count(CREATED),
            "duplicate": self.count(DUPLICATE),
            "rejected": self.count(REJECTED),
            "held": self.count(HELD),
        }


def _conflict(sid: str) -> Problem:
    return Problem(
        "source_record_id", ErrorCode.CONFLICT, f"source_record_id：记录 {sid} 已登记且内容不同；更正请联系审核人员"
    )


def records_intake(
    *,
    system: ConnectedSystem,
    records: list,
    today: date | None = None,
    source: str = Source.CONNECTED_SYSTEM,
) -> BatchResult:
    """Register a batch of pushed records; answers per record, in the order sent."""
    today = today or timezone.localdate()
    versions = stored_versions()
    rules_cache: dict[date, RuleSet] = {}

    def rules_for(day: date) -> RuleSet:
        if day not in rules_cache:
            rules_cache[day] = rules_on(day, versions)
        return rules_cache[day]

    allowed_categories = set(system.categories or ())
    allowed_series = set(system.industries.values_list("code", flat=True))
    results: list[RecordResult] = []
    candidates: list[tuple[RecordResult, ParsedRecord]] = []
    first_in_batch: dict[str, ParsedRecord] = {}

    for raw in records:
        sid = raw.get("source_record_id") if isinstance(raw, dict) else None
        result = RecordResult(source_record_id=sid if isinstance(sid, str) else "")
        results.append(result)
        parsed = parse_record(raw, rules_on=rules_for, today=today)
        if isinstance(parsed, list):
            result.reject(*parsed)
            continue
        if allowed_categories and parsed.category not in allowed_categories:
            result.reject(
                Problem("category", ErrorCode.CATEGORY_NOT_ALLOWED, f"category：本系统无权登记 {parsed.category} 学时")
            )
            continue
        earlier = first_in_batch.get(parsed.source_record_id)
        if earlier is not None:
            if earlier.fingerprint == parsed.fingerprint:
                result.status, result.hours = DUPLICATE, format_hours(parsed.hours)
            else:
                result.reject(_conflict(parsed.source_record_id))
            continue
        first_in_batch[parsed.source_record_id] = parsed
        candidates.append((result, parsed))

    if candidates:
        for attempt in range(3):
            try:
                _register(system, candidates, allowed_series, source, today)
                break
            except OperationalError:
                # A deadlock or lock timeout against a concurrent batch: the transaction rolled back
                # whole, so trying again is safe; on the third failure the caller gets the error.
                if attempt == 2:
                    raise
                for result, _ in candidates:
                    result.status, result.hours, result.errors = "", None, []
                time.sleep(0.05 * (attempt + 1))
    tally_batch(system, results, day=today, at=timezone.now())
    return BatchResult(results)


def _register(
    system: ConnectedSystem,
    candidates: list[tuple[RecordResult, ParsedRecord]],
    allowed_series: set[str],
    source: str,
    today: date,
) -> None:
    with transaction.atomic():
        existing = source_records_registered(
            source_system=system.code, source_record_ids=[p.source_record_id for _, p in candidates]
        )
        pending: list[tuple[RecordResult, ParsedRecord]] = []
        for result, parsed in candidates:
            known = existing.get(parsed.source_record_id)
            if known is None:
                pending.append((result, parsed))
            elif known[1] == parsed.fingerprint:
                result.status, result.hours = DUPLICATE, format_hours(parsed.hours)
            else:
                result.reject(_conflict(parsed.source_record_id))
        if not pending:
            return

        people, new_people = _people_for(pending, allowed_series, today)
        to_insert = [(r, p) for r, p in pending if p.id_number in people and not r.status]
        outcomes = entries_register_bulk(
            entries=[_new_entry(system, parsed, people[parsed.id_number], source) for _, parsed in to_insert],
            by_label=f"system:{system.code}",
            audit_action="intake.batch_registered",
            audit_object_type="connected_system",
            audit_object_id=system.code,
        )
        for (result, parsed), outcome in zip(to_insert, outcomes, strict=True):
            if outcome.status == Outcome.CREATED:
                result.status, result.hours = CREATED, format_hours(outcome.hours or parsed.hours)
                if outcome.notice is not None:  # registered, but cut to what its days still hold (R12a)
                    notice = outcome.notice
                    result.errors.append(
                        Problem(notice.field, notice.code, f"{notice.field}：{notice.message}").as_dict()
                    )
            elif outcome.status == Outcome.HELD:
                # Neither registered nor refused: a reviewer decides (ledger/holds.py); read back by id.
                hold = outcome.hold
                assert hold is not None  # a HELD outcome always carries its reason
                result.status, result.hours = HELD, format_hours(outcome.hours or parsed.hours)
                result.errors.append(Problem(hold.field, hold.code, f"{hold.field}：{hold.message}").as_dict())
            elif outcome.status == Outcome.DUPLICATE:
                # Registered (or held) by a concurrent batch between our read and our insert.
                if outcome.stored_fingerprint == parsed.fingerprint:
                    result.status, result.hours = DUPLICATE, format_hours(parsed.hours)
                else:
                    result.reject(_conflict(parsed.source_record_id))
            else:
                refusal = outcome.refusal
                assert refusal is not None  # any other outcome is REFUSED, which always carries its refusal
                result.reject(Problem(refusal.field, refusal.code, f"{refusal.field}：{refusal.message}"))
        # The audit trail's tip is locked last, after people, entries and totals, in every batch: taking
        # it earlier (when people were created) let two batches wait on each other (tip against totals).
        if new_people:
            audit_record(
                actor=None,
                actor_label="intake",
                action="people.persons_created_by_intake",
                object_type="person",
                after={"count": len(new_people), "people": new_people},
            )


def _new_entry(system: ConnectedSystem, parsed: ParsedRecord, person_id: int, source: str) -> NewEntry:
    return NewEntry(
        person_id=person_id,
        category=parsed.category,
        hours=parsed.hours,
        source=source,
        title=parsed.title,
        completed_on=parsed.completed_on,
        activity_type=parsed.activity,
        start_on=parsed.start_on,
        end_on=parsed.end_on,
        source_system=system.code,
        source_record_id=parsed.source_record_id,
        source_fingerprint=parsed.fingerprint,
        provider=parsed.provider,
        external_url=parsed.external_url,
        explanation=parsed.explanation,
        day_capped=parsed.activity in DAY_CAPPED_ACTIVITIES,
    )


# R12a: records of learning by the day that count toward the person's offline hours per day.
DAY_CAPPED_ACTIVITIES = frozenset({"offline_training", "advanced_seminar"})


def _people_for(
    pending: list[tuple[RecordResult, ParsedRecord]], allowed_series: set[str], today: date
) -> tuple[dict[str, int], list[list]]:
    """Person ids by ID number: known people checked by real name (R3), unknown ones created.

    A new person is placed by the unit the record names (people/placement.py): its county, and its
    series when the record names none; without a known unit they stay unplaced (待确认人员), never
    placed by the birth area in their ID number. A known person is never moved by a record.
    Also returns [id, masked ID number] of the people this batch created, for the audit trail.
    """
    hashes = {p.id_number: id_number_hash(p.id_number) for _, p in pending}
    known = {
        row[0]: row
        for row in Person.objects.filter(id_number_hash__in=set(hashes.values())).values_list(
            "id_number_hash", "pk", "name", "series_id"
        )
    }
    new: dict[str, Person] = {}
    series_codes = set(Series.objects.values_list("code", flat=True))
    units = units_by_credit_code(p.unit_credit_code for _, p in pending)
    for result, parsed in pending:
        row = known.get(hashes[parsed.id_number])
        place: Placement | None = None
        if row is not None:
            if row[2] != parsed.name:
                result.reject(
                    Problem("name", ErrorCode.NAME_MISMATCH, "name：姓名与平台登记的该身份证号码持有人不一致")
                )
                continue
            series = row[3]
        else:
            if parsed.industry and parsed.industry not in series_codes:
                result.reject(
                    Problem("industry", ErrorCode.INVALID, f"industry：找不到行业（系列）代码 {parsed.industry}")
                )
                continue
            place = placement_of_new_person(unit=units.get(parsed.unit_credit_code), industry=parsed.industry)
            series = place.series_id
            earlier = new.get(parsed.id_number)
            if earlier is not None and earlier.name != parsed.name:
                result.reject(Problem("name", ErrorCode.NAME_MISMATCH, "name：同一批次中该身份证号码对应不同姓名"))
                continue
        if allowed_series and series not in allowed_series:
            result.reject(
                Problem(
                    "industry", ErrorCode.INDUSTRY_NOT_ALLOWED, "industry：本系统无权登记该人员所在行业（系列）的学时"
                )
            )
            continue
        if place is not None and parsed.id_number not in new:
            new[parsed.id_number] = Person(
                name=parsed.name,
                **stored_identity(parsed.id_number, today=today).as_fields(),
                unit_id=place.unit_id,
                county_id=place.county_id,
                series_id=place.series_id,
                unit_confirmed=False,  # a system named the unit; the unit has not confirmed them
            )
    ids = {number: known[h][1] for number, h in hashes.items() if h in known}
    if new:
        # In key order, so that two batches creating the same people lock them alike.
        Person.objects.bulk_create(
            sorted(new.values(), key=lambda p: p.id_number_hash), ignore_conflicts=True, batch_size=500
        )
        stored = {
            row[0]: row[1:]
            for row in Person.objects.filter(id_number_hash__in=[p.id_number_hash for p in new.values()]).values_list(
                "id_number_hash", "pk", "name", "id_number_encrypted"
            )
        }
        created = []
        for number, person in new.items():
            pk, name, encrypted = stored[person.id_number_hash]
            # Our insert won only if the stored ciphertext is ours (each encryption has its own random IV);
            # otherwise a concurrent batch created the person first, and the real name must match theirs (R3).
            if encrypted == person.id_number_encrypted:
                created.append((pk, person))
            elif name != person.name:
                for result, parsed in pending:
                    if parsed.id_number == number and not result.status:
                        result.reject(
                            Problem("name", ErrorCode.NAME_MISMATCH, "name：姓名与平台登记的该身份证号码持有人不一致")
                        )
                continue
            ids[number] = pk
        return ids, [[pk, p.id_number_masked] for pk, p in created]
    return ids, []

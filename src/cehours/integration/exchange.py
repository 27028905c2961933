"""Exchange files with the provincial platform: export of registered hours, import of hours and rosters.

The export and the hours import share one column layout, so a file exported here imports
unchanged into another installation (or into an empty one, giving the same totals). Imports run
as a dry run first, reporting every row's problems, and are idempotent: the same file twice
changes nothing the second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Exists, Model, OuterRef
from django.utils import timezone

from cehours.access.policy import Action, PolicyDenied, holds_place, reaches_everything, require
from cehours.audit.services import audit_record
from cehours.ledger.models import LedgerEntry, Source
from cehours.people.crypto import decrypt_id_number, id_number_hash
from cehours.people.identity import stored_identity
from cehours.people.models import County, Person, Series, Unit
from cehours.rules.identifiers import InvalidIdentifier, mask_id_number, normalize_credit_code, normalize_id_number

from .keys import system_save
from .models import ConnectedSystem
from .records import parse_record
from .services import MAX_BATCH, records_intake

HOURS_COLUMNS = [
    "source_record_id",
    "id_number",
    "name",
    "year",
    "category",
    "hours",
    "activity_type",
    "title",
    "start_on",
    "end_on",
    "completed_on",
    "provider",
    "source",
    "source_system",
    "registered_at",
]
HOURS_REQUIRED = ["source_record_id", "id_number", "name", "category", "hours", "title", "completed_on"]
# Read on import, never written by the export (its layout is the exchange's): the person's unit, which
# places a person new to the platform as a connected system's `unit_credit_code` does.
HOURS_OPTIONAL = ["unit_credit_code"]
PROVINCE_SYSTEM = "zj-province"


# Refusals of the exchange as a whole are the access policy's (kept under this name for callers).
ExchangeError = PolicyDenied
OUTSIDE_SCOPE = "id_number：该人员不在您的管理范围内，未导入（范围外或尚未登记的人员由其所在地或市人力社保局导入）"


def _outside_scope(user, id_numbers: list[str]) -> list[bool]:
    """Per ID number: whether a row for it would reach outside the importing user's scope."""
    if reaches_everything(user, Action.IMPORT_DATA, Person):
        return [False] * len(id_numbers)
    hashes = [id_number_hash(n) for n in id_numbers]
    inside = set(
        Person.objects.restrict(user, Action.IMPORT_DATA)
        .filter(id_number_hash__in=set(hashes))
        .values_list("id_number_hash", flat=True)
    )
    return [h not in inside for h in hashes]


# People whose entries are read in one query: a few tens of thousands of rows, found through the
# (person, year, category) index; memory holds one such step, however large the city.
EXPORT_PEOPLE = 2000
_EXPORT_FIELDS = (
    "pk", "person_id", "source_system", "source_record_id", "year", "category", "hours", "activity_type", "title",
    "start_on", "end_on", "completed_on", "provider", "source", "registered_at",
)  # fmt: skip


def export_hours(*, user, year: int, county: str | None = None, series: str | None = None) -> Iterator[list]:
    """Effective entries of a year (neither reversed nor reversals) in the user's scope, full ID numbers.

    Full ID numbers leave the platform only in this file, so only HR administrators may make it.
    Rows come by person (in steps of EXPORT_PEOPLE people, by id), each person's in the order
    registered.

    Streams with bounded memory, at a cost that follows the rows exported, not the ledger (issue 14):
    - one query a step of people, through the index that starts with the person: a county's export
      no longer walks the whole ledger in id order (25 million entries for 563,580 rows, 26 s);
    - plain tuples instead of two model objects a row, and each person's number decrypted once;
    - "not reversed" as NOT EXISTS, an anti-join PostgreSQL estimates right, where the LEFT JOIN …
      IS NULL it replaces was estimated at one row (and what was planned on top of it went wrong);
    - one transaction, so every step reads the same snapshot (REPEATABLE READ on PostgreSQL; a
      SQLite read transaction is one already): an entry registered meanwhile is in none of them.
    """
    require(user, Action.EXPORT_DATA)
    people = Person.objects.restrict(user, Action.EXPORT_DATA)
    if county:
        people = people.filter(county_id=county)
    if series:
        people = people.filter(series_id=series)
    # IS NOT NULL lets PostgreSQL read the few reversals from the unique index on reverses_id
    # instead of hashing the whole ledger to find them.
    reversal = LedgerEntry.objects.filter(reverses=OuterRef("pk"), reverses__isnull=False)
    entries = (
        LedgerEntry.objects.restrict(user, Action.EXPORT_DATA)
        .filter(year=year, reverses__isnull=True)
        .filter(~Exists(reversal))
        .order_by("person_id", "pk")
    )
    local = timezone.get_current_timezone()  # once, not once a row (a context-local lookup)
    outermost = not connection.in_atomic_block  # inside a caller's transaction, its snapshot rules
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        after = 0
        while True:
            step = list(
                people.filter(pk__gt=after).order_by("pk").values_list("pk", "name", "id_number_encrypted")[
                    :EXPORT_PEOPLE
                ]
            )
            if not step:
                return
            after = step[-1][0]
            who = {pk: (name, encrypted) for pk, name, encrypted in step}
            numbers: dict[int, str] = {}
            for pk, person, system, record_id, *middle, provider, source, registered_at in entries.filter(
                person_id__in=list(who)
            ).values_list(*_EXPORT_FIELDS):
                if person not in numbers:
                    numbers[person] = decrypt_id_number(who[person][1])
                yield [
                    exchange_key(pk, system, record_id),
                    numbers[person],
                    who[person][0],
                    *middle,
                    provider,
                    source,
                    system,
                    registered_at.astimezone(local).isoformat(timespec="seconds"),
                ]


def exchange_key(pk: int, source_system: str, source_record_id: str) -> str:
    """The row's key in an exchange file, unique within the file so that its import is idempotent.

    A source record id is unique only within its system (two platforms both number from 1; a 高研班
    project uses the person's id), so it is qualified by the system; the province's own ids, which it
    must recognise when they come back, are kept as they are.
    """
    if not source_record_id:
        return f"cehours-{pk}"
    if source_system in ("", PROVINCE_SYSTEM):
        return source_record_id
    return f"{source_system}:{source_record_id}"


def export_audit(*, user, year: int, county: str | None, series: str | None, fmt: str, rows: int) -> None:
    audit_record(
        actor=user,
        action="exchange.hours_exported",
        object_type="ledger_entry",
        after={"year": year, "county": county, "series": series, "format": fmt, "rows": rows},
    )


# How each row's outcome reads, on the page and on the command line.
STATUS_LABELS = {
    "ok": "可导入",
    "created": "新增",
    "duplicate": "已存在（重复）",
    "updated": "更新",
    "unchanged": "无变化",
    "held": "暂缓登记",
    "rejected": "未导入",
}


@dataclass
class RowReport:
    row: int
    key: str
    status: str  # a key of STATUS_LABELS
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport]
    dry_run: bool

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def problems(self) -> list[RowReport]:
        return [r for r in self.rows if r.errors]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(label, rows) for each outcome that occurred, in STATUS_LABELS order."""
        return [(label, n) for status, label in STATUS_LABELS.items() if (n := self.count(status))]

    def groups(self, first: int = 5) -> list[ReportGroup]:
        """The rows by outcome (issue 12: a report a clerk can read, not a list of thousands): each
        outcome with its count, the problems behind it counted by message, and its first rows."""
        groups = []
        for status, label in STATUS_LABELS.items():
            rows = [r for r in self.rows if r.status == status]
            if rows:
                reasons = Counter(message for r in rows for message in r.errors)
                groups.append(ReportGroup(status, label, len(rows), reasons.most_common(10), rows[:first]))
        return groups


@dataclass(frozen=True)
class ReportGroup:
    status: str
    label: str
    count: int
    reasons: list[tuple[str, int]]  # the most frequent problem messages, with how many rows have each
    first_rows: list[RowReport]


def _hours_record(values: dict[str, str]) -> dict:
    """A provincial row becomes an intake record of activity 'other': its hours are already converted
    by the issuing platform, whose rules take precedence (R12d)."""
    record: dict = {
        "source_record_id": values.get("source_record_id", ""),
        "id_number": values.get("id_number", ""),
        "name": values.get("name", ""),
        "category": values.get("category", ""),
        "activity": "other",
        "hours": values.get("hours", ""),
        "title": values.get("title", ""),
        "completed_on": values.get("completed_on", ""),
    }
    if values.get("provider"):
        record["provider"] = values["provider"]
    # Optional, and only when filled in: a file without the column (or a blank cell) makes the same
    # record, with the same fingerprint, as before the column existed.
    for name in HOURS_OPTIONAL:
        if values.get(name, "").strip():
            record[name] = values[name]
    return record


def province_system(by=None) -> ConnectedSystem:
    system = ConnectedSystem.objects.filter(code=PROVINCE_SYSTEM).first()
    if system is None:
        system, _ = system_save(
            code=PROVINCE_SYSTEM, name="浙江省专业技术人员继续教育学时登记管理系统", categories=[], industries=[]
        )  # the platform's own link to the province, owned by the city whoever imports first
    return system


def import_hours(
    *,
    rows: Iterator[tuple[int, dict[str, str]]],
    user,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Hours from the provincial platform, through the same checks and idempotency as live intake."""
    require(user, Action.IMPORT_DATA, message="只有人力社保部门管理员可以导入学时")
    today = timezone.localdate()
    reports: list[RowReport] = []
    pending: list[tuple[RowReport, dict]] = []
    system = None if dry_run else province_system(by=user)

    def flush() -> None:
        outside = _outside_scope(user, [record["id_number"] for _, record in pending])
        for (report, _), out in zip(pending, outside, strict=True):
            if out:
                report.status, report.errors = "rejected", [OUTSIDE_SCOPE]
        pending[:] = [(report, record) for (report, record), out in zip(pending, outside, strict=True) if not out]
        if not pending:
            return
        if system is None:  # dry run: the checks that need the database, without writing
            for report, problem in zip(
                (r for r, _ in pending), _person_problems([record for _, record in pending]), strict=True
            ):
                if problem:
                    report.status, report.errors = "rejected", [problem]
        else:
            result = records_intake(
                system=system, records=[r for _, r in pending], today=today, source=Source.PROVINCIAL_IMPORT
            )
            for (report, _), outcome in zip(pending, result.results, strict=True):
                report.status = outcome.status
                report.errors = [e["message"] for e in outcome.errors]
        pending.clear()

    from cehours.ledger.rulesets import rules_on, stored_versions

    versions = stored_versions()
    for number, values in rows:
        record = _hours_record(values)
        report = RowReport(row=number, key=record["source_record_id"], status="ok")
        reports.append(report)
        parsed = parse_record(record, rules_on=lambda day: rules_on(day, versions), today=today)
        if isinstance(parsed, list):
            report.status, report.errors = "rejected", [p.message for p in parsed]
            continue
        record["id_number"] = parsed.id_number
        pending.append((report, record))
        if len(pending) >= MAX_BATCH:
            flush()
            if progress:
                progress(len(reports))
    flush()
    if progress:
        progress(len(reports))
    summary = ImportReport(reports, dry_run)
    if not dry_run:
        audit_record(
            actor=user,
            action="exchange.hours_imported",
            object_type="ledger_entry",
            after={s: summary.count(s) for s in ("created", "duplicate", "held", "rejected")},
        )
    return summary


def _person_problems(records: list[dict]) -> list[str | None]:
    """R3 for a dry run: a known ID number must come with the registered name."""
    hashes = [id_number_hash(r["id_number"]) for r in records]
    names = dict(Person.objects.filter(id_number_hash__in=set(hashes)).values_list("id_number_hash", "name"))
    return [
        "name：姓名与平台登记的该身份证号码持有人不一致" if h in names and names[h] != r["name"] else None
        for h, r in zip(hashes, records, strict=True)
    ]


UNIT_COLUMNS = ["credit_code", "name", "county_code", "series_code", "self_evaluating"]
PEOPLE_COLUMNS = [
    "id_number",
    "name",
    "unit_credit_code",
    "series_code",
    "county_code",
    "title_level",
    "title_obtained_on",
]


@dataclass
class _RosterRow:
    """One checked roster row: its key, its problems, and what importing it would set."""

    key: str
    errors: list[str]
    existing: Model | None = None
    identity: dict = field(default_factory=dict)  # fields only a new row gets
    wanted: dict = field(default_factory=dict)  # fields the roster decides


def _roster_import(
    *, rows, user, dry_run: bool, progress, check: Callable[[dict], _RosterRow], model, action: str, what: str
) -> ImportReport:
    require(user, Action.IMPORT_DATA, message=f"只有人力社保部门管理员可以导入{what}")
    reports = []
    with transaction.atomic():
        for number, values in rows:
            row = check(values)
            report = RowReport(number, row.key, "rejected" if row.errors else "ok", row.errors)
            reports.append(report)
            if not row.errors and not dry_run:
                report.status = _apply(model, row)
            if progress and len(reports) % 1000 == 0:
                progress(len(reports))
        result = ImportReport(reports, dry_run)
        if not dry_run:
            audit_record(
                actor=user,
                action=action,
                object_type=model._meta.model_name,
                after={s: result.count(s) for s in ("created", "updated", "unchanged", "rejected")},
            )
    return result


def _apply(model, row: _RosterRow) -> str:
    if row.existing is None:
        model.objects.create(**row.identity, **row.wanted)
        return "created"
    if all(getattr(row.existing, k) == v for k, v in row.wanted.items()):
        return "unchanged"
    for k, v in row.wanted.items():
        setattr(row.existing, k, v)
    row.existing.save()
    return "updated"


def import_units(*, rows, user, dry_run: bool, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Units by unified social credit code: created, or updated where the roster differs."""
    counties = {c.code: c for c in County.objects.all()}
    series = {s.code: s for s in Series.objects.all()}

    def check(values: dict) -> _RosterRow:
        errors = []
        try:
            code = normalize_credit_code(values.get("credit_code", ""))
        except InvalidIdentifier as exc:
            code, errors = values.get("credit_code", ""), [f"credit_code：{exc}"]
        name = values.get("name", "").strip()
        if not name or len(name) > 128:
            errors.append("name：单位名称不能为空，且不超过128个字符")
        county = counties.get(values.get("county_code", ""))
        if county is None:
            errors.append(f"county_code：不是丽水市的县（市、区）代码：{values.get('county_code', '')}")
        s_code = values.get("series_code", "")
        if s_code and s_code not in series:
            errors.append(f"series_code：找不到行业（系列）代码 {s_code}")
        flag = values.get("self_evaluating", "").strip().lower()
        if flag not in {"", "0", "1", "是", "否", "true", "false"}:
            errors.append("self_evaluating：应为 是/否")
        wanted = {
            "name": name,
            "county": county,
            "series": series.get(s_code),
            "self_evaluating": flag in {"1", "是", "true"},
        }
        existing = None if errors else Unit.objects.filter(credit_code=code).first()
        if not errors and not _unit_inside(existing, wanted):
            errors.append("credit_code：该单位不在您的管理范围内，未导入")
        return _RosterRow(code, errors, existing, {"credit_code": code}, wanted)

    def _unit_inside(existing: Unit | None, wanted: dict) -> bool:
        # The unit as it is and as the roster would make it must both lie inside the user's scope.
        if existing is not None and not Unit.objects.restrict(user, Action.IMPORT_DATA).filter(pk=existing.pk).exists():
            return False
        series = wanted["series"]
        return holds_place(
            user, Action.IMPORT_DATA, county_id=wanted["county"].pk, series_id=series.pk if series else None
        )

    return _roster_import(
        rows=rows,
        user=user,
        dry_run=dry_run,
        progress=progress,
        check=check,
        model=Unit,
        action="exchange.units_imported",
        what="单位名册",
    )


def import_people(*, rows, user, dry_run: bool, progress: Callable[[int], None] | None = None) -> ImportReport:
    """People by ID number (R3): created, or their unit, series, county and title updated; a roster
    never renames a registered person (a different name is reported, not applied)."""
    counties = {c.code: c for c in County.objects.all()}
    series = {s.code: s for s in Series.objects.all()}
    units = {u.credit_code: u for u in Unit.objects.all()}

    def check(values: dict) -> _RosterRow:
        errors = []
        try:
            id_number = normalize_id_number(values.get("id_number", ""))
        except InvalidIdentifier as exc:
            id_number, errors = "", [f"id_number：{exc}"]
        name = values.get("name", "").strip()
        if not name or len(name) > 64:
            errors.append("name：姓名不能为空，且不超过64个字符")
        unit_code = values.get("unit_credit_code", "").upper()
        unit = units.get(unit_code) if unit_code else None
        if unit_code and unit is None:
            errors.append(f"unit_credit_code：找不到单位 {unit_code}（请先导入单位名册）")
        county = counties.get(values.get("county_code", "")) or (unit.county if unit else None)
        if county is None:
            errors.append("county_code：须为丽水市的县（市、区）代码，或提供所在单位")
        s_code = values.get("series_code", "")
        if s_code and s_code not in series:
            errors.append(f"series_code：找不到行业（系列）代码 {s_code}")
        obtained = None
        if values.get("title_obtained_on"):
            try:
                obtained = date.fromisoformat(values["title_obtained_on"][:10])
            except ValueError:
                errors.append("title_obtained_on：应为“年-月-日”格式的日期，如 2025-03-01")
        masked = mask_id_number(id_number) if id_number else values.get("id_number", "")
        person = Person.objects.filter(id_number_hash=id_number_hash(id_number)).first() if id_number else None
        if person is not None and person.name != name:
            errors.append("name：与平台登记的姓名不一致；更名须经单位确认，未导入")
        wanted = {
            "unit": unit,
            "county": county,
            "series": series.get(s_code) or (unit.series if unit else None),
            "title_level": values.get("title_level", "")[:32],
            "title_obtained_on": obtained,
            "unit_confirmed": unit is not None,
        }
        if not errors and not _person_inside(person, wanted):
            errors.append(OUTSIDE_SCOPE)
        identity = {}
        if id_number and person is None:
            identity = {"name": name, **stored_identity(id_number).as_fields()}
        return _RosterRow(masked, errors, person, identity, wanted)

    def _person_inside(person: Person | None, wanted: dict) -> bool:
        # Neither the person as registered nor the place the roster would move them may lie outside.
        if person is not None and not Person.objects.restrict(user, Action.IMPORT_DATA).filter(pk=person.pk).exists():
            return False
        unit, series, county = wanted["unit"], wanted["series"], wanted["county"]
        return holds_place(
            user,
            Action.IMPORT_DATA,
            county_id=county.pk if county else None,
            series_id=series.pk if series else None,
            unit_id=unit.pk if unit else None,
        )

    return _roster_import(
        rows=rows,
        user=user,
        dry_run=dry_run,
        progress=progress,
        check=check,
        model=Person,
        action="exchange.people_imported",
        what="人员名册",
    )

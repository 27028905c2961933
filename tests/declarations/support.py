"""Proof files and small helpers for the declaration tests: real services, no mocks."""

from __future__ import annotations

import itertools
import struct
import zlib
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cehours.declarations.catalogue import catalogue_for
from cehours.declarations.models import ActivityType, Declaration
from cehours.declarations.services import declaration_create, declaration_decide, declaration_submit, evidence_add
from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.selectors import person_compliance
from cehours.people.models import Person

_serial = itertools.count(1)


def today() -> date:
    return timezone.localdate()


def _own_day(person: Person, days: int) -> date:
    """The end of a span of days that none of the person's earlier declarations used, this year."""
    now = today()
    first = date(now.year, 1, 1) + timedelta(days=days - 1)
    taken = sum((d.end_on - d.start_on).days + 1 for d in Declaration.objects.filter(person=person))
    return max(first, now - timedelta(days=taken))


def pdf_bytes(tag: str | None = None) -> bytes:
    """A small PDF; each call differs unless the same tag is given (the same tag = the same file)."""
    tag = tag or f"unique-{next(_serial)}"
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {tag}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes(tag: str | None = None) -> bytes:
    """A real 2×2 PNG (a browser can draw it), made unique by a text chunk."""
    tag = tag or f"unique-{next(_serial)}"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    pixels = b"".join(b"\x00" + b"\x20\x60\xa0" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + tag.encode())
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(tag: str | None = None) -> bytes:
    """Starts like every JPEG (SOI and an APP0 JFIF segment); enough for a content check."""
    tag = tag or f"unique-{next(_serial)}"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + tag.encode() + b"\xff\xd9"


def activity(person: Person, code: str) -> ActivityType:
    """The catalogue line with this code as the person's industry sees it (R8)."""
    return next(row for row in catalogue_for(person) if row.code == code)


def declare(
    person: Person,
    code: str = "training",
    quantity="1",
    days: int = 1,
    title: str | None = None,
    evidence: bytes | None = None,
    with_evidence: bool = True,
    submit: bool = True,
    end_on: date | None = None,
) -> Declaration:
    """A declaration made by the person themself through the services.

    Unless told, each declaration ends on a day of its own this year (today, yesterday, …): R12a
    holds a person to 6 offline hours a day across all their records, so two day-long trainings on
    one day could not both be approved (tests/ledger/test_every_path_checked.py proves that).
    """
    end_on = end_on or _own_day(person, days)
    declaration = declaration_create(
        person=person,
        by=person.user,
        activity=activity(person, code),
        title=title or f"{code} 第{next(_serial)}期",
        organiser="丽水市继续教育基地",
        start_on=end_on - timedelta(days=days - 1),
        end_on=end_on,
        quantity=Decimal(str(quantity)),
    )
    if with_evidence:
        evidence_add(declaration=declaration, by=person.user, name="证明材料.pdf", content=evidence or pdf_bytes())
    if submit:
        declaration = declaration_submit(declaration=declaration, by=person.user)
    return declaration


def decide(declaration: Declaration, by, action: str, reason: str = "") -> Declaration:
    """A reviewer decides on what they see now (the current version)."""
    declaration.refresh_from_db()
    return declaration_decide(declaration=declaration, by=by, action=action, reason=reason, version=declaration.version)


def year_totals(person: Person, year: int | None = None):
    year = year or today().year
    (row,) = person_compliance(person, year, year)
    return row.totals


def declaration_entries(person: Person) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(person=person, source=Source.DECLARATION).order_by("pk"))


def counted_hours(person: Person) -> Decimal:
    """The ledger's truth: the sum of all entries, reversals included."""
    return sum((e.hours for e in LedgerEntry.objects.filter(person=person)), start=Decimal("0"))

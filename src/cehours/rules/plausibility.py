"""Plausibility of a record no person checked (DESIGN §2): when it is held for a person to decide.

A connected system or a provincial file sends hours that no reviewer has seen. What looks wrong is
neither registered nor refused: it is held, with one of these reasons, for a level-1 reviewer of the
person's scope. No I/O here; the ledger's write door gathers what is already registered and asks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher

# Titles at least this alike (difflib's ratio over the normalised titles) describe one training.
SIMILAR_RATIO = 0.8
# A title contained in the other counts as the same training only from this many characters: "培训"
# is inside half of all titles.
CONTAINED_MIN = 4


def normalised_title(title: str) -> str:
    """The title as compared: full-width folded (NFKC), lower case, only letters and digits kept."""
    folded = unicodedata.normalize("NFKC", title).lower()
    return "".join(ch for ch in folded if ch.isalnum())


_NUMERALS = re.compile(r"[0-9]+|[零〇一二三四五六七八九十百千]+")


def numerals(title: str) -> list[str]:
    """The numbers in a title: 第一期 and 第二期, 2025 and 2026, tell two trainings apart."""
    return _NUMERALS.findall(title)


def similar_titles(a: str, b: str) -> bool:
    """Whether two titles plausibly name the same training (symmetric)."""
    x, y = normalised_title(a), normalised_title(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    if len(short) >= CONTAINED_MIN and short in long:
        return True  # "培训班" and "培训班（第一期）": the same training, the issue of it added
    nx, ny = numerals(x), numerals(y)
    if nx and ny and nx != ny:
        return False  # "公需课（一）" and "公需课（二）" are two courses, alike as their titles are
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= SIMILAR_RATIO


@dataclass(frozen=True)
class Registered:
    """An entry already registered for the person, as the duplicate check sees it."""

    entry_id: int
    source_system: str
    source: str
    category: str
    title: str
    first_day: date
    last_day: date


def days_of(start_on: date | None, end_on: date | None, completed_on: date) -> tuple[date, date]:
    """The days a record covers: its span, or the day it was completed."""
    return (start_on or end_on or completed_on, end_on or completed_on)


def likely_duplicate(
    *, source: str, source_system: str, category: str, title: str, first_day: date, last_day: date,
    registered: list[Registered],
) -> Registered | None:  # fmt: skip
    """The registered entry from another source this record looks like: same category, overlapping
    days and a similar title (the same training reported by the province and by a city system)."""
    for other in registered:
        if (other.source_system, other.source) == (source_system, source):
            continue  # one source's own records are kept apart by its record ids
        if other.category != category or other.first_day > last_day or other.last_day < first_day:
            continue
        if similar_titles(title, other.title):
            return other
    return None


def above_record_limit(hours: Decimal, limit: Decimal) -> bool:
    return hours > limit


def too_old(year: int, current_year: int, oldest_years: int | None) -> bool:
    """With the option on, a record for a year more than `oldest_years` before the current one."""
    return oldest_years is not None and year < current_year - oldest_years


def above_year_limit(already: Decimal, hours: Decimal, limit: Decimal | None) -> bool:
    return limit is not None and already + hours > limit

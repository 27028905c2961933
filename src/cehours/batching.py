"""Cutting long lists of ids into pieces a single query takes comfortably."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

# Ids in one `IN (...)`: SQLite's default limit of bound parameters is 32,766 and PostgreSQL plans a
# list of this size in well under a millisecond; a bulk read of 10,000 people is five queries a table.
ID_CHUNK = 2000


def chunked(items: Iterable[T], size: int = ID_CHUNK) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items (itertools.batched is Python 3.12)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk

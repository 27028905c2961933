"""Verification codes: 16 letters and digits a person can read off paper and type (80 bits).

No 0/O, 1/I/L or U, so a code copied by hand is not misread; shown in groups of four."""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 symbols: log2(30**16) ≈ 78.5 bits
LENGTH = 16
_SEPARATORS = re.compile(r"[\s\-－—]")
_SHAPE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalised(typed: str) -> str | None:
    """The code as stored, from what was typed (any case, grouped with spaces or dashes), or None
    when it cannot be a code at all (a malformed code is not a guess: the throttle ignores it)."""
    code = _SEPARATORS.sub("", typed or "").upper()
    return code if _SHAPE.fullmatch(code) else None


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

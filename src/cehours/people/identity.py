"""How a person's resident ID number is stored (R3, DESIGN §3, §7): encrypted, keyed hash, masked.

The one place that turns an ID number into the three columns of Person that hold it, so every way
a person enters the register (a registration, a connected system's record, a roster, the demo)
stores them alike. Looking a person up by number stays `crypto.id_number_hash`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cehours.rules.identifiers import mask_id_number, normalize_id_number

from .crypto import encrypt_id_number, id_number_hash


@dataclass(frozen=True)
class StoredIdentity:
    """The stored forms of one ID number; `number` is the normalised number itself (never stored)."""

    number: str
    encrypted: str
    hash: str
    masked: str

    def as_fields(self) -> dict[str, str]:
        """Person's columns, for Person(**identity.as_fields(), ...)."""
        return {"id_number_encrypted": self.encrypted, "id_number_hash": self.hash, "id_number_masked": self.masked}


def stored_identity(id_number: str, *, today: date | None = None) -> StoredIdentity:
    """Normalise and check the number (GB 11643), then derive what is stored; InvalidIdentifier if it is wrong."""
    number = normalize_id_number(id_number, today=today)
    return StoredIdentity(
        number=number,
        encrypted=encrypt_id_number(number),
        hash=id_number_hash(number),
        masked=mask_id_number(number),
    )

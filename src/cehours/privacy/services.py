"""Recording reads of personal data, and the throttle on lookups by full ID number that miss.

`record_read(request, action, person=..., count=..., outcome=...)` is the one hook every page,
endpoint and file that reads a person's data calls. Within a request the reads are kept on the
request and written by ReadLogMiddleware in one INSERT when the answer is ready; outside a request
(a command, a test calling a view directly) they are written at once.

The throttle (`refuse_if_over_limit`) answers the mask-reversal loop: a masked number such as
331102********269X leaves ~1,700 candidates with a valid check digit, and a caller who may read the
person finds them by trying each. A miss (nobody the caller may see has that number) is a ReadEvent
with outcome "missed"; a caller with LOOKUP_MISSES_PER_HOUR of them in the last hour is refused
every lookup by ID number, hit or miss, until the oldest leaves the hour. The count lives in the
database, so it holds across gunicorn's worker processes and servers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from cehours.audit.context import current

from .models import ReadAction, ReadEvent, ReadOutcome

if TYPE_CHECKING:
    from cehours.integration.models import ConnectedSystem

PENDING = "_cehours_reads"  # the request attribute holding the reads not yet written
LIMIT_MESSAGE = "查询未登记身份证号码次数过多，请一小时后再试"
WINDOW = timedelta(hours=1)


class LookupLimited(Exception):
    """The caller has missed too many lookups by ID number in the last hour (answers 429)."""

    field = "id_number"
    message = LIMIT_MESSAGE

    def __init__(self) -> None:
        super().__init__(LIMIT_MESSAGE)


@dataclass(frozen=True)
class Caller:
    """Who is reading: a signed-in user (session or token), a connected system, or an address."""

    key: str
    user: Any = None  # the project's user model (a ReadEvent's foreign key)
    system: ConnectedSystem | None = None


def caller_of(request) -> Caller:
    from cehours.integration.models import ConnectedSystem

    auth = getattr(request, "auth", None)  # set by the API's authentication (user or system)
    if isinstance(auth, ConnectedSystem):
        return Caller(f"system:{auth.pk}", system=auth)
    user = auth if isinstance(auth, AbstractBaseUser) else getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Caller(f"user:{user.pk}", user=user)
    return Caller(f"addr:{_address(request)}")


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else current().remote_addr


def record_read(
    request,
    action: ReadAction,
    *,
    person=None,
    person_id: int | None = None,
    count: int | None = None,
    outcome: ReadOutcome = ReadOutcome.FOUND,
) -> None:
    """Note that the caller read `person` (or `count` people: a search, an export)."""
    caller = caller_of(request)
    event = ReadEvent(
        at=timezone.now(),
        user=caller.user,
        system=caller.system,
        caller_key=caller.key,
        action=ReadAction(action),
        outcome=outcome,
        person=person,
        count=count,
        remote_addr=_address(request)[:64],
        request_id=current().request_id[:64],
    )
    if person is None and person_id is not None:
        event.person_id = person_id
    pending = getattr(request, PENDING, None)
    if pending is None:
        ReadEvent.objects.bulk_create([event])
    else:
        pending.append(event)


def flush_reads(request) -> None:
    """Write the request's reads in one INSERT (ReadLogMiddleware calls it when the answer is ready)."""
    pending = getattr(request, PENDING, None) or []
    setattr(request, PENDING, [])
    if pending:
        ReadEvent.objects.bulk_create(pending)


def lookup_misses(caller_key: str, *, limit: int) -> int:
    """The caller's lookups by ID number that missed in the last hour, counted up to `limit`."""
    since = timezone.now() - WINDOW
    rows = ReadEvent.objects.filter(caller_key=caller_key, outcome=ReadOutcome.MISSED, at__gte=since)
    return rows.values("pk")[:limit].count()  # bounded: never counts further than the limit


def refuse_if_over_limit(request, action: ReadAction) -> int:
    """Raise LookupLimited (and record the refusal) when the caller is over the limit of misses;
    otherwise return how many misses the caller has left this hour (a list spends them row by row).

    Called before every lookup by full ID number, hit or miss: were hits still answered, the loop
    would go on telling hits from refusals.
    """
    limit = settings.LOOKUP_MISSES_PER_HOUR
    left = limit - lookup_misses(caller_of(request).key, limit=limit)
    if left <= 0:
        record_read(request, action, outcome=ReadOutcome.REFUSED)
        raise LookupLimited
    return left


def record_lookup(request, action: ReadAction, person) -> None:
    """A lookup by full ID number: the person found, or a miss that the throttle counts."""
    if person is None:
        record_read(request, action, outcome=ReadOutcome.MISSED)
    else:
        record_read(request, action, person=person)

"""Finding people, always through the scope filter."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from cehours.access.policy import Action
from cehours.integration.models import ConnectedSystem
from cehours.ledger.models import LedgerEntry
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number

from .crypto import id_number_hash
from .models import Person


def person_by_id_number(user, id_number: str) -> Person | None:
    """The person with this ID number if the user may see them; None otherwise (same as unknown)."""
    number = normalize_id_number(id_number)
    return (
        Person.objects.visible_to(user)
        .select_related("unit", "series", "county")
        .filter(id_number_hash=id_number_hash(number))
        .first()
    )


def person_visible(user, pk: int) -> Person | None:
    return Person.objects.visible_to(user).select_related("unit", "series", "county").filter(pk=pk).first()


def id_number_query(query: str) -> str | None:
    """The ID number a search query is, normalised; None for a name (or anything else)."""
    try:
        return normalize_id_number((query or "").strip())
    except InvalidIdentifier:
        return None


def people_search(user, query: str, limit: int = 50) -> QuerySet[Person]:
    """By exact ID number, or by name (prefix match), inside the user's scope."""
    people = Person.objects.visible_to(user).select_related("unit", "series", "county")
    query = (query or "").strip()
    if not query:
        return people.none()
    number = id_number_query(query)
    if number is None:
        return people.filter(name__startswith=query).order_by("name", "pk")[:limit]
    return people.filter(id_number_hash=id_number_hash(number))


def unplaced_people(user) -> QuerySet[Person]:
    """People with no unit (待确认人员) whom the user may see, newest first (people/placement.py).

    Through the access policy like every read: a person first seen in a record without a known unit
    has no county either, so city-wide staff and the industry authority of their series see them, a
    county's staff do not (a unit-less person registered with a county stays in that county's view).
    `first_system` is the code of the connected system whose entry for them was registered first.
    """
    first_system = (
        LedgerEntry.objects.filter(person=OuterRef("pk"))
        .exclude(source_system="")
        .order_by("pk")
        .values("source_system")
    )
    return (
        Person.objects.restrict(user, Action.VIEW_PERSON)
        .filter(unit__isnull=True)
        .select_related("series", "county")
        .annotate(first_system=Subquery(first_system[:1]))
        .order_by("-created_at", "-pk")
    )


def system_names(codes) -> dict[str, str]:
    """Connected systems' names by code, for the codes given (no query for none)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return dict(ConnectedSystem.objects.filter(code__in=wanted).values_list("code", "name"))

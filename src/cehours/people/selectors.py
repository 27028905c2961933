"""Finding people, always through the scope filter."""

from __future__ import annotations

from django.db.models import QuerySet

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

"""The one door for scope: what a user may see, as a filter every query goes through."""

from __future__ import annotations

from django.db.models import Q

from .models import PERSON_READING_ROLES, Grant

NOTHING = Q(pk__in=[])


def user_grants(user) -> list[Grant]:
    """All of the user's grants, read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_cehours_grants", None)
    if cached is None:
        cached = list(user.grants.all())
        user._cehours_grants = cached
    return cached


def person_grants(user) -> list[Grant]:
    return [g for g in user_grants(user) if g.role in PERSON_READING_ROLES]


def person_filter(user, prefix: str = "") -> Q:
    """A filter on Person (or, with prefix "person__", on rows that belong to a person).

    A person sees themself; staff see the people inside any of their grants' scopes; anyone else
    sees nobody. Views and API handlers never filter by scope themselves.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    terms = [g.person_q() for g in person_grants(user)]
    if any(not t for t in terms):  # an empty Q is a city-wide grant
        return Q()
    q = Q(user_id=user.pk)
    for term in terms:
        q |= term
    if not prefix:
        return q
    return _prefixed(q, prefix)


def _prefixed(q: Q, prefix: str) -> Q:
    children = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_prefixed(child, prefix))
        else:
            key, value = child
            children.append((prefix + key, value))
    return Q(*children, _connector=q.connector, _negated=q.negated)


def is_staff_user(user) -> bool:
    return bool(person_grants(user))

"""Questions about a user's grants that services ask before acting (R17 levels and scopes)."""

from __future__ import annotations

from django.db.models import Q

from cehours.people.models import Person

from .models import Grant, Role

NOTHING = Q(pk__in=[])
# Industry authorities and self-evaluating units review offline declarations (第十七条), at level 1.
REVIEW_ROLES = (Role.REVIEWER, Role.INDUSTRY_AUTHORITY)


def _review_grants(user) -> list[Grant]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    grants = Grant.objects.filter(user=user, role__in=REVIEW_ROLES).select_related("unit")
    # A unit-scoped review grant counts only for a self-evaluating unit (自主评聘单位).
    return [g for g in grants if g.unit_id is None or g.unit.self_evaluating]


def _level(grant: Grant) -> int:
    return grant.level if grant.role == Role.REVIEWER else 1


def review_filter(user, min_level: int = 1) -> Q:
    """Persons whose declarations the user may decide (or, with min_level 2, spot-check)."""
    q = NOTHING
    for grant in _review_grants(user):
        if _level(grant) >= min_level:
            q |= grant.person_q() or Q(pk__isnull=False)
    return q


def reviewer_level_over(user, person: Person) -> int:
    """The highest review level (R17) the user holds over a scope containing the person; 0 if none."""
    levels = [
        _level(grant)
        for grant in _review_grants(user)
        if Person.objects.filter(pk=person.pk).filter(grant.person_q()).exists()
    ]
    return max(levels, default=0)


def highest_review_level(user) -> int:
    return max((_level(g) for g in _review_grants(user)), default=0)


def has_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and Grant.objects.filter(user=user, role__in=roles).exists())

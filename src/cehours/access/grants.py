"""Questions about a user's grants that services ask before acting."""

from __future__ import annotations

from cehours.people.models import Person

from .models import Grant, Role


def reviewer_level_over(user, person: Person) -> int:
    """The highest reviewer level (R17) the user holds over a scope containing the person; 0 if none."""
    if user is None or not user.is_authenticated:
        return 0
    levels = [
        grant.level
        for grant in Grant.objects.filter(user=user, role=Role.REVIEWER)
        if Person.objects.filter(pk=person.pk).filter(grant.person_q()).exists()
    ]
    return max(levels, default=0)

"""The queryset every scoped model uses: `.restrict(user, action)` is the one door to its rows."""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class RestrictedQuerySet(models.QuerySet[Any]):
    """Rows reach pages, the API and services only through the access policy (access/policy.py).

    The policy is imported when called, not at import time: it names the models of several apps,
    and those apps' models are built on this class.
    """

    def restrict(self, user, action) -> Self:
        from .policy import restrict

        return restrict(self, user, action)

    def visible_to(self, user) -> Self:
        """The rows the user may read: the model's reading action in the policy."""
        from .policy import READ_ACTIONS, Action, restrict

        return restrict(self, user, READ_ACTIONS.get(self.model._meta.label_lower, Action.VIEW_PERSON))

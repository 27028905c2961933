"""Reading the access log: the reads, newest first, and callers who read unusually many people in an hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncHour

from .models import ReadEvent


def read_events() -> QuerySet[ReadEvent]:
    """Every read, newest first, with what the page shows of the caller and the person."""
    return ReadEvent.objects.select_related("user", "user__person", "system", "person").order_by("-at", "-pk")


def user_label(user) -> str:
    """A person's name where the account has one, else the account's full name, else its username."""
    person = getattr(user, "person", None)
    if person is not None:
        return person.name
    return user.get_full_name() or user.username


def caller_label(event: ReadEvent) -> str:
    if event.user is not None:
        return user_label(event.user)
    if event.system is not None:
        return f"对接系统：{event.system.name}"
    return f"未登录（{event.remote_addr or '地址不明'}）"


@dataclass(frozen=True)
class HeavyReader:
    """A caller who read more distinct people in one clock hour than the threshold."""

    caller: str
    hour: datetime
    people: int


def heavy_readers(*, threshold: int, since: datetime) -> list[HeavyReader]:
    """(caller, hour, distinct people) for every clock hour since `since` in which a caller read more
    than `threshold` distinct people: the pattern of someone harvesting records, not of casework."""
    rows = list(
        ReadEvent.objects.filter(at__gte=since, person__isnull=False)
        .annotate(hour=TruncHour("at"))
        .values("caller_key", "hour")
        .annotate(people=Count("person", distinct=True))
        .filter(people__gt=threshold)
        .order_by("-hour", "-people")[:500]
    )
    labels = caller_labels({row["caller_key"] for row in rows})
    return [HeavyReader(labels[row["caller_key"]], row["hour"], row["people"]) for row in rows]


def caller_labels(keys: set[str]) -> dict[str, str]:
    """Names for caller keys ("user:<pk>", "system:<pk>", "addr:<address>"), in two queries at most."""
    from cehours.integration.models import ConnectedSystem

    ids: dict[str, set[int]] = {"user": set(), "system": set()}
    for key in keys:
        kind, _, value = key.partition(":")
        if kind in ids and value.isdigit():
            ids[kind].add(int(value))
    users = get_user_model().objects.filter(pk__in=ids["user"]).select_related("person") if ids["user"] else []
    names = {f"user:{u.pk}": user_label(u) for u in users}
    if ids["system"]:
        systems = ConnectedSystem.objects.filter(pk__in=ids["system"]).values_list("pk", "name")
        names.update({f"system:{pk}": f"对接系统：{name}" for pk, name in systems})
    for key in keys:
        if key not in names:
            address = key.partition(":")[2]
            names[key] = f"未登录（{address or '地址不明'}）"
    return names

"""Reads of online learning: the catalogue, a person's courses and their progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from cehours.people.models import Person
from cehours.rules.hours import Category
from cehours.rules.watching import bitmap_count

from .models import Course, Enrollment, ItemProgress

PUBLIC = "public"  # R11's public hours: general and industry public courses together


def catalogue(
    *, person: Person | None, query: str = "", category: str = "", year: int | None = None, series: str = ""
) -> QuerySet[Course]:
    """Published courses offered in `year`: for a professional the city-wide ones and their own
    series'; for anyone else (staff browsing) every series', or the one asked for."""
    year = year or timezone.localdate().year
    courses = Course.objects.filter(published=True, year_from__lte=year, year_to__gte=year)
    if person is not None:
        courses = courses.filter(Q(series__isnull=True) | Q(series_id=person.series_id))
    elif series:
        courses = courses.filter(Q(series__isnull=True) | Q(series_id=series))
    if category == PUBLIC:
        courses = courses.filter(category__in=[Category.GENERAL_PUBLIC, Category.INDUSTRY_PUBLIC])
    elif category:
        courses = courses.filter(category=category)
    if query:
        courses = courses.filter(
            Q(title__icontains=query) | Q(description__icontains=query) | Q(provider__icontains=query)
        )
    return courses.select_related("series").prefetch_related("items").order_by("category", "title", "pk")


@dataclass(frozen=True)
class ItemState:
    item_id: int
    title: str
    position: int
    duration: int
    watched: int
    complete: bool

    @property
    def percent(self) -> int:
        return min(100, 100 * self.watched // self.duration) if self.duration else 100


def item_states(enrollment: Enrollment) -> list[ItemState]:
    rows = ItemProgress.objects.filter(enrollment=enrollment).select_related("item").order_by("item__position")
    return [
        ItemState(
            p.item_id,
            p.item.title,
            p.item.position,
            p.item.duration_seconds,
            bitmap_count(bytes(p.watched)),
            p.completed_at is not None,
        )
        for p in rows
    ]


def my_enrollments(person: Person) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(person=person).select_related("course", "entry").order_by("-enrolled_at", "-pk")


def enrollment_of(person: Person | None, course: Course) -> Enrollment | None:
    if person is None:
        return None
    return Enrollment.objects.filter(person=person, course=course).select_related("entry").first()

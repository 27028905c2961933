"""R19 (第十九条) in figures: for the people in a user's scope, a year's compliance and hours grouped by
county, unit or series, the trend over years and the distribution of total hours.

Every figure comes from `compliance_overview`'s one annotated query (each person's year totals and
R11 judged by their own series' rules), grouped in the database, so the groups of a chart always sum
to the overview's own counts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, Count, IntegerField, Q, QuerySet, Sum, Value, When

from cehours.people.models import Person
from cehours.rules.hours import to_hours

from .selectors import compliance_overview

GROUPS = {
    "county": ("county_id", "county__name"),
    "unit": ("unit_id", "unit__name"),
    "series": ("series_id", "series__name"),
}
# Total hours of a year, in bands that mean something against R11 (18 public, 60 professional, 90).
BANDS = (
    ("lt18", "不足 18 学时", None, Decimal("18")),
    ("18to60", "18–60 学时", Decimal("18"), Decimal("60")),
    ("60to90", "60–90 学时", Decimal("60"), Decimal("90")),
    ("90to120", "90–120 学时", Decimal("90"), Decimal("120")),
    ("ge120", "120 学时及以上", Decimal("120"), None),
)
ZERO = Decimal("0.0")


@dataclass(frozen=True)
class GroupFigures:
    key: str  # the county code, unit id or series code ("" for none)
    name: str
    people: int
    qualified: int
    general_public: Decimal
    industry_public: Decimal
    professional: Decimal

    @property
    def rate(self) -> Decimal:
        """Share qualified, in percent to one decimal (0 for no people)."""
        if not self.people:
            return ZERO
        return (Decimal(self.qualified) * 100 / self.people).quantize(Decimal("0.1"))

    @property
    def total(self) -> Decimal:
        return self.general_public + self.industry_public + self.professional


def scoped_people(user, *, year: int, county: str = "", series: str = "", unit: int | None = None):
    """The overview's annotated people of `year`, narrowed to a county, series or unit."""
    people, _summary = compliance_overview(user, year=year, unit=unit)
    if county:
        people = people.filter(county_id=county)
    if series:
        people = people.filter(series_id=series)
    return people.order_by()


def _figures(people: QuerySet[Person]) -> dict:
    # Named apart from the annotations they read: an aggregate called "qualified" would shadow the
    # annotation of that name, and its filter would then count nobody.
    return {
        "n_people": Count("pk"),
        "n_qualified": Count("pk", filter=Q(qualified=True)),
        "sum_gp": Sum("gp"),
        "sum_ip": Sum("ip"),
        "sum_pro": Sum("pro"),
    }


def _row(key, name, values: dict) -> GroupFigures:
    return GroupFigures(
        key="" if key is None else str(key),
        name=name or "未登记",
        people=values["n_people"],
        qualified=values["n_qualified"],
        general_public=to_hours(values["sum_gp"] or ZERO),
        industry_public=to_hours(values["sum_ip"] or ZERO),
        professional=to_hours(values["sum_pro"] or ZERO),
    )


def compliance_by(people: QuerySet[Person], group: str) -> list[GroupFigures]:
    """One row per county, unit or series of these people, largest first."""
    key, name = GROUPS[group]
    rows = people.values(key, name).annotate(**_figures(people)).order_by("-n_people", name)
    return [_row(row[key], row[name], row) for row in rows]


def compliance_total(people: QuerySet[Person], name: str) -> GroupFigures:
    return _row("", name, people.aggregate(**_figures(people)))


def hours_distribution(people: QuerySet[Person]) -> list[tuple[str, str, int]]:
    """(band code, band label, people) for each band of total hours, in order, empty bands included."""
    whens = []
    for code, _label, low, high in BANDS:
        condition = Q()
        if low is not None:
            condition &= Q(total__gte=low)
        if high is not None:
            condition &= Q(total__lt=high)
        whens.append(When(condition, then=Value(code)))
    band = Case(*whens, output_field=CharField())
    banded = people.annotate(band=band).values("band").annotate(n=Count("pk", output_field=IntegerField()))
    counts = dict(banded.values_list("band", "n"))
    return [(code, label, counts.get(code, 0)) for code, label, _low, _high in BANDS]


def compliance_trend(user, *, years: list[int], county: str = "", series: str = "") -> list[GroupFigures]:
    """The same figures for each of `years`, each judged by its own year's rules."""
    return [
        compliance_total(scoped_people(user, year=year, county=county, series=series), f"{year}年") for year in years
    ]

"""学时统计 (R19 第十九条): for any scope, a year's compliance rate, counts and hours by category per
county (or, inside a county, per unit) and per series, the trend over five years and the spread
of total hours — each as a chart drawn by the server beside the table of its figures. A county
opens to its units, a unit to its people (/overview/)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cehours.access.policy import Action
from cehours.ledger.statistics import (
    compliance_by,
    compliance_total,
    compliance_trend,
    hours_distribution,
    scoped_people,
)
from cehours.people.models import County, Series

from .charts import bar_chart
from .forms import year_field
from .permissions import allowed

TREND_YEARS = 5


class StatisticsForm(forms.Form):
    year = year_field("年度", required=False)
    county = forms.ChoiceField(
        label="县（市、区）", required=False, error_messages={"invalid_choice": "请从列表中选择县（市、区）"}
    )
    series = forms.ChoiceField(
        label="职称系列", required=False, error_messages={"invalid_choice": "请从列表中选择职称系列"}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.series_names = dict(Series.objects.order_by("name").values_list("code", "name"))
        county_field, series_field = self.fields["county"], self.fields["series"]
        assert isinstance(county_field, forms.ChoiceField) and isinstance(series_field, forms.ChoiceField)
        county_field.choices = [("", "全部"), *County.objects.order_by("code").values_list("code", "name")]
        series_field.choices = [("", "全部"), *self.series_names.items()]


def _rate_chart(title: str, rows) -> str:
    return bar_chart(title, [(r.name, r.rate) for r in rows], maximum=100, suffix="%")


@allowed(Action.VIEW_OVERVIEW)
def statistics(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "year": timezone.localdate().year, "county": None, "series_name": "", "total": None}
        return render(request, "web/statistics.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    this_year = timezone.localdate().year
    year = data.get("year") or this_year
    county, series = data.get("county") or "", data.get("series") or ""
    people = scoped_people(request.user, year=year, county=county, series=series)
    total = compliance_total(people, "合计")
    places = compliance_by(people, "unit" if county else "county")
    by_series = compliance_by(people, "series")
    trend = compliance_trend(
        request.user, years=list(range(year - TREND_YEARS + 1, year + 1)), county=county, series=series
    )
    bands = hours_distribution(people)
    context = {
        "form": form,
        "year": year,
        "in_progress": year >= this_year,
        "county": County.objects.filter(code=county).first() if county else None,
        "series_name": form.series_names.get(series, ""),
        "total": total,
        "places": places,
        "by_series": by_series,
        "trend": trend,
        "bands": bands,
        "charts": {
            "places": _rate_chart(f"{year}年各{'单位' if county else '县（市、区）'}合格率", places),
            "series": _rate_chart(f"{year}年各职称系列合格率", by_series),
            "trend": _rate_chart(f"近{TREND_YEARS}年合格率", trend),
            "bands": bar_chart(
                f"{year}年总学时分布（人）",
                [(label, n) for _code, label, n in bands],
                maximum=max([1, *(n for *_, n in bands)]),
            ),
        },
    }
    return render(request, "web/statistics.html", context)

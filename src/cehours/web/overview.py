"""R19: a unit's, an industry's or a county's people and their compliance for a year, for staff in scope."""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cehours.access.policy import Action
from cehours.integration.tables import write_csv
from cehours.jobs.kinds import OVERVIEW_CSV_COLUMNS, overview_rows
from cehours.jobs.models import JobKind
from cehours.jobs.services import job_request
from cehours.ledger.selectors import OverviewRows, compliance_overview
from cehours.people.models import Person, Series, Unit

from .forms import year_field
from .permissions import allowed


class OverviewForm(forms.Form):
    year = year_field("年度", required=False)
    only_short = forms.BooleanField(label="只看未合格", required=False)
    unit = forms.IntegerField(
        label="单位",
        required=False,
        min_value=1,
        error_messages={"invalid": "单位应为编号", "min_value": "单位应为编号"},
    )
    format = forms.ChoiceField(
        label="格式",
        required=False,
        choices=[("", "网页"), ("csv", "CSV")],
        error_messages={"invalid_choice": "格式应为网页或 CSV"},
    )
    page = forms.IntegerField(
        label="页码",
        required=False,
        min_value=1,
        error_messages={"invalid": "页码应为整数", "min_value": "页码从 1 开始"},
    )


@allowed(Action.VIEW_OVERVIEW)
def overview(request: HttpRequest) -> HttpResponse:
    form = OverviewForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "web/overview.html", {"form": form, "year": ""}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    year = data.get("year") or timezone.localdate().year
    unit = data.get("unit")
    people, summary = compliance_overview(request.user, year=year, unit=unit, only_short=bool(data.get("only_short")))
    shown = summary["short"] if data.get("only_short") else summary["people"]
    if data.get("format") == "csv" and shown > settings.CEHOURS_INLINE_EXPORT_ROWS:
        # More rows than a request should take seconds to write: a background job, and its page.
        params = {"year": year, "only_short": bool(data.get("only_short")), "unit": unit}
        title = f"{year}年学时汇总" + ("（未合格）" if params["only_short"] else "")
        job = job_request(request.user, kind=JobKind.OVERVIEW_CSV, params=params, title=title)
        return redirect("web:job", pk=job.pk)
    if data.get("format") == "csv":
        return _csv(people, year, in_progress=year >= timezone.localdate().year)
    page: Page[Person] = Paginator(OverviewRows(people, shown), 100).get_page(data.get("page") or 1)
    names = dict(Series.objects.filter(code__in=list(summary["series_rules"])).values_list("code", "name"))
    own = [(names.get(code, code), rules) for code, rules in summary["series_rules"].items()]
    context = {"form": form, "year": year, "page": page, "summary": summary, "rules": summary["rules"], "own": own}
    # Opened from a county's units on /statistics/: that unit only (the scope still decides who is in it).
    context["unit"] = Unit.objects.filter(pk=unit).first() if unit else None
    context["unit_query"] = f"&unit={unit}" if unit else ""
    # A year not yet ended: who is not qualified so far reads 进行中, not 不合格 (R11 is judged on the whole year).
    context["in_progress"] = year >= timezone.localdate().year
    return render(request, "web/overview.html", context)


def _csv(people, year: int, *, in_progress: bool = False) -> HttpResponse:
    buffer = io.StringIO()
    write_csv(OVERVIEW_CSV_COLUMNS, overview_rows(people, in_progress=in_progress), buffer)
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cehours-compliance-{year}.csv"'
    return response

"""Units and rosters (issue 10): county HR bureaus register units (/units/); unit staff add people to
their roster and record each one's series and title (/roster/), which eligibility (R13) defaults from.

The rules are cehours.people.services'; these views parse, call and render.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cehours.access.policy import Action, claim_units, reaches_everything, restrict
from cehours.errors import FieldError
from cehours.integration.tables import write_xlsx
from cehours.ledger.selectors import people_year_compliance
from cehours.people.models import County, Person, Series, TitleLevelChoice, Unit, UnitKind
from cehours.people.services import roster_person_add, roster_title_set, unit_save
from cehours.privacy.models import ReadAction
from cehours.privacy.services import record_read

from .forms import DATE_ERRORS, year_field
from .permissions import allowed
from .professionals import unit_person

PAGE_SIZE = 50


class UnitForm(forms.Form):
    credit_code = forms.CharField(
        label="统一社会信用代码", max_length=18, error_messages={"required": "请填写统一社会信用代码"}
    )
    name = forms.CharField(label="单位名称", max_length=128, error_messages={"required": "请填写单位名称"})
    county = forms.ModelChoiceField(
        label="所在县（市、区）",
        queryset=County.objects.all(),
        empty_label="请选择",
        error_messages={"required": "请选择所在县（市、区）"},
    )
    kind = forms.ChoiceField(label="单位类型", choices=UnitKind.choices, error_messages={"required": "请选择单位类型"})
    series = forms.ModelChoiceField(
        label="主管行业", queryset=Series.objects.all(), required=False, empty_label="不限行业"
    )
    self_evaluating = forms.ChoiceField(
        label="自主评聘单位（市人力社保局认定）", required=False, choices=[("", "不变"), ("1", "是"), ("0", "否")]
    )


def _field(form: forms.Form, exc: FieldError) -> str | None:
    return exc.field if exc.field in form.fields else None


@allowed(Action.MANAGE_UNITS)
def units(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            flag = {"1": True, "0": False}.get(data["self_evaluating"] or "")
            try:
                unit, created = unit_save(
                    by=request.user, credit_code=data["credit_code"], name=data["name"], county=data["county"],
                    kind=data["kind"], series=data["series"], self_evaluating=flag,
                )  # fmt: skip
            except FieldError as exc:
                form.add_error(_field(form, exc), exc.message)
            else:
                messages.success(request, f"已{'登记' if created else '更新'}单位：{unit.name}")
                return redirect("web:units")
    listed = restrict(Unit.objects.all(), request.user, Action.MANAGE_UNITS).select_related("county", "series")
    page = Paginator(listed.order_by("county", "name"), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    context = {"form": form, "page": page, "city_wide": reaches_everything(request.user, Action.MANAGE_UNITS, Unit)}
    return render(request, "web/units.html", context, status=status)


class AddForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64, error_messages={"required": "请填写姓名"})
    id_number = forms.CharField(label="身份证号码", max_length=18, error_messages={"required": "请填写身份证号码"})


class TitleForm(forms.Form):
    series = forms.ModelChoiceField(label="职称系列", queryset=Series.objects.all(), required=False, empty_label="未定")
    title_level = forms.ChoiceField(
        label="现职称等级", required=False, choices=[("", "未取得")] + [(c.label, c.label) for c in TitleLevelChoice]
    )
    title_obtained_on = forms.DateField(label="取得现职称日期", required=False, error_messages=DATE_ERRORS)


class RosterYearForm(forms.Form):
    year = year_field("年度", required=False)


def _own_units(request: HttpRequest) -> list[Unit]:
    return claim_units(request.user)  # the units of the user's unit-staff grants


@allowed(Action.EDIT_ROSTER)
def roster(request: HttpRequest) -> HttpResponse:
    units_ = _own_units(request)
    form = AddForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not units_:
            form.add_error(None, "您的单位经办人授权未指定单位")
        elif form.is_valid():
            try:
                data = form.cleaned_data
                person = roster_person_add(
                    by=request.user, unit=units_[0], name=data["name"], id_number=data["id_number"]
                )
            except FieldError as exc:
                form.add_error(_field(form, exc), exc.message)
            else:
                messages.success(request, f"已将{person.name}（{person.id_number_masked}）加入{units_[0].name}名册。")
                return redirect("web:roster")
    year_form = RosterYearForm(request.GET or None)
    if year_form.is_bound and not year_form.is_valid():
        status = 400
    year = (year_form.cleaned_data.get("year") if year_form.is_valid() else None) or timezone.localdate().year
    people = restrict(Person.objects.filter(unit__in=units_), request.user, Action.EDIT_ROSTER)
    page = Paginator(people.select_related("series").order_by("name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page") or 1
    )
    # R19: the roster's compliance, each person with the figures of their own page (R11).
    compliance = people_year_compliance(people, year)
    if request.GET.get("format") == "xlsx" and status == 200:
        return _assessment_xlsx(request, people, compliance, year, units_)
    page_rows = [(p, compliance[p.pk]) for p in page.object_list]
    counts = {"qualified": 0, "in_progress": 0, "short": 0}
    for row in compliance.values():
        counts["qualified" if row.qualified else "in_progress" if row.in_progress else "short"] += 1
    context = {"form": form, "page": page, "rows": page_rows, "units": units_, "series": Series.objects.all(),
               "levels": [c.label for c in TitleLevelChoice], "year": year, "year_form": year_form,
               "counts": counts}  # fmt: skip
    return render(request, "web/roster.html", context, status=status)


ASSESSMENT_COLUMNS = [
    *("姓名", "身份证号码（脱敏）", "职称系列", "年度", "一般公需科目", "行业公需科目", "公需科目合计"),
    *("专业科目", "总学时", "是否合格", "尚缺"),
]


def _assessment_xlsx(request: HttpRequest, people, compliance: dict, year: int, units_: list[Unit]) -> HttpResponse:
    """年度考核 (第十九条): the unit's people for a year, qualified or not and what is missing."""
    rows = []
    for person in people.select_related("series").order_by("name", "pk"):
        c = compliance[person.pk]
        t = c.totals
        figures = (t.general_public, t.industry_public, t.public, t.professional, t.total)
        missing = "；".join(s.message for s in c.shortfalls)
        series = person.series.name if person.series else ""
        rows.append([person.name, person.id_number_masked, series, year, *map(str, figures), c.status_label, missing])
    stream = io.BytesIO()
    write_xlsx(ASSESSMENT_COLUMNS, rows, stream)
    record_read(request, ReadAction.EXPORT, count=len(rows))
    unit_name = units_[0].name if units_ else "本单位"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(stream.getvalue(), content_type=xlsx)
    name = quote(f"{unit_name}{year}年度考核学时名单.xlsx", safe="")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@require_POST
@allowed(Action.EDIT_ROSTER)
def roster_title(request: HttpRequest, pk: int) -> HttpResponse:
    person = unit_person(request, pk, Action.EDIT_ROSTER)
    form = TitleForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.items()))
        messages.error(request, f"{form.fields[first[0]].label}：{first[1][0]}")
        return redirect("web:roster")
    data = form.cleaned_data
    try:
        roster_title_set(
            by=request.user, person=person, series=data["series"], title_level=data["title_level"],
            title_obtained_on=data["title_obtained_on"],
        )  # fmt: skip
    except FieldError as exc:
        label = form.fields[exc.field].label if exc.field in form.fields else ""
        messages.error(request, f"{label}：{exc.message}" if label else exc.message)
        return redirect("web:roster")
    messages.success(request, f"已保存{person.name}的职称信息。")
    return redirect("web:roster")

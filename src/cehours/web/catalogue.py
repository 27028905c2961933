"""The industry authority's page for its activity catalogue (R8)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cehours.access.policy import Action
from cehours.declarations.catalogue_admin import activity_save, authority_series
from cehours.declarations.models import ActivityType
from cehours.errors import FieldError
from cehours.rules.hours import CATEGORY_LABELS, Category

from .permissions import allowed

NUMBER_ERRORS = {"invalid": "应为数字", "max_decimal_places": "最多一位小数", "max_digits": "数值过大"}


class ActivityForm(forms.Form):
    series = forms.ChoiceField(
        label="行业（系列）", error_messages={"required": "请选择行业", "invalid_choice": "只能设置本行业的目录"}
    )
    code = forms.SlugField(
        label="代码",
        max_length=64,
        error_messages={"required": "请填写代码", "invalid": "代码只能含字母、数字、- 和 _"},
    )
    name = forms.CharField(label="学习形式", max_length=64, error_messages={"required": "请填写学习形式名称"})
    category = forms.ChoiceField(label="科目类别", choices=[(c.value, CATEGORY_LABELS[c]) for c in Category])
    formula = forms.ChoiceField(label="计算方式", choices=ActivityType._meta.get_field("formula").choices or ())
    hours_per_unit = forms.DecimalField(
        label="每天/每项学时",
        max_digits=6,
        decimal_places=1,
        error_messages={"required": "请填写每天/每项学时", **NUMBER_ERRORS},
    )
    unit_label = forms.CharField(label="数量单位", max_length=16, required=False)
    per_item_cap = forms.DecimalField(
        label="单项上限（可空）", max_digits=6, decimal_places=1, required=False, error_messages=NUMBER_ERRORS
    )
    per_year_cap = forms.DecimalField(
        label="年度上限（可空）", max_digits=6, decimal_places=1, required=False, error_messages=NUMBER_ERRORS
    )
    evidence_hint = forms.CharField(
        label="所需证明材料", max_length=255, error_messages={"required": "请填写所需证明材料"}
    )
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, series_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["series"]).choices = [(s.code, s.name) for s in series_choices]


@allowed(Action.EDIT_CATALOGUE)
def catalogue(request: HttpRequest) -> HttpResponse:
    series = authority_series(request.user)
    editing = None if request.method == "POST" else _line_to_edit(request.GET.get("edit"), series)
    initial = _initial_from(editing, series) if editing else {"active": True}
    form = ActivityForm(request.POST or None, series_choices=series, initial=initial)
    if editing is not None and editing.series is not None:
        # Changing a line keeps its code (a new code is a new line: 改为新增条目).
        form.fields["code"].widget.attrs["readonly"] = True
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["series"] = next(s for s in series if s.code == data["series"])
            try:
                activity_save(by=request.user, **data)
                messages.success(request, "已保存。本行业人员申报时即按此计算学时。")
                return redirect("web:catalogue")
            except FieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 400
    current = ActivityType.objects.filter(superseded_at__isnull=True)
    own = current.filter(series__in=series).select_related("series").order_by("series", "code")
    defaults = current.filter(series__isnull=True).order_by("code")
    context = {"form": form, "own": own, "defaults": defaults, "zero": Decimal(0), "editing": editing}
    context["may_override"] = bool(series)
    return render(request, "web/catalogue.html", context, status=status)


def _line_to_edit(pk: str | None, series) -> ActivityType | None:
    """The current line behind a row's 修改 link: the authority's own or a platform default (which
    the form then overrides for the authority's series). Anything else — another industry's line, a
    superseded version, a number that is not one — opens the empty form, as if no line were asked."""
    if not pk or not pk.isdigit():
        return None
    line = ActivityType.objects.filter(pk=int(pk), superseded_at__isnull=True).select_related("series").first()
    if line is None or (line.series is not None and line.series not in series):
        return None
    return line


def _initial_from(line: ActivityType, series) -> dict:
    """The form filled from a line, so changing one figure does not mean retyping its code and the rest."""
    fields = ("code", "name", "category", "formula", "hours_per_unit", "unit_label", "per_item_cap",
              "per_year_cap", "evidence_hint", "active")  # fmt: skip
    initial = {f: getattr(line, f) for f in fields}
    owner = line.series or (series[0] if series else None)  # a default: the authority's first series
    initial["series"] = owner.code if owner else ""
    return initial

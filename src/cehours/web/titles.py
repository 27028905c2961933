"""City HR's table of title levels and the years each application requires (R13): the rows in force,
their history, and adding one. Staff read it (the eligibility page's defaults come from it); only
the holders of the rule versions' permission add to it."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cehours.access.policy import Action, can, is_staff
from cehours.errors import FieldError
from cehours.people.models import Series, TitleLevelChoice
from cehours.people.selectors import title_requirements_listed
from cehours.people.services import TitleRequirementError, title_requirement_add
from cehours.rules.titles import MAX_REQUIRED_YEARS, MIN_REQUIRED_YEARS, PLACEHOLDER_LABEL

from .forms import DATE_ERRORS


class TitleRequirementForm(forms.Form):
    series = forms.ChoiceField(
        label="职称系列", error_messages={"required": "请选择职称系列", "invalid_choice": "请选择已有的职称系列"}
    )
    level = forms.ChoiceField(
        label="职称等级",
        choices=TitleLevelChoice.choices,
        error_messages={"required": "请选择职称等级", "invalid_choice": "职称等级应为初级、中级、副高级或正高级"},
    )
    local_name = forms.CharField(
        label="本系列名称",
        required=False,
        max_length=32,
        help_text="可不填，如 主治医师",
        error_messages={"max_length": "本系列名称不能超过 32 个字符"},
    )
    required_years = forms.IntegerField(
        label="规定年限（年）",
        min_value=MIN_REQUIRED_YEARS,
        max_value=MAX_REQUIRED_YEARS,
        error_messages={
            "required": "请填写规定年限",
            "invalid": "规定年限应为整数",
            "min_value": f"规定年限不能少于 {MIN_REQUIRED_YEARS} 年",
            "max_value": f"规定年限不能超过 {MAX_REQUIRED_YEARS} 年",
        },
    )
    effective_from = forms.DateField(label="生效日期", error_messages=DATE_ERRORS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["series"]).choices = [("", "请选择")] + [
            (s.code, s.name) for s in Series.objects.order_by("code")
        ]


@login_required
def title_requirements(request: HttpRequest) -> HttpResponse:
    if not is_staff(request.user):
        raise PermissionDenied("只有工作人员可以查看职称规定年限表")
    may_edit = can(request.user, Action.EDIT_RULES)
    form = TitleRequirementForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("只有市人力社保局（三级管理权限或全市人力社保部门管理员）可以录入职称规定年限")
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = title_requirement_add(
                    by=request.user,
                    series=Series.objects.filter(code=data["series"]).first(),
                    level=data["level"],
                    local_name=data["local_name"],
                    required_years=data["required_years"],
                    effective_from=data["effective_from"],
                )
                messages.success(
                    request,
                    f"已录入 {row.series.name}系列 {row.get_level_display()} 规定年限 {row.required_years} 年，"
                    f"自 {row.effective_from} 起适用。",
                )
                return redirect("web:title-requirements")
            except TitleRequirementError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except FieldError as exc:  # refused by the access policy
                form.add_error(None, exc.message)
        status = 400
    today = timezone.localdate()
    rows = title_requirements_listed(today)
    context = {
        "form": form if may_edit else None,
        "in_force": [row for row in rows if row.in_force],
        "history": rows,
        "today": today,
        "placeholder_label": PLACEHOLDER_LABEL,
        "any_placeholder": any(row.placeholder and row.in_force for row in rows),
    }
    return render(request, "web/title_requirements.html", context, status=status)

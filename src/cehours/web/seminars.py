"""Pages for 高研班 projects (R9, R12c): providers file, HR and the industry authority approve,
attendee lists register the fixed professional hours."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cehours.access.grants import has_role
from cehours.access.models import Grant, Role
from cehours.declarations.models import SeminarProject
from cehours.declarations.seminars import seminar_decide, seminar_file, seminar_register_attendees
from cehours.declarations.services import DeclarationError
from cehours.integration.tables import TableError, read_table
from cehours.people.models import Series

from .forms import DATE_ERRORS, year_field
from .permissions import role_required

SEMINAR_ROLES = (Role.PROVIDER, Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY)


class SeminarForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=255, error_messages={"required": "请填写项目名称"})
    organiser = forms.CharField(label="举办单位", max_length=128, error_messages={"required": "请填写举办单位"})
    level = forms.ChoiceField(
        label="级别",
        choices=SeminarProject._meta.get_field("level").choices,
        error_messages={"required": "请选择级别", "invalid_choice": "级别无效"},
    )
    series = forms.ModelChoiceField(
        label="行业（系列）",
        queryset=Series.objects.all(),
        error_messages={"required": "请选择行业", "invalid_choice": "行业无效"},
    )
    year = year_field("年度", required=True)
    start_on = forms.DateField(label="开始日期", error_messages=DATE_ERRORS)
    end_on = forms.DateField(label="结束日期", error_messages=DATE_ERRORS)


def _projects(user):
    rows = SeminarProject.objects.select_related("series", "provider").order_by("-filed_at")
    grants = Grant.objects.filter(user=user, role__in=SEMINAR_ROLES)
    if any(g.role == Role.HR_ADMIN for g in grants):
        return rows
    series = [g.series_id for g in grants if g.role == Role.INDUSTRY_AUTHORITY]
    if any(s is None for s in series) and series:
        return rows
    return rows.filter(provider=user) | rows.filter(series_id__in=[s for s in series if s])


@role_required(*SEMINAR_ROLES)
def seminars(request: HttpRequest) -> HttpResponse:
    form = SeminarForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                seminar_file(by=request.user, **form.cleaned_data)
                messages.success(request, "高研班项目已申报备案，等待人力社保部门和行业主管部门审批。")
                return redirect("web:seminars")
            except DeclarationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 400
    context = {
        "form": form,
        "projects": _projects(request.user)[:200],
        "is_provider": has_role(request.user, Role.PROVIDER),
    }
    return render(request, "web/seminars.html", context, status=status)


def _project(request, pk: int) -> SeminarProject:
    project = _projects(request.user).filter(pk=pk).first()
    if project is None:
        raise Http404("未找到该高研班项目")
    return project


@require_POST
@role_required(Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY)
def seminar_decision(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    try:
        seminar_decide(
            project=project,
            by=request.user,
            approve=request.POST.get("approve") == "1",
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "审批意见已保存。")
    except DeclarationError as exc:
        messages.error(request, f"理由：{exc.message}" if exc.field == "reason" else exc.message)
    return redirect("web:seminars")


@require_POST
@role_required(Role.PROVIDER, Role.HR_ADMIN)
def seminar_attendees(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    upload = request.FILES.get("file")
    report = []
    try:
        if upload is None:
            raise DeclarationError("file", "请选择学员名单文件（.xlsx 或 .csv，列：id_number、name）")
        rows = read_table(upload.name, upload.read(), ["id_number", "name"])
        report = seminar_register_attendees(project=project, by=request.user, rows=rows)
    except (DeclarationError, TableError) as exc:
        messages.error(request, f"学员名单：{exc}")
        return redirect("web:seminars")
    counts = {s: sum(1 for _, status, _ in report if status == s) for s in ("created", "duplicate", "rejected")}
    messages.success(
        request,
        f"学员名单已处理：新登记 {counts['created']} 人，已登记 {counts['duplicate']} 人，"
        f"未登记 {counts['rejected']} 人。",
    )
    for row, status, message in report:
        if status == "rejected":
            messages.error(request, f"第 {row} 行：{message}")
    return redirect("web:seminars")

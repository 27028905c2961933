"""Pages for 高研班 projects (R9, R12c): providers file municipal projects, the city HR bureau and
industry authority approve them, city HR registers national and provincial ones by document
number; providers hand in attendee lists that the approving authority checks and registers."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cehours.access.models import Role
from cehours.access.policy import Action, can
from cehours.declarations.models import AttendeeList, SeminarProject
from cehours.declarations.seminars import (
    attendees_check,
    attendees_submit,
    seminar_decide,
    seminar_file,
    seminar_register_approved,
)
from cehours.errors import FieldError
from cehours.integration.tables import TableError, read_table
from cehours.people.models import Series
from cehours.rules.ruleset import SeminarLevel

from .forms import DATE_ERRORS, year_field
from .permissions import allowed

LEVELS = dict(SeminarProject._meta.get_field("level").choices or ())


class SeminarForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=255, error_messages={"required": "请填写项目名称"})
    organiser = forms.CharField(label="举办单位", max_length=128, error_messages={"required": "请填写举办单位"})
    series = forms.ModelChoiceField(
        label="行业（系列）",
        queryset=Series.objects.all(),
        empty_label="请选择行业",
        error_messages={"required": "请选择行业", "invalid_choice": "行业无效"},
    )
    year = year_field("年度", required=True)
    start_on = forms.DateField(label="开始日期", error_messages=DATE_ERRORS)
    end_on = forms.DateField(label="结束日期", error_messages=DATE_ERRORS)


class _ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class ApprovedSeminarForm(SeminarForm):
    level = forms.ChoiceField(
        label="级别",
        choices=[
            (SeminarLevel.NATIONAL, LEVELS[SeminarLevel.NATIONAL]),
            (SeminarLevel.PROVINCIAL, LEVELS["provincial"]),
        ],
        error_messages={"required": "请选择级别", "invalid_choice": "级别应为国家级或省级"},
    )
    approval_document = forms.CharField(label="批准文号", max_length=128, error_messages={"required": "请填写批准文号"})
    provider = _ProviderChoiceField(
        label="举办机构账号（由其提交学员名单）",
        queryset=get_user_model().objects.none(),
        error_messages={"required": "请选择举办机构账号", "invalid_choice": "举办机构账号无效"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(_ProviderChoiceField, self.fields["provider"]).queryset = (
            get_user_model().objects.filter(grants__role=Role.PROVIDER, is_active=True).distinct().order_by("username")
        )


def _projects(request: HttpRequest):
    return (
        SeminarProject.objects.restrict(request.user, Action.VIEW_SEMINAR)
        .select_related("series", "provider")
        .order_by("-filed_at", "-pk")
    )


def _page(request: HttpRequest, form=None, register_form=None, status: int = 200) -> HttpResponse:
    user = request.user
    projects = list(_projects(request)[:200])
    approvable = set(
        SeminarProject.objects.restrict(user, Action.APPROVE_SEMINAR)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    pending = (
        AttendeeList.objects.restrict(user, Action.CHECK_ATTENDEES)
        .filter(status=AttendeeList.SUBMITTED)
        .select_related("project")
        .order_by("submitted_at")
    )
    context = {
        "form": form or SeminarForm(),
        "register_form": register_form or ApprovedSeminarForm(),
        "projects": projects,
        "approvable": approvable,
        "pending_lists": pending[:100],
        "may_file": can(user, Action.FILE_SEMINAR),
        "may_register": can(user, Action.REGISTER_SEMINAR),
    }
    return render(request, "web/seminars.html", context, status=status)


@allowed(Action.VIEW_SEMINAR)
def seminars(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    if request.POST.get("kind") == "approved":
        register_form = ApprovedSeminarForm(request.POST)
        if register_form.is_valid():
            try:
                seminar_register_approved(by=request.user, **register_form.cleaned_data)
                messages.success(request, "已按批准文号登记该高研班项目，举办机构可提交学员名单。")
                return redirect("web:seminars")
            except FieldError as exc:
                field = exc.field if exc.field in register_form.fields else None
                register_form.add_error(field, exc.message)
        return _page(request, register_form=register_form, status=400)
    form = SeminarForm(request.POST)
    if form.is_valid():
        try:
            seminar_file(by=request.user, level=SeminarLevel.MUNICIPAL, **form.cleaned_data)
            messages.success(request, "市级高研班项目已申报备案，等待市人力社保局和行业主管部门审批。")
            return redirect("web:seminars")
        except FieldError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return _page(request, form=form, status=400)


def _project(request: HttpRequest, pk: int) -> SeminarProject:
    project = _projects(request).filter(pk=pk).first()
    if project is None:
        raise Http404("未找到该高研班项目")
    return project


@require_POST
@allowed(Action.APPROVE_SEMINAR)
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
    except FieldError as exc:
        messages.error(request, f"理由：{exc.message}" if exc.field == "reason" else exc.message)
    return redirect("web:seminars")


@require_POST
@allowed(Action.SUBMIT_ATTENDEES)
def seminar_attendees(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise FieldError("file", "请选择学员名单文件（.xlsx 或 .csv，列：id_number、name）")
        rows = read_table(upload.name or "", upload.read(), ["id_number", "name"])
        submitted = attendees_submit(project=project, by=request.user, rows=rows)
    except (FieldError, TableError) as exc:
        messages.error(request, f"学员名单：{getattr(exc, 'message', exc)}")
        return redirect("web:seminars")
    messages.success(request, f"学员名单已提交，待审核（共 {len(submitted.rows)} 人）。审核登记后学员即可看到学时。")
    return redirect("web:seminars")


@allowed(Action.CHECK_ATTENDEES)
def attendee_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The approving authority sees each row matched against the platform, then registers."""
    submitted = (
        AttendeeList.objects.restrict(request.user, Action.CHECK_ATTENDEES)
        .select_related("project", "project__series", "submitted_by")
        .filter(pk=pk)
        .first()
    )
    if submitted is None:
        raise Http404("未找到该学员名单")
    register = request.method == "POST"
    try:
        report = attendees_check(attendees=submitted, by=request.user, register=register)
    except FieldError as exc:
        messages.error(request, exc.message)
        return redirect("web:seminars")
    counts = {
        s: sum(1 for _, status, _ in report if status == s) for s in ("created", "duplicate", "held", "rejected")
    }
    if register:
        messages.success(
            request,
            f"学员名单已审核登记：新登记 {counts['created']} 人，已登记 {counts['duplicate']} 人，"
            + (f"暂缓登记 {counts['held']} 人（见“暂缓登记”页），" if counts["held"] else "")
            + f"未登记 {counts['rejected']} 人。",
        )
        return redirect("web:attendee-list", pk=pk)
    context = {"list": submitted, "report": report, "counts": counts, "project": submitted.project}
    return render(request, "web/attendee_list.html", context)

"""Pages for levels 2 and 3: spot checks of lower decisions and the integrity archive (R17, R20, R21)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cehours.access.policy import Action, highest_level
from cehours.declarations.models import IntegrityEntry, SpotCheck, SpotCheckItem
from cehours.declarations.selectors import declaration_visible
from cehours.declarations.services import integrity_lift, integrity_record
from cehours.declarations.spotchecks import reviewer_statistics, spot_check_draw, spot_check_rederive, spot_check_review
from cehours.errors import FieldError

from .forms import DATE_ERRORS, refused


class DrawForm(forms.Form):
    rate = forms.DecimalField(
        label="抽查比例",
        min_value=Decimal("0.001"),
        max_value=Decimal("1"),
        decimal_places=3,
        error_messages={
            "required": "请填写抽查比例",
            "invalid": "抽查比例应为 0 到 1 之间的小数",
            "min_value": "抽查比例应大于 0",
            "max_value": "抽查比例不能超过 1",
            "max_decimal_places": "抽查比例最多三位小数",
        },
    )
    minimum_per_reviewer = forms.IntegerField(
        label="每名审核人员最少抽查数",
        min_value=0,
        max_value=100,
        initial=1,
        error_messages={
            "required": "请填写每名审核人员最少抽查数",
            "invalid": "应为整数",
            "min_value": "不能为负数",
            "max_value": "不能超过 100",
        },
    )
    decided_from = forms.DateField(label="审核日期自", error_messages=DATE_ERRORS)
    decided_to = forms.DateField(label="审核日期至", error_messages=DATE_ERRORS)
    seed = forms.CharField(label="随机种子（可不填，由系统生成）", required=False, max_length=64)


def _oversight(request) -> int:
    level = highest_level(request.user, Action.SPOT_CHECK)
    if level < 2:
        raise PermissionDenied("只有二级、三级管理权限可以抽查复审")
    return level


@login_required
def spot_checks(request: HttpRequest) -> HttpResponse:
    level = _oversight(request)
    today = timezone.localdate()
    form = DrawForm(
        request.POST or None, initial={"rate": "0.1", "decided_from": today - timedelta(days=30), "decided_to": today}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                check = spot_check_draw(
                    by=request.user,
                    **{k: v for k, v in form.cleaned_data.items() if k != "seed"},
                    seed=form.cleaned_data["seed"] or None,
                )
                messages.success(request, f"已抽取 {len(check.sample_ids)} 件（候选 {len(check.candidate_ids)} 件）。")
                return redirect("web:spot-check", pk=check.pk)
            except FieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status = 400
    context = {
        "form": form,
        "level": level,
        "checks": SpotCheck.objects.restrict(request.user, Action.SPOT_CHECK).order_by("-drawn_at")[:50],
        "stats": reviewer_statistics(request.user),
        "integrity": IntegrityEntry.objects.visible_to(request.user)
        .select_related("person")
        .order_by("-recorded_on")[:100],
    }
    return render(request, "web/spot_checks.html", context, status=status)


@login_required
def spot_check(request: HttpRequest, pk: int) -> HttpResponse:
    _oversight(request)
    check = SpotCheck.objects.restrict(request.user, Action.SPOT_CHECK).filter(pk=pk).first()
    if check is None:
        raise Http404("未找到该抽查批次")
    items = check.items.select_related("declaration", "declaration__person", "original_reviewer").order_by("pk")
    context = {"check": check, "items": items, "rederived": spot_check_rederive(check) == list(check.sample_ids)}
    return render(request, "web/spot_check.html", context)


@require_POST
@login_required
def spot_check_item(request: HttpRequest, pk: int) -> HttpResponse:
    _oversight(request)
    item = (
        SpotCheckItem.objects.restrict(request.user, Action.SPOT_CHECK)
        .filter(pk=pk)
        .select_related("spot_check", "declaration", "declaration__person")
        .first()
    )
    if item is None:
        raise Http404("未找到该抽查项")
    try:
        spot_check_review(
            item=item, by=request.user, outcome=request.POST.get("outcome", ""), reason=request.POST.get("reason", "")
        )
        messages.success(request, "复审结果已保存。")
    except FieldError as exc:
        refused(request, exc, {"reason": "复审意见", "outcome": "复审结果"})
    return redirect("web:spot-check", pk=item.spot_check_id)


@require_POST
@login_required
def integrity_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record falsification found in a declaration (R20)."""
    declaration = declaration_visible(request.user, pk)
    if declaration is None:
        raise Http404("未找到该申报，或不在您的查看范围内")
    try:
        integrity_record(
            person=declaration.person,
            declaration=declaration,
            by=request.user,
            finding=request.POST.get("finding", ""),
            evidence_note=request.POST.get("evidence_note", ""),
            on=timezone.localdate(),
        )
        messages.success(request, "已记入诚信档案，相关学时已冲销。")
    except FieldError as exc:
        refused(request, exc, {"finding": "查实情况"})
    return redirect("web:declaration", pk=pk)


@require_POST
@login_required
def integrity_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = IntegrityEntry.objects.visible_to(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404("未找到该诚信档案记录")
    try:
        integrity_lift(entry=entry, by=request.user, reason=request.POST.get("reason", ""), on=timezone.localdate())
        messages.success(request, "诚信档案记录已解除。")
    except FieldError as exc:
        refused(request, exc, {"reason": "解除理由"})
    return redirect("web:spot-checks")

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

from cehours.access.names import display_name
from cehours.access.policy import Action, highest_level
from cehours.declarations.models import IntegrityEntry, SpotCheck, SpotCheckItem
from cehours.declarations.selectors import declaration_visible
from cehours.declarations.services import integrity_lift, integrity_record
from cehours.declarations.spotchecks import (
    origin_label,
    reviewer_statistics,
    source_names,
    spot_check_draw,
    spot_check_rederive,
    spot_check_review,
    spot_check_systems,
    system_statistics,
)
from cehours.errors import FieldError
from cehours.ledger.models import LedgerEntry

from .forms import DATE_ERRORS, refused

# What a draw samples, as the form offers it (DESIGN §5: a spot check reaches every source).
SOURCE_CHOICES = [
    (SpotCheck.Source.DECLARATIONS, "申报审核决定"),
    (SpotCheck.Source.CONNECTED_SYSTEM, "对接系统登记的记录（选择系统）"),
    (SpotCheck.Source.PROVINCIAL_IMPORT, "省平台导入的记录"),
    (SpotCheck.Source.SEMINAR, "高研班学员登记"),
    (SpotCheck.Source.HELD_DECISION, "暂缓登记记录的审核决定"),
]


class DrawForm(forms.Form):
    # Not sent: declarations, as before there was a choice.
    source = forms.ChoiceField(
        label="抽查对象",
        choices=SOURCE_CHOICES,
        required=False,
        initial=SpotCheck.Source.DECLARATIONS,
        error_messages={"invalid_choice": "抽查对象无效，请从列表中选择"},
    )
    system_code = forms.ChoiceField(
        label="对接系统",
        required=False,
        error_messages={"invalid_choice": "所选对接系统在您的抽查范围内没有登记记录"},
    )
    # A percentage, as clerks speak of it (issue 12); the service takes the fraction.
    percent = forms.DecimalField(
        label="抽查比例（%）",
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        decimal_places=1,
        error_messages={
            "required": "请填写抽查比例",
            "invalid": "抽查比例应为 0.1 到 100 之间的百分数",  # "%%" below: Django formats those with the limit
            "min_value": "抽查比例不能低于 0.1%%",
            "max_value": "抽查比例不能超过 100%%",
            "max_decimal_places": "抽查比例最多一位小数",
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
    decided_from = forms.DateField(label="审核或登记日期自", error_messages=DATE_ERRORS)
    decided_to = forms.DateField(label="审核或登记日期至", error_messages=DATE_ERRORS)

    def __init__(self, *args, systems: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # Only the systems whose records the drawer's scope reaches (spotchecks.spot_check_systems).
        system_code = self.fields["system_code"]
        assert isinstance(system_code, forms.ChoiceField)
        system_code.choices = [("", "（抽查对接系统时选择）"), *systems]

    def clean_source(self) -> str:
        return self.cleaned_data.get("source") or SpotCheck.Source.DECLARATIONS

    def clean(self):
        data = super().clean() or {}
        if data.get("source") == SpotCheck.Source.CONNECTED_SYSTEM and not data.get("system_code"):
            self.add_error("system_code", "抽查对接系统登记的记录须选择对接系统")
        return data


def _oversight(request) -> int:
    level = highest_level(request.user, Action.SPOT_CHECK)
    if level < 2:
        raise PermissionDenied("只有二级、三级管理权限可以抽查复审")
    return level


@login_required
def spot_checks(request: HttpRequest) -> HttpResponse:
    level = _oversight(request)
    today = timezone.localdate()
    systems = spot_check_systems(request.user)
    form = DrawForm(
        request.POST or None,
        initial={"percent": "10", "decided_from": today - timedelta(days=30), "decided_to": today},
        systems=systems,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                # The seed is the system's, kept with the draw for anyone to re-derive it (DESIGN §5).
                data = dict(form.cleaned_data)
                rate = data.pop("percent") / 100
                check = spot_check_draw(by=request.user, rate=rate, **data)
                messages.success(request, f"已抽取 {len(check.sample_ids)} 件（候选 {len(check.candidate_ids)} 件）。")
                return redirect("web:spot-check", pk=check.pk)
            except FieldError as exc:
                field = "percent" if exc.field == "rate" else exc.field
                form.add_error(field if field in form.fields else None, exc.message)
        status = 400
    checks = list(SpotCheck.objects.restrict(request.user, Action.SPOT_CHECK).order_by("-drawn_at")[:50])
    context = {
        "form": form,
        "level": level,
        "systems": systems,
        "checks": checks,
        "system_names": source_names({c.system_code for c in checks if c.system_code}),
        "stats": reviewer_statistics(request.user),
        "system_stats": system_statistics(request.user),
        "integrity": IntegrityEntry.objects.visible_to(request.user)
        .select_related("person")
        .order_by("-recorded_on")[:100],
    }
    return render(request, "web/spot_checks.html", context, status=status)


def user_name(user) -> str:
    """A staff member as pages show them (cehours.access.names): by name, never by login."""
    return "" if user is None else display_name(user)


@login_required
def spot_check(request: HttpRequest, pk: int) -> HttpResponse:
    _oversight(request)
    check = SpotCheck.objects.restrict(request.user, Action.SPOT_CHECK).filter(pk=pk).first()
    if check is None:
        raise Http404("未找到该抽查批次")
    items = list(
        check.items.select_related(
            "declaration", "declaration__person", "entry", "entry__person", "held", "held__person",
            "original_reviewer", "original_reviewer__person", "reviewed_by",
        ).order_by("pk")
    )  # fmt: skip
    records = [i.entry or i.held for i in items if i.entry_id or i.held_id]
    names = source_names({r.source_system for r in records if r is not None} | {check.system_code})
    entry_ids = [i.entry_id for i in items if i.entry_id]
    reversed_ids = set(LedgerEntry.objects.filter(reverses_id__in=entry_ids).values_list("reverses_id", flat=True))
    rows = [
        {
            "item": i,
            "reviewer": user_name(i.original_reviewer),
            "origin": origin_label(i.subject.source, i.subject.source_system, names) if not i.declaration_id else "",
            "reversed": i.entry_id in reversed_ids,
        }
        for i in items
    ]
    context = {
        "check": check,
        "items": rows,
        "system_name": names.get(check.system_code, check.system_code),
        "rederived": spot_check_rederive(check) == list(check.sample_ids),
    }
    return render(request, "web/spot_check.html", context)


@require_POST
@login_required
def spot_check_item(request: HttpRequest, pk: int) -> HttpResponse:
    _oversight(request)
    item = (
        SpotCheckItem.objects.restrict(request.user, Action.SPOT_CHECK)
        .filter(pk=pk)
        .select_related("spot_check", "declaration", "entry", "held")
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
def entry_integrity_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record falsification found in a registered entry of any source (R20); it is reversed."""
    entry = LedgerEntry.objects.visible_to(request.user).select_related("person").filter(pk=pk).first()
    if entry is None:
        raise Http404("未找到该学时记录，或不在您的查看范围内")
    try:
        integrity_record(
            person=entry.person,
            entry=entry,
            by=request.user,
            finding=request.POST.get("finding", ""),
            evidence_note=request.POST.get("evidence_note", ""),
            on=timezone.localdate(),
        )
        messages.success(request, "已记入诚信档案，该学时记录已冲销。")
    except FieldError as exc:
        refused(request, exc, {"finding": "查实情况", "entry": "学时记录"})
    return redirect("web:person-entries", pk=entry.person_id)


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

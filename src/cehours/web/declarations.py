"""Pages for offline declarations: the person declares, reviewers decide (R16.2, R17)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cehours.access.policy import Action, can
from cehours.declarations.catalogue import catalogue_for
from cehours.declarations.evidence import EvidenceError
from cehours.declarations.kept_uploads import kept_name, upload_keep, upload_take
from cehours.declarations.models import ActivityType, Declaration
from cehours.declarations.selectors import (
    declaration_visible,
    evidence_visible,
    fraud_signals,
    may_decide,
    notices_for,
    review_queue,
)
from cehours.declarations.services import (
    DecisionConflict,
    DeclarationError,
    declaration_copy,
    declaration_create,
    declaration_decide,
    declaration_preview,
    declaration_resubmit,
    declaration_submit,
    declaration_withdraw,
    evidence_add,
)
from cehours.errors import FieldError
from cehours.ledger.selectors import person_compliance
from cehours.rules.catalogue import Formula
from cehours.rules.review import STATE_LABELS, State

from .forms import DATE_ERRORS, MIN_YEAR, refused

QUEUE_PAGE_SIZE = 50


def _activity_label(row: ActivityType) -> str:
    unit = "" if row.formula == "fixed" else "/" + row.unit_label
    return f"{row.name}（{row.get_category_display()}，{row.get_formula_display()} {row.hours_per_unit:g} 学时{unit}）"


class _ActivityChoiceField(forms.ModelChoiceField):
    """Catalogue lines shown with how they convert, so the person sees the hours before choosing."""

    def label_from_instance(self, obj) -> str:
        return _activity_label(obj)


class DeclarationForm(forms.Form):
    activity_type = _ActivityChoiceField(
        label="学习形式",
        queryset=ActivityType.objects.none(),
        empty_label="请选择学习形式",
        error_messages={"required": "请选择学习形式", "invalid_choice": "学习形式不在您所在行业的目录中"},
    )
    title = forms.CharField(
        label="名称", max_length=255, error_messages={"required": "请填写名称", "max_length": "名称不超过255个字符"}
    )
    organiser = forms.CharField(
        label="举办单位", max_length=128, required=False, error_messages={"max_length": "举办单位不超过128个字符"}
    )
    start_on = forms.DateField(label="开始日期", error_messages=DATE_ERRORS)
    end_on = forms.DateField(label="结束日期", error_messages=DATE_ERRORS)
    quantity = forms.DecimalField(
        label="数量（天数、篇数、学分等）",
        required=False,  # for an activity counted by the day, the days follow from the dates
        min_value=Decimal("0.1"),
        max_value=Decimal("1000"),
        decimal_places=1,
        error_messages={
            "required": "请填写数量",
            "invalid": "数量应为数字",
            "min_value": "数量应大于 0",
            "max_value": "数量不超过 1000",
            "max_decimal_places": "数量最多一位小数",
        },
    )
    file = forms.FileField(label="证明材料（PDF、JPEG 或 PNG，不超过 10 MB）", required=False)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [row.pk for row in catalogue_for(person)] if person else []
        field = cast(forms.ModelChoiceField, self.fields["activity_type"])
        field.queryset = ActivityType.objects.filter(pk__in=ids).order_by("code")


def _person(request):
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404("您的账号未关联专业技术人员档案")
    return person


@login_required
def my_declarations(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = DeclarationForm(request.POST or None, request.FILES or None, person=person)
    preview = None
    status = 200
    kept = request.POST.get("kept", "") if request.method == "POST" else ""
    if request.method == "POST":
        status = 400
        upload = request.FILES.get("file")
        evidence = (upload.name or "证明材料", upload.read()) if upload else None
        valid = form.is_valid()
        saving = request.POST.get("action") != "preview"
        if valid:
            data = form.cleaned_data
            quantity = _quantity(form, data)
            try:
                if quantity is None:
                    pass  # the form says which field to fill
                elif not saving:
                    preview = declaration_preview(
                        person=person, activity=data["activity_type"], quantity=quantity,
                        start_on=data["start_on"], end_on=data["end_on"],
                    )  # fmt: skip
                    status = 200
                else:
                    if evidence is None and kept:
                        evidence = upload_take(request.user, kept)
                        kept = ""
                    declaration = declaration_create(
                        person=person, by=request.user, activity=data["activity_type"], title=data["title"],
                        organiser=data["organiser"], start_on=data["start_on"], end_on=data["end_on"],
                        quantity=quantity, evidence=evidence,
                    )  # fmt: skip
                    messages.success(request, "已保存为草稿。请核对学时与证明材料后提交。")
                    return redirect("web:declaration", pk=declaration.pk)
            except FieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 400
        if evidence is not None:
            # The form comes back: the file the person chose stays on the server, not lost (issue 12).
            try:
                kept = upload_keep(user=request.user, name=evidence[0], content=evidence[1])
            except EvidenceError as exc:
                if "file" not in form.errors:  # declaration_create may have said it already
                    form.add_error("file", str(exc))
                status = 400
    declarations = Declaration.objects.filter(person=person).select_related("activity_type").order_by("-created_at")
    context = {
        "form": form, "declarations": declarations, "preview": preview, "catalogue": catalogue_for(person),
        "kept": kept, "kept_name": kept_name(request.user, kept) if kept else None,
    }  # fmt: skip
    return render(request, "web/declarations.html", context, status=status)


def _quantity(form: DeclarationForm, data: dict) -> Decimal | None:
    """The quantity typed or, for an activity counted by the day, the days from the dates (issue 12)."""
    if data.get("quantity") is not None:
        return data["quantity"]
    activity = data["activity_type"]
    if activity.formula == Formula.PER_DAY and data["end_on"] >= data["start_on"]:
        return Decimal((data["end_on"] - data["start_on"]).days + 1)
    form.add_error("quantity", f"请填写数量（{activity.unit_label}）")
    return None


def _visible(request, pk: int) -> Declaration:
    declaration = declaration_visible(request.user, pk)
    if declaration is None:
        raise Http404("未找到该申报，或不在您的查看范围内")
    return declaration


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _visible(request, pk)
    own = declaration.person.user_id == request.user.pk
    reviewer = not own and may_decide(request.user, declaration)
    context = {
        "d": declaration,
        "own": own,
        "reviewer": reviewer,
        "evidence": list(declaration.evidence.all()),
        "events": list(declaration.events.select_related("actor", "actor__person")),
        "can_edit": own and declaration.status in (State.DRAFT, State.RETURNED),
    }
    if reviewer:
        context["oversight"] = can(request.user, Action.RECORD_INTEGRITY, declaration.person)
        context["signals"] = fraud_signals(declaration, request.user)
        (context["year_hours"],) = person_compliance(declaration.person, declaration.year, declaration.year)
    return render(request, "web/declaration.html", context)


@require_POST
@login_required
def declaration_person_action(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _visible(request, pk)
    action = request.POST.get("action")
    try:
        if action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise DeclarationError("file", "请选择要上传的证明材料")
            evidence_add(declaration=declaration, by=request.user, name=upload.name or "", content=upload.read())
            messages.success(request, "证明材料已上传。")
        elif action == "submit":
            verb = declaration_resubmit if declaration.status == State.RETURNED else declaration_submit
            verb(declaration=declaration, by=request.user)
            messages.success(request, "已提交，等待审核。")
        elif action == "withdraw":
            declaration_withdraw(declaration=declaration, by=request.user)
            messages.success(request, "已撤回。")
        elif action == "copy":
            copy = declaration_copy(declaration=declaration, by=request.user)
            messages.success(request, "已复制为新草稿（含证明材料）。请核对后提交。")
            return redirect("web:declaration", pk=copy.pk)
        else:
            raise DeclarationError("action", "操作无效")
    except FieldError as exc:
        refused(request, exc, {"file": "证明材料", "action": "操作"})
    return redirect("web:declaration", pk=pk)


@require_POST
@login_required
def declaration_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _visible(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, "版本：请求无效，请刷新页面后重试")
        return redirect("web:declaration", pk=pk)
    try:
        decided = declaration_decide(
            declaration=declaration,
            by=request.user,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            version=version,
        )
        messages.success(request, f"已处理：{decided.status_label}")
    except DecisionConflict as exc:
        messages.error(request, exc.message)
    except FieldError as exc:
        refused(request, exc, {"reason": "理由", "action": "审核操作"})
    return redirect("web:declaration", pk=pk)


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    evidence = evidence_visible(request.user, pk)
    if evidence is None:
        raise Http404("未找到该证明材料，或不在您的查看范围内")
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="evidence-{evidence.pk}.{evidence.file.name.rsplit(".", 1)[-1]}"'
    )
    # An uploaded file is the uploader's content: if a browser ever renders it as a page (a PDF with
    # script, a polyglot), the sandbox gives it a unique origin — no session, no same-origin requests.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class QueueForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部")] + [(s.value, STATE_LABELS[s]) for s in State]
    )
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=MIN_YEAR,
        max_value=2100,
        error_messages={"invalid": "年度应为四位数年份", "min_value": "年度过早", "max_value": "年度过晚"},
    )
    name = forms.CharField(label="姓名", required=False, max_length=64)


@login_required
def review(request: HttpRequest) -> HttpResponse:
    form = QueueForm(request.GET or {"status": State.SUBMITTED})
    rows = []
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        queue = review_queue(request.user, status=data["status"], year=data["year"], name=data["name"])
        page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page") or 1)
        rows = list(page.object_list)
    else:
        status = 400
    context = {"form": form, "rows": rows, "today": timezone.localdate(), "notices": notices_for(request.user)}
    if rows:
        filters = {k: request.GET[k] for k in ("status", "year", "name") if request.GET.get(k)}
        context.update(page=page, query=urlencode(filters))
    return render(request, "web/review.html", context, status=status)

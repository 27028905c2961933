"""Professionals' accounts (issue 10): 实名注册 (/register/), opening an account with a unit's code
(/activate/), the page a registrant sees until the unit confirms, and the unit's page for both
(/roster/accounts/: registrations to confirm, activation codes to issue).

The rules are cehours.access.professionals'; these views parse, call and render.
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cehours.access.models import ProfessionalAccount
from cehours.access.policy import Action, restrict
from cehours.access.professionals import (
    AccountMissed,
    accounts_to_confirm,
    activation_codes_issue,
    activation_use,
    registration_decide,
    registration_submit,
)
from cehours.access.reset_links import (
    LINK_REFUSED,
    email_enabled,
    emails_on_file,
    reset_link_send,
    reset_link_use,
    reset_link_user,
)
from cehours.errors import FieldError
from cehours.people.models import Person
from cehours.people.services import person_release
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, record_lookup, refuse_if_over_limit

from .permissions import allowed

BACKEND = "cehours.access.signin.ProfessionalBackend"
PAGE_SIZE = 100


def _password_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, strip=False, widget=forms.PasswordInput, error_messages={"required": f"请填写{label}"}
    )


class _NewPassword(forms.Form):
    """The new password typed twice, alike."""

    def clean(self):
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class RegisterForm(_NewPassword):
    name = forms.CharField(label="姓名", max_length=64, error_messages={"required": "请填写姓名"})
    id_number = forms.CharField(label="身份证号码", max_length=18, error_messages={"required": "请填写身份证号码"})
    mobile = forms.CharField(label="手机号码", max_length=20, error_messages={"required": "请填写手机号码"})
    unit = forms.CharField(
        label="工作单位（全称或统一社会信用代码）", max_length=128, error_messages={"required": "请填写工作单位"}
    )
    email = forms.CharField(label="电子邮箱", max_length=254, required=False)
    password1 = _password_field("密码")
    password2 = _password_field("再次输入密码")


def _password_context() -> dict:
    # An address is asked for only where the platform can send mail: nothing collected for no use.
    return {"rules": password_validators_help_texts(), "email_enabled": email_enabled()}


def _email(data: dict) -> str:
    return data.get("email", "") if email_enabled() else ""


def _limited(request: HttpRequest, form: forms.Form, template: str, context: dict) -> HttpResponse | None:
    """Both pages look a person up by full ID number: they share the limit of lookups that miss."""
    try:
        refuse_if_over_limit(request, ReadAction.SEARCH)
    except LookupLimited as exc:
        form.add_error(None, exc.message)
        return render(request, template, {**context, "form": form}, status=429)
    return None


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = RegisterForm(request.POST or None)
    context = _password_context()
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            refused = _limited(request, form, "web/register.html", context)
            if refused is not None:
                return refused
            data = form.cleaned_data
            # Every registration counts against the caller's limit, as a lookup that tells nothing.
            record_lookup(request, ReadAction.SEARCH, None)
            try:
                user, account = registration_submit(
                    name=data["name"], id_number=data["id_number"], mobile=data["mobile"],
                    unit_query=data["unit"], password=data["password1"], email=_email(data),
                )  # fmt: skip
            except FieldError as exc:
                field = {"unit_query": "unit", "password": "password1"}.get(exc.field, exc.field)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                login(request, user, backend=BACKEND)
                return redirect("web:home")
    return render(request, "web/register.html", {**context, "form": form}, status=status)


class ActivateForm(_NewPassword):
    id_number = forms.CharField(label="身份证号码", max_length=18, error_messages={"required": "请填写身份证号码"})
    code = forms.CharField(label="激活码", max_length=20, error_messages={"required": "请填写激活码"})
    email = forms.CharField(label="电子邮箱", max_length=254, required=False)
    password1 = _password_field("新密码")
    password2 = _password_field("再次输入新密码")


def activate(request: HttpRequest) -> HttpResponse:
    form = ActivateForm(request.POST or None)
    context = _password_context()
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            refused = _limited(request, form, "web/activate.html", context)
            if refused is not None:
                return refused
            data = form.cleaned_data
            try:
                user = activation_use(
                    id_number=data["id_number"], code=data["code"], password=data["password1"], email=_email(data)
                )
            except AccountMissed as exc:
                record_lookup(request, ReadAction.SEARCH, None)
                form.add_error("code", exc.message)
            except FieldError as exc:
                field = {"password": "password1"}.get(exc.field, exc.field)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                login(request, user, backend=BACKEND)
                messages.success(request, "账号已开通，密码已设置。今后请用身份证号码和该密码登录。")
                return redirect("web:home")
    return render(request, "web/activate.html", {**context, "form": form}, status=status)


def pending(request: HttpRequest, account: ProfessionalAccount) -> HttpResponse:
    """What a registrant sees until the unit confirms: nothing of the record, and whom to ask."""
    return render(request, "web/account/pending.html", {"account": account})


@allowed(Action.CONFIRM_ACCOUNT, Action.ISSUE_ACTIVATION)
def roster_accounts(request: HttpRequest) -> HttpResponse:
    waiting = Paginator(accounts_to_confirm(request.user), PAGE_SIZE).get_page(request.GET.get("waiting") or 1)
    people = (
        restrict(Person.objects.filter(unit__isnull=False), request.user, Action.ISSUE_ACTIVATION)
        .select_related("unit")
        .order_by(F("user").asc(nulls_first=True), "name", "pk")  # those without an account first
    )
    roster = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    context = {"waiting": waiting, "roster": roster, "today": timezone.localdate(), "email_enabled": email_enabled()}
    if email_enabled():
        context["emails"] = emails_on_file([p for p in roster.object_list if p.user_id])
        context["reset_hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
    return render(request, "web/roster_accounts.html", context)


@require_POST
@allowed(Action.CONFIRM_ACCOUNT)
def registration_decision(request: HttpRequest, pk: int) -> HttpResponse:
    account = accounts_to_confirm(request.user).filter(pk=pk).first()
    if account is None:
        raise Http404("未找到该注册申请，或不在您的确认范围内")
    choice = request.POST.get("action", "")
    if choice not in ("confirm", "refuse"):
        messages.error(request, "处理：请选择确认或不予确认")
        return redirect("web:roster-accounts")
    try:
        registration_decide(
            account=account, by=request.user, confirm=choice == "confirm", reason=request.POST.get("reason", "")
        )
    except FieldError as exc:
        label = {"reason": "理由"}.get(exc.field, "")
        messages.error(request, f"{label}：{exc.message}" if label else exc.message)
        return redirect("web:roster-accounts")
    done = "已确认，本人现在可以查看自己的学时" if choice == "confirm" else "已不予确认，该账号已停用"
    messages.success(request, f"{account.name_given}（{account.person.id_number_masked}）：{done}。")
    return redirect("web:roster-accounts")


@require_POST
@allowed(Action.ISSUE_ACTIVATION)
def activation_codes(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("person") if v.isdigit()]
    people = list(Person.objects.filter(pk__in=ids).select_related("unit").order_by("name", "pk"))
    try:
        issued = activation_codes_issue(by=request.user, people=people)
    except FieldError as exc:
        messages.error(request, f"人员：{exc.message}")
        return redirect("web:roster-accounts")
    address = _activation_address(request)
    if request.POST.get("format") == "xlsx":
        return _codes_xlsx(issued, address)
    return render(request, "web/activation_codes.html", {"issued": issued, "address": address})


def _activation_address(request: HttpRequest) -> str:
    """The full address of 开通账号 to print beside a code: the configured public address, or the one
    this request came in by; a bare "/activate/" means nothing on paper."""
    base = settings.CEHOURS_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
    return f"{base}{reverse('web:activate')}"


def _codes_xlsx(issued, address: str) -> HttpResponse:
    from openpyxl import Workbook

    from cehours.integration.tables import neutralise

    book = Workbook(write_only=True)
    sheet = book.create_sheet("激活码")
    sheet.append(["姓名", "身份证号码（脱敏）", "单位", "激活码", "有效期至", "开通网址"])
    for person, code, expires in issued:
        local = timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")
        unit = person.unit.name if person.unit else ""
        # Names and unit names are typed by people: never a formula in the file (integration/tables.py).
        sheet.append([neutralise(person.name), person.id_number_masked, neutralise(unit), code, local, address])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="activation-codes.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def unit_person(request: HttpRequest, pk: int, action: Action) -> Person:
    """A person of the user's unit for the action, or 404 (the same answer as for no such person)."""
    person = restrict(Person.objects.filter(pk=pk), request.user, action).first()
    if person is None:
        raise Http404("未找到该人员，或不是本单位人员")
    return person


@require_POST
@allowed(Action.RELEASE_PERSON)
def person_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = unit_person(request, pk, Action.RELEASE_PERSON)
    try:
        released = person_release(by=request.user, person=person, reason=request.POST.get("reason", ""))
    except FieldError as exc:
        messages.error(request, f"调出原因：{exc.message}" if exc.field == "reason" else exc.message)
        return redirect("web:roster-accounts")
    messages.success(
        request,
        f"已办理{released.name}（{released.id_number_masked}）调出，其学时记录全部保留；新单位凭身份证号码和姓名认领。",
    )
    return redirect("web:roster-accounts")


@require_POST
@allowed(Action.ISSUE_ACTIVATION)
def reset_link_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = unit_person(request, pk, Action.ISSUE_ACTIVATION)
    try:
        sent_to = reset_link_send(by=request.user, person=person, base_url=request.build_absolute_uri("/"))
    except FieldError as exc:
        messages.error(request, f"电子邮箱：{exc.message}" if exc.field == "email" else exc.message)
    else:
        messages.success(request, f"已向{person.name}的电子邮箱 {sent_to} 发送重置密码链接。")
    return redirect("web:roster-accounts")


class ResetForm(_NewPassword):
    password1 = _password_field("新密码")
    password2 = _password_field("再次输入新密码")


def reset_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The page a reset link opens: a new password, once."""
    context = {"rules": password_validators_help_texts(), "valid": reset_link_user(uidb64, token) is not None}
    if not context["valid"]:
        return render(request, "web/reset_link.html", {**context, "refused": LINK_REFUSED}, status=404)
    form = ResetForm(request.POST or None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                user = reset_link_use(uidb64=uidb64, token=token, password=form.cleaned_data["password1"])
            except FieldError as exc:
                form.add_error("password1" if exc.field == "password" else None, exc.message)
            else:
                login(request, user, backend=BACKEND)
                messages.success(request, "密码已重新设置。今后请用身份证号码或手机号码和新密码登录。")
                return redirect("web:home")
    return render(request, "web/reset_link.html", {**context, "form": form}, status=status)

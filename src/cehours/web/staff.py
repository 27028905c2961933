"""Staff accounts and grants (/staff/, issue 10), kept apart as 等保 三权分立 asks: the system
administrator creates and disables accounts, the security administrator gives and withdraws grants
(with the scope and level rules of 第十七条, checked by access.services.grant_create)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cehours.access.models import Grant, ProfessionalAccount, Role
from cehours.access.policy import Action, can
from cehours.access.services import account_create, account_set_active, grant_create, grant_withdraw
from cehours.errors import FieldError
from cehours.people.models import County, Series, Unit

from .permissions import allowed

PAGE_SIZE = 50
STAFF_ROLES = [(r.value, r.label) for r in Role if r != Role.PROFESSIONAL]


class AccountForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, error_messages={"required": "请填写用户名"})
    full_name = forms.CharField(label="姓名（显示名）", max_length=150, required=False)
    password = forms.CharField(
        label="初始密码（本人首次登录须修改）", strip=False, widget=forms.PasswordInput,
        error_messages={"required": "请填写初始密码"},
    )  # fmt: skip


class GrantForm(forms.Form):
    username = forms.CharField(label="授权给（用户名）", max_length=150, error_messages={"required": "请填写用户名"})
    role = forms.ChoiceField(label="角色", choices=STAFF_ROLES, error_messages={"invalid_choice": "请选择角色"})
    level = forms.TypedChoiceField(
        label="管理权限级别（仅审核人员）", required=False, coerce=int, empty_value=None,
        choices=[("", "—"), (1, "一级"), (2, "二级"), (3, "三级")],
    )  # fmt: skip
    county = forms.ModelChoiceField(
        label="县（市、区）范围", queryset=County.objects.all(), required=False, empty_label="全市"
    )
    series = forms.ModelChoiceField(
        label="行业（系列）范围", queryset=Series.objects.all(), required=False, empty_label="全部行业"
    )
    unit = forms.CharField(label="单位范围（统一社会信用代码）", max_length=18, required=False)

    def clean_unit(self) -> Unit | None:
        code = (self.cleaned_data.get("unit") or "").strip().upper()
        if not code:
            return None
        unit = Unit.objects.filter(credit_code=code).first()
        if unit is None:
            raise forms.ValidationError("找不到该统一社会信用代码的单位")
        return unit


def _user(username: str):
    return get_user_model().objects.filter(username=(username or "").strip()).first()


@allowed(Action.MANAGE_ACCOUNTS, Action.MANAGE_GRANTS)
def staff(request: HttpRequest, account_form=None, grant_form=None, status: int = 200) -> HttpResponse:
    accounts = (
        get_user_model()
        .objects.exclude(pk__in=ProfessionalAccount.objects.values("user_id"))
        .filter(person__isnull=True)
        .prefetch_related(Prefetch("grants", queryset=Grant.objects.select_related("county", "series", "unit")))
        .order_by("username")
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    context = {
        "page": page,
        "can_accounts": can(request.user, Action.MANAGE_ACCOUNTS),
        "can_grants": can(request.user, Action.MANAGE_GRANTS),
        "account_form": account_form or AccountForm(),
        "grant_form": grant_form or GrantForm(),
    }
    return render(request, "web/staff.html", context, status=status)


@require_POST
@allowed(Action.MANAGE_ACCOUNTS)
def staff_account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = account_create(
                username=data["username"], password=data["password"], full_name=data["full_name"], by=request.user
            )
        except FieldError as exc:
            form.add_error(exc.field if exc.field in form.fields else "password", exc.message)
        else:
            messages.success(request, f"已创建账号 {user.username}；请由安全管理员授权，本人首次登录须修改密码。")
            return redirect("web:staff")
    return staff(request, account_form=form, status=400)


@require_POST
@allowed(Action.MANAGE_ACCOUNTS)
def staff_account_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_user_model().objects.filter(pk=pk, person__isnull=True).first()
    if user is None:
        raise Http404("未找到该账号")
    active = request.POST.get("active") == "1"
    try:
        account_set_active(user=user, by=request.user, active=active, reason=request.POST.get("reason", ""))
    except FieldError as exc:
        messages.error(request, f"原因：{exc.message}" if exc.field == "reason" else exc.message)
    else:
        messages.success(request, f"账号 {user.username} 已{'启用' if active else '停用'}。")
    return redirect("web:staff")


@require_POST
@allowed(Action.MANAGE_GRANTS)
def staff_grant_create(request: HttpRequest) -> HttpResponse:
    form = GrantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        user = _user(data["username"])
        if user is None:
            form.add_error("username", "找不到该用户名的账号")
        else:
            try:
                grant = grant_create(
                    user=user, role=data["role"], level=data["level"], county=data["county"],
                    series=data["series"], unit=data["unit"], by=request.user,
                )  # fmt: skip
            except FieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已授权 {user.username}：{grant}")
                return redirect("web:staff")
    return staff(request, grant_form=form, status=400)


@require_POST
@allowed(Action.MANAGE_GRANTS)
def staff_grant_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    grant = Grant.objects.select_related("user").filter(pk=pk).first()
    if grant is None:
        raise Http404("未找到该授权")
    label, username = str(grant), grant.user.username
    try:
        grant_withdraw(grant=grant, by=request.user, reason=request.POST.get("reason", ""))
    except FieldError as exc:
        messages.error(request, f"原因：{exc.message}" if exc.field == "reason" else exc.message)
    else:
        messages.success(request, f"已撤销 {username} 的授权：{label}")
    return redirect("web:staff")

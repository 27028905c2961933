"""HR pages for connected systems: register, set rights, issue, rotate and revoke API keys (R15)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from cehours.access.policy import Action
from cehours.integration.keys import SystemSetupError, key_issue, key_revoke, system_save
from cehours.integration.models import ConnectedSystem
from cehours.people.models import Series
from cehours.rules.hours import CATEGORY_LABELS, Category

from .permissions import allowed


class SystemForm(forms.Form):
    code = forms.CharField(label="系统代码", max_length=64, error_messages={"required": "请填写系统代码"})
    name = forms.CharField(label="系统名称", max_length=128, error_messages={"required": "请填写系统名称"})
    categories = forms.MultipleChoiceField(
        label="允许登记的科目类别（不选为不限）",
        required=False,
        choices=[(c.value, CATEGORY_LABELS[c]) for c in Category],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "科目类别无效"},
    )
    industries = forms.MultipleChoiceField(
        label="允许登记的行业（不选为不限）", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        industries = cast(forms.MultipleChoiceField, self.fields["industries"])
        industries.choices = [(s.code, s.name) for s in Series.objects.all()]


def _page(request: HttpRequest, form: SystemForm, new_key: str | None = None, system=None, status=200, error: str = ""):
    systems = (
        ConnectedSystem.objects.restrict(request.user, Action.MANAGE_SYSTEMS)
        .prefetch_related("industries", "keys")
        .order_by("code")
    )
    context = {
        "systems": systems,
        "form": form,
        "new_key": new_key,
        "new_key_system": system,
        "error": error,
        "category_labels": {c.value: CATEGORY_LABELS[c] for c in Category},
    }
    return render(request, "web/systems.html", context, status=status)


@allowed(Action.MANAGE_SYSTEMS)
def systems(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, SystemForm())
    form = SystemForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        system, created = system_save(by=request.user, **form.cleaned_data)
    except SystemSetupError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, form, status=400)
    key = key_issue(system=system, by=request.user) if created else None
    return _page(request, SystemForm(), new_key=key, system=system)


def _system(request: HttpRequest, code: str) -> ConnectedSystem:
    system = ConnectedSystem.objects.restrict(request.user, Action.MANAGE_SYSTEMS).filter(code=code).first()
    if system is None:
        raise Http404("找不到该对接系统")
    return system


@require_POST
@allowed(Action.MANAGE_SYSTEMS)
def rotate(request: HttpRequest, code: str) -> HttpResponse:
    system = _system(request, code)
    key = key_issue(system=system, by=request.user, revoke_others=True)
    return _page(request, SystemForm(), new_key=key, system=system)


@require_POST
@allowed(Action.MANAGE_SYSTEMS)
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    system = _system(request, code)
    try:
        key_revoke(system=system, prefix=request.POST.get("prefix", ""), by=request.user)
    except SystemSetupError as exc:
        return _page(request, SystemForm(), status=400, error=f"密钥前缀：{exc.message}")
    return _page(request, SystemForm())

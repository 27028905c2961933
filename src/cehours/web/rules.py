"""City HR's page for the rule versions (R12d): what every version sets, what is in force, and adding one."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html

from cehours.access.policy import Action
from cehours.errors import FieldError
from cehours.ledger.rule_admin import LEVEL_LABELS, RuleVersionError, rule_version_add, rule_versions_listed
from cehours.ledger.rulesets import rules_on
from cehours.people.models import Series
from cehours.rules.ruleset import FIELD_SPECS, RULE_FIELDS, FieldKind, RuleSet, describe_value

from .forms import DATE_ERRORS
from .permissions import allowed

_DEFAULTS = RuleSet()
# The form's groups: what 第十二条 lets the province set, the city's figures, the platform's options.
GROUPS = (
    ("学时折算（第十二条；省级文件可设，从其规定）", [n for n in RULE_FIELDS if FIELD_SPECS[n].conversion]),
    (
        "年度学时要求（第十一条；仅市级）",
        [n for n in RULE_FIELDS if not FIELD_SPECS[n].conversion and not FIELD_SPECS[n].option],
    ),
    (
        "平台选项（仅市级；办法未作规定，默认不启用或取默认值）",
        [n for n in RULE_FIELDS if FIELD_SPECS[n].option and not FIELD_SPECS[n].conversion],
    ),
)
_HINTS = {
    FieldKind.HOURS: "数字，最多一位小数",
    FieldKind.QUANTUM: "大于 0 的数字，最多一位小数",
    FieldKind.COUNT: "正整数",
    FieldKind.OPTIONAL_COUNT: "正整数；填“关闭”即取消",
    FieldKind.HOURS_LIMITS: "学习形式代码=学时，多项用分号分隔，如 {}",
    FieldKind.SYSTEM_HOURS_LIMITS: "对接系统代码=学时，多项用分号分隔，如 {}",
}
# What is typed, shown as code (it is typed as it stands, not read as words).
_EXAMPLES = {
    FieldKind.HOURS_LIMITS: "offline_training=40；other=20",
    FieldKind.SYSTEM_HOURS_LIMITS: "city-hospital=120",
}


def _help(name: str) -> str:
    spec = FIELD_SPECS[name]
    hint = _HINTS[spec.kind]
    if spec.kind in _EXAMPLES:
        hint = format_html(hint, format_html("<code>{}</code>", _EXAMPLES[spec.kind]))
    return format_html("{}。默认：{}", hint, describe_value(name, getattr(_DEFAULTS, name)))


class RuleVersionForm(forms.Form):
    code = forms.CharField(label="文号", max_length=64, error_messages={"required": "请填写文号"})
    issuing_level = forms.ChoiceField(
        label="发文层级",
        choices=[(level.value, label) for level, label in LEVEL_LABELS.items()],
        error_messages={"required": "请选择发文层级", "invalid_choice": "发文层级应为市级或省级"},
    )
    effective_from = forms.DateField(label="生效日期", error_messages=DATE_ERRORS)
    series = forms.ChoiceField(
        label="适用行业（系列）", required=False, error_messages={"invalid_choice": "请选择已有的行业（系列）"}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["series"]).choices = [("", "全部系列")] + [
            (s.code, s.name) for s in Series.objects.order_by("code")
        ]
        for name in RULE_FIELDS:
            spec = FIELD_SPECS[name]
            label = f"{spec.label}（{spec.unit}）" if spec.unit else spec.label
            self.fields[name] = forms.CharField(label=label, required=False, max_length=500, help_text=_help(name))


@allowed(Action.EDIT_RULES)
def rules(request: HttpRequest) -> HttpResponse:
    form = RuleVersionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            series = Series.objects.filter(code=data["series"]).first() if data["series"] else None
            try:
                row = rule_version_add(
                    by=request.user,
                    code=data["code"],
                    issuing_level=data["issuing_level"],
                    effective_from=data["effective_from"],
                    series=series,
                    values={name: data[name] for name in RULE_FIELDS if data[name].strip()},
                )
                messages.success(
                    request, f"已录入 {row.code}，自 {row.effective_from} 起适用。已登记的学时不会重新折算。"
                )
                return redirect("web:rules")
            except RuleVersionError as exc:
                for field, message in exc.problems:
                    form.add_error(field if field in form.fields else None, message)
            except FieldError as exc:  # refused by the access policy
                form.add_error(None, exc.message)
        status = 400
    in_force = rules_on(timezone.localdate())
    context = {
        "form": form,
        "groups": [(title, [form[name] for name in names]) for title, names in GROUPS],
        "versions": rule_versions_listed(),
        "in_force": [(FIELD_SPECS[n].label, describe_value(n, getattr(in_force, n))) for n in RULE_FIELDS],
        "today": timezone.localdate(),
    }
    return render(request, "web/rules.html", context, status=status)

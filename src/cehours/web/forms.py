"""Page forms: every field has a Chinese label and messages that name it."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.utils import timezone

from cehours.ledger.selectors import FIGURE_CATEGORIES
from cehours.people.models import TitleLevelChoice
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number
from cehours.rules.titles import since_year_problem

MIN_YEAR, MAX_YEAR, MAX_SPAN = 1990, 2100, 30
ID_SHAPE = re.compile(r"^[0-9]{17}[0-9Xx]$")
DATE_ERRORS = {"required": "请填写日期", "invalid": "日期格式应为“年-月-日”，如 2025-03-01"}


def refused(request, exc, labels: dict[str, str]) -> None:
    """Tell the user why a service refused a posted action, naming the field when there is one."""
    label = labels.get(exc.field, "")
    messages.error(request, f"{label}：{exc.message}" if label else exc.message)


def year_field(label: str, required: bool) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "required": f"请填写{label}",
            "invalid": f"{label}应为四位数年份",
            "min_value": f"{label}不能早于 {MIN_YEAR} 年",
            "max_value": f"{label}不能晚于 {MAX_YEAR} 年",
        },
    )


class YearRangeForm(forms.Form):
    start = year_field("起始年度", required=False)
    end = year_field("截止年度", required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        end = data.get("end") or timezone.localdate().year
        start = data.get("start") or max(MIN_YEAR, end - 4)
        if start > end:
            self.add_error("start", "起始年度不能晚于截止年度")
        elif end - start >= MAX_SPAN:
            self.add_error("start", f"一次最多查看 {MAX_SPAN} 个年度")
        data["start"], data["end"] = start, end
        return data


class EligibilityForm(forms.Form):
    """R13: every figure may be left empty for its default (the title table, the title date, this year);
    changing a default needs the reason, which the verdict shows."""

    application_year = year_field("申报年度", required=False)
    level = forms.ChoiceField(
        label="申报等级",
        required=False,
        choices=[("", "默认（现职称的上一级）")] + list(TitleLevelChoice.choices),
        error_messages={"invalid_choice": "申报等级应为初级、中级、副高级或正高级"},
    )
    required_years = forms.IntegerField(
        label="规定年限",
        required=False,
        min_value=0,
        max_value=20,
        error_messages={
            "invalid": "规定年限应为整数",
            "min_value": "规定年限不能为负数",
            "max_value": "规定年限不能超过 20 年",
        },
    )
    since_year = year_field("取得现职称年份", required=False)
    override_reason = forms.CharField(
        label="调整理由",
        required=False,
        max_length=200,
        error_messages={"max_length": "调整理由不能超过 200 个字符"},
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if "application_year" in data and not data["application_year"]:
            data["application_year"] = timezone.localdate().year
        app = data.get("application_year")
        if app and (problem := since_year_problem(app, data.get("since_year"))):
            self.add_error("since_year", problem)
        return data


class SearchForm(forms.Form):
    q = forms.CharField(
        label="姓名或身份证号码",
        max_length=64,
        required=False,
        error_messages={"max_length": "姓名或身份证号码不能超过 64 个字符"},
    )
    unit = forms.CharField(
        label="工作单位", max_length=128, required=False, error_messages={"max_length": "工作单位不能超过 128 个字符"}
    )
    page = forms.IntegerField(
        label="页码",
        required=False,
        min_value=1,
        error_messages={"invalid": "页码应为整数", "min_value": "页码从 1 开始"},
    )

    def clean_q(self) -> str:
        """Something shaped like an ID number is checked as one: a mistyped digit is named, not searched as a name."""
        query = self.cleaned_data["q"].strip()
        if ID_SHAPE.match(query):
            try:
                normalize_id_number(query)
            except InvalidIdentifier as exc:
                raise forms.ValidationError(str(exc)) from exc
        return query


class EntriesForm(forms.Form):
    year = year_field("年度", required=False)
    figure = forms.ChoiceField(
        label="科目",
        required=False,
        choices=[("", "全部")] + [(k, k) for k in FIGURE_CATEGORIES],
        error_messages={"invalid_choice": "科目取值无效"},
    )

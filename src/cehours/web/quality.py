"""对接数据质量 (issue 13): per connected system the last record received, records per day by
outcome, rejected records by reason and held records waiting — for the HR bureau that manages the
system and the industry authority of the series it registers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cehours.access.policy import Action, can
from cehours.errors import ERROR_CODE_LABELS
from cehours.integration.quality import system_quality, systems_watched
from cehours.integration.records import FIELD_LABELS
from cehours.ledger.models import HoldReason

from .charts import bar_chart

PAGE_SIZE = 10
HOLD_LABELS = dict(HoldReason.choices)


def _reason(field: str, code: str) -> str:
    """"完成日期：超出允许范围": the field (where the code names one) and what was wrong with it."""
    what = ERROR_CODE_LABELS.get(code, "其他原因")  # a StrEnum key matches its plain string
    label = FIELD_LABELS.get(field, "")
    return f"{label}：{what}" if label else what


def quality(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated or not (
        can(request.user, Action.MANAGE_SYSTEMS) or can(request.user, Action.EDIT_CATALOGUE)
    ):
        raise PermissionDenied("只有人力社保部门管理员和行业主管部门可以查看对接数据质量")
    today = timezone.localdate()
    page = Paginator(systems_watched(request.user).order_by("code"), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    cards = []
    for system in page.object_list:
        q = system_quality(system, today=today)
        daily = [(f"{day:%m-%d}", sum(counts.values())) for day, counts in q.days]
        cards.append(
            {
                "quality": q,
                "reasons": [(_reason(field, code), n) for field, code, n in q.reasons],
                "held": [(HOLD_LABELS.get(code, "其他原因"), n) for code, n in q.held_pending],
                "chart": bar_chart(
                    f"{system.name}近14天每日收到记录数", daily, maximum=max([1, *(n for _, n in daily)])
                ),
            }
        )
    return render(request, "web/quality.html", {"page": page, "cards": cards})

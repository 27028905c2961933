"""The audit trail page (R21): superiors read who did what, when and from where."""

from __future__ import annotations

import operator
from datetime import datetime, time
from functools import reduce
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cehours.audit.selectors import audit_events_visible_to

from .audit_labels import audit_area_prefixes
from .forms import DATE_ERRORS


def _area_choices() -> list[tuple[str, str]]:
    return [("", "全部"), *((label, label) for label in audit_area_prefixes())]


class AuditFilter(forms.Form):
    actor = forms.CharField(label="操作人", max_length=150, required=False)
    area = forms.ChoiceField(
        label="类别", required=False, choices=_area_choices, error_messages={"invalid_choice": "请从列表中选择类别"}
    )
    # The code of one kind of action (auth.logged_in): kept for links and scripts, not shown in the form.
    action = forms.CharField(label="操作代码", max_length=64, required=False)
    start = forms.DateField(label="日期自", required=False, error_messages=DATE_ERRORS)
    end = forms.DateField(label="日期至", required=False, error_messages=DATE_ERRORS)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "截止日期不能早于起始日期")
        return data


PAGE_SIZE = 100


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET or None)
    events = audit_events_visible_to(request.user).select_related("actor").order_by("-seq")
    status = 200
    if form.is_bound and not form.is_valid():
        events, status = events.none(), 400
    elif form.is_bound:
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        if data["actor"]:  # a login name's start, or part of the name the page shows for the actor
            named = (
                Q(actor_label__startswith=data["actor"])
                | Q(actor__first_name__contains=data["actor"])  # a staff member's display name
                | Q(actor__person__name__contains=data["actor"])  # a professional's own name
            )
            events = events.filter(named)
        if data["area"]:
            prefixes = audit_area_prefixes()[data["area"]]
            events = events.filter(reduce(operator.or_, (Q(action__startswith=f"{p}.") for p in prefixes)))
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["start"]:
            events = events.filter(at__gte=datetime.combine(data["start"], time.min, tz))
        if data["end"]:
            events = events.filter(at__lte=datetime.combine(data["end"], time.max, tz))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    filters = {k: request.GET[k] for k in ("actor", "area", "action", "start", "end") if request.GET.get(k)}
    context = {"form": form, "events": list(page.object_list), "page": page, "query": urlencode(filters)}
    return render(request, "web/audit.html", context, status=status)

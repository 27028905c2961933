"""The audit trail page (R21): superiors read who did what, when and from where."""

from __future__ import annotations

from datetime import datetime, time
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cehours.audit.selectors import audit_events_visible_to

from .forms import DATE_ERRORS


class AuditFilter(forms.Form):
    actor = forms.CharField(label="操作人", max_length=150, required=False)
    action = forms.CharField(label="操作", max_length=64, required=False)
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
        if data["actor"]:
            events = events.filter(actor_label__startswith=data["actor"])
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["start"]:
            events = events.filter(at__gte=datetime.combine(data["start"], time.min, tz))
        if data["end"]:
            events = events.filter(at__lte=datetime.combine(data["end"], time.max, tz))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    filters = {k: request.GET[k] for k in ("actor", "action", "start", "end") if request.GET.get(k)}
    context = {"form": form, "events": list(page.object_list), "page": page, "query": urlencode(filters)}
    return render(request, "web/audit.html", context, status=status)

"""学时提醒 for unit staff: who of the unit was reminded this year (the scheduled runs and their own),
and a button to remind the unit's people who are behind now."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cehours.access.names import display_name
from cehours.access.policy import Action, claim_units, restrict
from cehours.people.models import Person
from cehours.reminders.models import Reminder
from cehours.reminders.services import remind_behind

from .permissions import allowed

PAGE_SIZE = 50


def _unit_people(request: HttpRequest):
    return restrict(Person.objects.filter(unit__in=claim_units(request.user)), request.user, Action.EDIT_ROSTER)


@allowed(Action.EDIT_ROSTER)
def reminders(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    people = _unit_people(request)
    if request.method == "POST":
        report = remind_behind(by=request.user, people=people, year=today.year, today=today)
        text = f"本单位{today.year}年学时未达标 {report.behind} 人，已提醒 {report.sent} 人"
        if report.already:
            text += f"（另有 {report.already} 人今天已提醒过）"
        if report.unreachable:
            names = "、".join(report.unreachable[:20])
            text += f"；{len(report.unreachable)} 人尚未开通账号，无法提醒，请当面告知：{names}"
        messages.success(request, text)
        return redirect("web:roster-reminders")
    sent = (
        Reminder.objects.filter(person__in=people.values("pk"), year=today.year)
        .select_related("person", "sent_by")
        .order_by("-sent_at", "-pk")
    )
    page = Paginator(sent, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    rows = [(r, display_name(r.sent_by) if r.sent_by else "平台定期提醒") for r in page.object_list]
    return render(request, "web/reminders.html", {"page": page, "rows": rows, "year": today.year})

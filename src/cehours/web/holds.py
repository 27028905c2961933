"""The queue of held records (暂缓登记, /review/held/) and the decision on each.

Records from connected systems and provincial files that looked implausible wait here for a
level-1 reviewer of the person's scope (a 高研班 attendee outside the project's series for the
project's approving authority): approve registers exactly what was sent, reject tells the sender why.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cehours.access.policy import Action
from cehours.errors import FieldError
from cehours.integration.models import ConnectedSystem
from cehours.ledger.holds import held_decide
from cehours.ledger.models import HeldRecord, LedgerEntry
from cehours.ledger.selectors import held_queue

from .forms import refused
from .permissions import allowed

PAGE_SIZE = 50


@allowed(Action.DECIDE, Action.CHECK_ATTENDEES)
def held_records(request: HttpRequest) -> HttpResponse:
    page = Paginator(held_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    rows = list(page.object_list)
    systems = dict(
        ConnectedSystem.objects.filter(code__in={h.source_system for h in rows}).values_list("code", "name")
    )
    similar = {
        e.pk: e for e in LedgerEntry.objects.filter(pk__in=[h.similar_to_id for h in rows if h.similar_to_id])
    }
    items = [
        {
            "held": h,
            "system": systems.get(h.source_system, "") or h.get_source_display(),
            "similar": similar.get(h.similar_to_id) if h.similar_to_id else None,
        }
        for h in rows
    ]
    return render(request, "web/held_records.html", {"page": page, "items": items})


@require_POST
@allowed(Action.DECIDE, Action.CHECK_ATTENDEES)
def held_record_decide(request: HttpRequest, pk: int) -> HttpResponse:
    held = held_queue(request.user).filter(pk=pk).first()
    if held is None:
        if HeldRecord.objects.restrict(request.user, Action.DECIDE).filter(pk=pk).exists():
            messages.error(request, "该记录已审核")
            return redirect("web:held-records")
        raise Http404("未找到该记录，或不在您的审核范围内")
    choice = request.POST.get("action", "")
    if choice not in ("approve", "reject"):
        messages.error(request, "审核操作：请选择确认登记或不予登记")
        return redirect("web:held-records")
    try:
        decided = held_decide(
            held=held, by=request.user, approve=choice == "approve", reason=request.POST.get("reason", "")
        )
    except FieldError as exc:
        refused(request, exc, {"reason": "理由", "hours": "学时", "start_on": "开始日期", "end_on": "结束日期"})
        return redirect("web:held-records")
    messages.success(request, f"{decided.person.name}“{decided.title}”：{decided.get_status_display()}")
    return redirect("web:held-records")

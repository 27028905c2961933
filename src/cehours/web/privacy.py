"""The access-log page (/privacy/reads/): who read whose personal data, and who read unusually many."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cehours.access.policy import Action
from cehours.privacy.selectors import caller_label, heavy_readers, read_events

from .permissions import allowed

PAGE_SIZE = 100
FLAG_DAYS = 30  # how far back the table of heavy readers looks


@allowed(Action.READ_ACCESS_LOG)
def reads(request: HttpRequest) -> HttpResponse:
    page = Paginator(read_events(), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    rows = [(event, caller_label(event)) for event in page.object_list]
    threshold = settings.READS_FLAG_PEOPLE_PER_HOUR
    flagged = heavy_readers(threshold=threshold, since=timezone.now() - timedelta(days=FLAG_DAYS))
    context = {"page": page, "rows": rows, "flagged": flagged, "threshold": threshold, "flag_days": FLAG_DAYS}
    return render(request, "web/privacy_reads.html", context)

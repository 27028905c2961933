"""Writes each request's reads of personal data to the access log, in one INSERT per request.

Views and endpoints note their reads with services.record_read(); this middleware keeps the list on
the request and writes it once the answer is ready, also when the answer is an error (a lookup that
missed is what the throttle counts). If the write fails the answer is not sent: a read that cannot
be recorded is not served (the exception becomes the usual 500 / 503).

Three reads happen in views that do not call record_read themselves (yet): the evidence file, the
exchange export and the overview CSV. For those the middleware recognises the route and records the
read from the answer (FILE_ROUTES), unless the view recorded it.
"""

from __future__ import annotations

import csv
import io
import zipfile

from .models import ReadAction
from .services import PENDING, flush_reads, record_read
from .wal import keep_open


def _csv_rows(content: bytes) -> int:
    """Data rows of a CSV answer (header excluded), quoted line breaks included correctly."""
    text = content.decode("utf-8-sig", errors="replace")
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)


def _xlsx_rows(content: bytes) -> int | None:
    """Data rows of a one-sheet XLSX answer, counted from the sheet's XML without parsing cells."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
            return max(0, sum(archive.read(n).count(b"<row") for n in sheets) - len(sheets))
    except zipfile.BadZipFile:
        return None


def _rows(response) -> int | None:
    if response.streaming:
        return None
    kind = response.get("Content-Type", "")
    if kind.startswith("text/csv"):
        return _csv_rows(response.content)
    if "spreadsheetml" in kind:
        return _xlsx_rows(response.content)
    return None


def _evidence_person_id(pk) -> int | None:
    from cehours.declarations.models import Evidence

    return Evidence.objects.filter(pk=pk).values_list("declaration__person_id", flat=True).first()


# Routes of views that read personal data without calling record_read: url name → what they read.
FILE_ROUTES = {
    "evidence": ReadAction.EVIDENCE,
    "exchange-export": ReadAction.EXPORT,
    "overview": ReadAction.OVERVIEW_CSV,
}


class ReadLogMiddleware:
    """Innermost (after RequestContextMiddleware), so the reads carry the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        keep_open()
        setattr(request, PENDING, [])
        try:
            response = self.get_response(request)
            self._file_reads(request, response)
        finally:
            flush_reads(request)
        return response

    def _file_reads(self, request, response) -> None:
        match = getattr(request, "resolver_match", None)
        if match is None or response.status_code != 200:
            return
        action = FILE_ROUTES.get(match.url_name or "")
        if action is None:
            return
        if any(event.action == action for event in getattr(request, PENDING, [])):
            return  # the view recorded it itself
        if action == ReadAction.EVIDENCE:
            record_read(request, action, person_id=_evidence_person_id(match.kwargs.get("pk")))
            return
        rows = _rows(response)
        if action == ReadAction.OVERVIEW_CSV and rows is None:
            return  # the overview page itself (HTML): a paginated list of masked numbers, not a file
        record_read(request, action, count=rows)

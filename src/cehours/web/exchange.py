"""HR pages for exchange files: export registered hours; import hours and rosters with a dry run first."""

from __future__ import annotations

import io
from typing import cast

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from cehours.access.policy import Action
from cehours.audit.context import current as current_request
from cehours.audit.context import request_context
from cehours.declarations.kept_uploads import IMPORT, upload_keep, upload_take
from cehours.integration.exchange import (
    HOURS_COLUMNS,
    HOURS_REQUIRED,
    ImportReport,
    export_audit,
    export_hours,
    import_hours,
    import_people,
    import_units,
)
from cehours.integration.tables import TableError, read_table, write_csv, write_xlsx
from cehours.people.models import County, Series

from .forms import year_field
from .permissions import allowed


class ExportForm(forms.Form):
    year = year_field("年度", required=True)
    county = forms.ChoiceField(
        label="县（市、区）", required=False, error_messages={"invalid_choice": "县（市、区）无效"}
    )
    industry = forms.ChoiceField(label="行业（系列）", required=False, error_messages={"invalid_choice": "行业无效"})
    format = forms.ChoiceField(
        label="格式",
        choices=[("xlsx", "Excel (xlsx)"), ("csv", "CSV")],
        error_messages={"invalid_choice": "格式应为 xlsx 或 csv"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["county"]).choices = [("", "全部")] + [
            (c.code, c.name) for c in County.objects.all()
        ]
        cast(forms.ChoiceField, self.fields["industry"]).choices = [("", "全部")] + [
            (s.code, s.name) for s in Series.objects.all()
        ]


IMPORT_KINDS = {
    "hours": ("省平台学时", HOURS_REQUIRED, import_hours),
    "units": ("单位名册", ["credit_code", "name", "county_code"], import_units),
    "people": ("人员名册", ["id_number", "name"], import_people),
}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="文件类型",
        choices=[(k, v[0]) for k, v in IMPORT_KINDS.items()],
        error_messages={"required": "请选择文件类型", "invalid_choice": "文件类型无效"},
    )
    file = forms.FileField(
        label="文件（.xlsx 或 .csv）",
        required=False,  # after a dry run the file kept on the server is imported (issue 12)
        error_messages={"empty": "文件为空"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload is None:
            return None
        if upload.size > settings.CEHOURS_MAX_UPLOAD_BYTES:  # the body cap (web/uploads.py) lets the form through
            raise forms.ValidationError(f"文件不能超过 {settings.CEHOURS_MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError("只支持 .xlsx 与 .csv 文件")
        return upload


def _page(
    request, export_form, import_form, report=None, status=200, label="", progress_marker="", kept="", kept_name=""
):
    context = {
        "kept": kept,
        "kept_name": kept_name,
        "export_form": export_form,
        "import_form": import_form,
        "report": report,
        "report_label": label,
        "progress_marker": progress_marker,
        "columns": HOURS_COLUMNS,
    }
    return render(request, "web/exchange.html", context, status=status)


@allowed(Action.IMPORT_DATA, Action.EXPORT_DATA)
def exchange(request: HttpRequest) -> HttpResponse:
    initial = {"year": timezone.localdate().year - 1, "format": "xlsx"}
    return _page(request, ExportForm(initial=initial), ImportForm())


@allowed(Action.EXPORT_DATA)
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, form, ImportForm(), status=400)
    data = form.cleaned_data
    rows = export_hours(
        user=request.user, year=data["year"], county=data["county"] or None, series=data["industry"] or None
    )
    name = f"cehours-hours-{data['year']}.{data['format']}"
    if data["format"] == "csv":
        buffer = io.StringIO()
        count = write_csv(HOURS_COLUMNS, rows, buffer)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        binary = io.BytesIO()
        count = write_xlsx(HOURS_COLUMNS, rows, binary)
        response = HttpResponse(
            binary.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    export_audit(
        user=request.user,
        year=data["year"],
        county=data["county"] or None,
        series=data["industry"] or None,
        fmt=data["format"],
        rows=count,
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Files longer than this are imported in chunks with the progress streamed to the page as it goes.
STREAM_ROWS = 2000


@allowed(Action.IMPORT_DATA)
def import_file(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    export_form = ExportForm(initial={"year": timezone.localdate().year - 1, "format": "xlsx"})
    if request.method != "POST":
        return _page(request, export_form, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, export_form, form, status=400)
    kind = form.cleaned_data["kind"]
    label, required, importer = IMPORT_KINDS[kind]
    dry_run = request.POST.get("action") != "import"
    upload = form.cleaned_data["file"]
    if upload is not None:
        name, content = upload.name or "", upload.read()
    else:  # the file the dry run checked, kept on the server for this user
        kept = upload_take(request.user, request.POST.get("kept", ""), IMPORT)
        if kept is None:
            form.add_error("file", "请选择要导入的文件")
            return _page(request, export_form, form, status=400)
        name, content = kept
    try:
        rows = list(read_table(name, content, required))
    except TableError as exc:
        form.add_error("file", str(exc))
        return _page(request, export_form, form, status=400)
    next_form = ImportForm(initial={"kind": kind})
    keep = {}
    if dry_run:  # import next what was just checked, without choosing the file again
        keep = {"kept": upload_keep(user=request.user, name=name, content=content, purpose=IMPORT), "kept_name": name}
    if len(rows) > STREAM_ROWS:
        return _streamed_import(request, export_form, next_form, label, importer, rows, dry_run, keep)
    report = importer(rows=iter(rows), user=request.user, dry_run=dry_run)
    return _page(request, export_form, next_form, report=report, label=label, **keep)


def _streamed_import(
    request, export_form, next_form, label, importer, rows, dry_run, keep: dict
) -> StreamingHttpResponse:
    """The page up to the report, then a line per chunk as it is imported, then the report.

    Each chunk is imported (and committed) on its own; imports are idempotent, so an interrupted
    import is completed by importing the same file again.
    """
    marker = "<!--progress-->"
    page = _page(request, export_form, next_form, label=label, progress_marker=marker, **keep).content.decode()
    head, tail = page.split(marker, 1)

    context = current_request()  # the generator runs after the view returns, outside the middleware

    def chunks():
        with request_context(context):
            yield from _chunks()

    def _chunks():
        yield head
        done: list = []
        for start in range(0, len(rows), STREAM_ROWS):
            part = importer(rows=iter(rows[start : start + STREAM_ROWS]), user=request.user, dry_run=dry_run)
            done.extend(part.rows)
            yield f'<p class="progress">已处理 {len(done)} / {len(rows)} 行</p>\n'
        report = ImportReport(done, dry_run)
        yield render_to_string("web/_import_report.html", {"report": report, "report_label": label}, request=request)
        yield tail

    response = StreamingHttpResponse(chunks(), content_type="text/html; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # a proxy must pass the progress lines on as they come
    return response

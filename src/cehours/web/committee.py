"""评审名单 (R13, R18): an evaluation committee uploads the applicant list of a session (XLSX or CSV,
from the template) and gets every applicant's verdict with the reasons and per-year figures, as a
page or as an XLSX; the same judgement as POST /api/v1/eligibility/batch."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cehours.access.policy import Action, grants_for
from cehours.integration.tables import TableError, read_table, write_xlsx
from cehours.jobs.models import JobKind
from cehours.jobs.services import job_request
from cehours.ledger.applicant_lists import COLUMNS, ID_COLUMN, applicants_of, listed_applicants_judged
from cehours.ledger.applicants import (
    MAX_APPLICANTS,
    ROW_STATUS_LABELS,
    ApplicantVerdict,
    RowStatus,
    record_verdict_reads,
)
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, refuse_if_over_limit
from cehours.rules.eligibility import VERDICT_LABELS
from cehours.rules.identifiers import mask_id_number

from .certificates import _quoted, verify_base

MAX_LIST_BYTES = 5 * 1024 * 1024  # a thousand rows of eight short columns is some 100 KB
# The field names applicants_judged reports, as the template's columns name them.
FIELD_COLUMNS = {
    "id_number": "身份证号码",
    "name": "姓名",
    "series": "职称系列",
    "level": "申报等级",
    "application_year": "申报年度",
    "required_years": "规定年限",
    "since_year": "取得现职称年份",
    "override_reason": "调整理由",
}
RESULT_COLUMNS = [
    *("行号", "身份证号码", "姓名", "单位", "职称系列", "申报年度", "状态", "结论", "理由与说明", "各年度学时"),
]
# The printed list: the page's columns, the ID number always masked (paper is left on desks).
PDF_COLUMNS = ["行号", "姓名", "身份证号码", "单位", "申报年度", "结论", "理由与说明", "各年度学时"]
PDF_WIDTHS = [8, 14, 26, 30, 11, 16, 62, 62]


class ListForm(forms.Form):
    file = forms.FileField(
        label="申报人员名单",
        error_messages={"required": "请选择名单文件（.xlsx 或 .csv）", "empty": "名单文件为空"},
    )


@dataclass(frozen=True)
class ResultRow:
    line: int
    id_number: str
    name: str
    unit: str
    series: str
    application_year: int
    status: str
    status_label: str
    verdict: str
    verdict_label: str
    messages: tuple[str, ...]  # reasons, row errors (naming the column) and notes
    years: tuple[str, ...]  # "2024年 合格（95.0 学时）"
    masked: str

    def cells(self) -> list:
        return [
            self.line,
            self.id_number,
            self.name,
            self.unit,
            self.series,
            self.application_year,
            self.status_label,
            self.verdict_label,
            "；".join(self.messages),
            "；".join(self.years),
        ]

    def printed(self) -> list[str]:
        return [
            str(self.line),
            self.name or "—",
            self.masked or "—",
            self.unit or "—",
            str(self.application_year),
            self.verdict_label or self.status_label,
            "；".join(self.messages) or "—",
            "；".join(self.years) or "—",
        ]


def _masked(typed: str) -> str:
    return mask_id_number(typed) if len(typed) >= 10 else typed


def _result_row(line: int, row: ApplicantVerdict, user) -> ResultRow:
    person, result = row.person, row.result
    messages = [f"{FIELD_COLUMNS.get(e.field, e.field)}：{e.message}" for e in row.errors]
    messages += list(result.reasons if result else ()) + list(row.notes)
    years = tuple(f"{y.year}年 {y.status_label}（{y.totals.total} 学时）" for y in (result.years if result else ()))
    return ResultRow(
        line=line,
        # A number not found is the committee's own, but a page is read over shoulders: masked.
        id_number=person.id_number_for(user) if person else _masked(row.applicant.id_number),
        name=person.name if person else row.applicant.name,
        unit=person.unit.name if person and person.unit else "",
        series=person.series.name if person and person.series else row.applicant.series,
        application_year=row.application_year,
        status=row.status.value,
        status_label=ROW_STATUS_LABELS[row.status],
        verdict=result.verdict if result else "",
        verdict_label=result.verdict_label if result else "",
        messages=tuple(messages),
        years=years,
        masked=person.id_number_masked if person else _masked(row.applicant.id_number),
    )


def template_xlsx(request: HttpRequest) -> HttpResponse:
    _require_evaluating(request)
    stream = io.BytesIO()
    example = ["331102199001011234", "张三", "卫生", "中级", str(timezone.localdate().year), "", "", ""]
    write_xlsx(list(COLUMNS), [example], stream)
    return _xlsx_response(stream.getvalue(), "评审申报人员名单模板.xlsx")


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(filename)}"
    return response


def _require_evaluating(request: HttpRequest) -> None:
    """Staff whose grant lets them judge eligibility (evaluators, reviewers, HR): not a person's own
    right to see their own verdict, which is all `can(EVALUATE)` means for a professional."""
    if not request.user.is_authenticated or not grants_for(request.user, Action.EVALUATE):
        raise PermissionDenied("只有评审委员会或工作人员可以上传评审名单")


def committee(request: HttpRequest) -> HttpResponse:
    _require_evaluating(request)
    form = ListForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "max_rows": MAX_APPLICANTS, "columns": COLUMNS}
    if request.method != "POST":
        return render(request, "web/committee.html", context)
    if not form.is_valid():
        return render(request, "web/committee.html", context, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_LIST_BYTES:
        form.add_error("file", f"名单文件不能超过 {MAX_LIST_BYTES // (1024 * 1024)} MB")
        return render(request, "web/committee.html", context, status=400)
    try:
        listed = applicants_of(read_table(upload.name, upload.read(), [ID_COLUMN]))
    except TableError as exc:
        form.add_error("file", str(exc))
        return render(request, "web/committee.html", context, status=400)
    if not listed:
        form.add_error("file", "名单中没有申报人员")
        return render(request, "web/committee.html", context, status=400)
    if len(listed) > MAX_APPLICANTS:
        form.add_error("file", f"一份名单最多 {MAX_APPLICANTS} 人，本名单 {len(listed)} 人：请分成几份上传")
        return render(request, "web/committee.html", context, status=400)
    try:
        allowed = refuse_if_over_limit(request, ReadAction.COMMITTEE_LIST)
    except LookupLimited as exc:
        form.add_error("file", exc.message)
        return render(request, "web/committee.html", context, status=429)
    verdicts = listed_applicants_judged(request.user, listed, today=timezone.localdate(), misses_allowed=allowed)
    record_verdict_reads(request, ReadAction.COMMITTEE_LIST, verdicts)
    rows = [_result_row(item.line, verdict, request.user) for item, verdict in zip(listed, verdicts, strict=True)]
    chosen = request.POST.get("format")
    if chosen == "pdf":
        return _pdf_job(request, upload.name, rows)
    if chosen == "certificates":
        wanted = _certified_years(listed, verdicts)
        if not wanted:
            form.add_error("file", "名单中没有找到可出具学时证明的人员")
            return render(request, "web/committee.html", context, status=400)
        job = job_request(
            request.user,
            kind=JobKind.COMMITTEE_CERTIFICATES,
            params={"file": upload.name, "people": len(wanted), "verify_base": verify_base(request)},
            title="评审名单学时证明",
            payload=wanted,
        )
        return redirect("web:job", pk=job.pk)
    if chosen == "xlsx":
        stream = io.BytesIO()
        write_xlsx(RESULT_COLUMNS, (row.cells() for row in rows), stream)
        return _xlsx_response(stream.getvalue(), f"评审名单判断结果-{timezone.localdate():%Y%m%d}.xlsx")
    counts = _counts(rows)
    context.update({"rows": rows, "counts": counts, "total": len(rows), "filename": upload.name})
    return render(request, "web/committee.html", context)


def _counts(rows: list[ResultRow]) -> list[tuple[str, int]]:
    counts = [(label, sum(1 for r in rows if r.verdict == verdict)) for verdict, label in VERDICT_LABELS.items()]
    counts += [
        (ROW_STATUS_LABELS[s], sum(1 for r in rows if r.status == s.value)) for s in RowStatus if s != RowStatus.FOUND
    ]
    return counts


def _pdf_job(request: HttpRequest, filename: str, rows: list[ResultRow]) -> HttpResponse:
    """The judged list as a PDF, written by the worker: fpdf2 lays out a thousand rows in about 20 s."""
    summary = "，".join(f"{label} {n} 人" for label, n in _counts(rows) if n)
    lines = [f"名单文件：{filename}，共 {len(rows)} 人（{summary}）", "身份证号码已作脱敏处理。"]
    job = job_request(
        request.user,
        kind=JobKind.COMMITTEE_PDF,
        params={"file": filename, "rows": len(rows), "lines": lines, "headings": PDF_COLUMNS, "widths": PDF_WIDTHS},
        title="评审名单判断结果",
        payload=[row.printed() for row in rows],
    )
    return redirect("web:job", pk=job.pk)


def _certified_years(listed, verdicts: list[ApplicantVerdict]) -> list[list[int]]:
    """[row, person, first year, last year] for every applicant found: the years the verdict looked
    at, up to this one (a certificate cannot speak of a year not begun)."""
    this_year = timezone.localdate().year
    wanted = []
    for item, verdict in zip(listed, verdicts, strict=True):
        if verdict.person is None or verdict.result is None or not verdict.result.years:
            continue
        years = [y.year for y in verdict.result.years if y.year <= this_year]
        if years:
            wanted.append([item.line, verdict.person.pk, min(years), max(years)])
    return wanted

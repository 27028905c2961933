"""What each kind of job writes: a function of the job (its requester and parameters), the open file
and a progress callback. The requester's scope is applied when the job runs, not when it was asked."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from django.conf import settings
from django.utils import timezone

from cehours.access.policy import PolicyDenied
from cehours.errors import FieldError
from cehours.integration.tables import write_csv
from cehours.ledger.selectors import compliance_overview
from cehours.people.models import Person
from cehours.reports.pdf import FontMissing, table_pdf
from cehours.reports.services import issue_certificate
from cehours.reports.signing import SigningUnavailable
from cehours.rules.hours import format_hours

from .models import Job, JobKind


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


class JobError(Exception):
    """A job that cannot be done for a reason its requester should read (no font, no signing key)."""


PROGRESS_EVERY = 2000  # rows between two progress updates (one UPDATE each)

# Headers as the overview page names them: opened in Excel or WPS (UTF-8 with BOM).
OVERVIEW_CSV_COLUMNS = [
    "姓名",
    "身份证号码（脱敏）",
    "工作单位",
    "职称系列",
    "一般公需科目",
    "行业公需科目",
    "公需科目合计",
    "专业科目",
    "总学时",
    "是否合格",
]


def overview_rows(people, *, in_progress: bool, progress: Progress | None = None) -> Iterator[list]:
    """The overview's rows for a file: tuples straight from the query (200,000 people at city scale)."""
    short = "进行中" if in_progress else "不合格"
    columns = ("name", "id_number_masked", "unit__name", "series__name", "gp", "ip", "public", "pro", "total")
    rows = people.values_list(*columns, "qualified").iterator(chunk_size=PROGRESS_EVERY)
    for count, (name, masked, unit, series, *hours, qualified) in enumerate(rows, start=1):
        verdict = "合格" if qualified else short
        yield [name, masked, unit or "", series or "", *(format_hours(v) for v in hours), verdict]
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)


def overview_csv(job: Job, out: io.TextIOBase, progress: Progress) -> int:
    year = job.params["year"]
    people, summary = compliance_overview(
        job.requested_by, year=year, unit=job.params.get("unit"), only_short=job.params.get("only_short", False)
    )
    progress(0, summary["short"] if job.params.get("only_short") else summary["people"])
    rows = overview_rows(people, in_progress=year >= timezone.localdate().year, progress=progress)
    return write_csv(OVERVIEW_CSV_COLUMNS, rows, out)


def committee_pdf(job: Job, out: IO[bytes], progress: Progress) -> int:
    """The judged list for print. Its rows were judged (and their reads logged) in the request that
    asked for it; a PDF of a thousand rows takes fpdf2 some 20 s, too long for a request."""
    rows = job.payload
    progress(0, len(rows))
    try:
        pdf = table_pdf(
            title="评审名单学时判断结果",
            lines=job.params.get("lines", []),
            headings=job.params["headings"],
            widths=job.params["widths"],
            rows=rows,
            issuer=settings.CEHOURS_CERTIFICATE_ISSUER,
            issued_on=timezone.localdate().strftime("%Y年%m月%d日"),
        )
    except FontMissing as exc:
        raise JobError(str(exc)) from exc
    out.write(pdf)
    return len(rows)


CERTIFICATES_INDEX = ["行号", "姓名", "起始年度", "截止年度", "证明编号", "文件名", "说明"]


def committee_certificates(job: Job, out: IO[bytes], progress: Progress) -> int:
    """A signed certificate for every applicant found, in one ZIP with an index of what it holds.

    Each is issued as its own /me/ download would be (audited, figures kept for /verify/), by the
    requester and within the scope they have as the job runs: someone who left it gets a line in
    the index instead of a file."""
    wanted = job.payload  # [row, person id, first year, last year]
    people = Person.objects.select_related("unit", "series").in_bulk([pk for _, pk, _, _ in wanted])
    progress(0, len(wanted))
    index: list[list] = []
    issued = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as bundle:  # PDFs are compressed already
        for done, (line, pk, first, last) in enumerate(wanted, start=1):
            person = people.get(pk)
            name = person.name if person else ""
            try:
                if person is None:
                    raise FieldError("", "该人员已不在登记中")
                result = issue_certificate(
                    job.requested_by, person, first, last, verify_base=job.params["verify_base"]
                )
            except PolicyDenied:
                index.append([line, name, first, last, "", "", "已不在您的查询范围内"])
            except FieldError as exc:
                index.append([line, name, first, last, "", "", exc.message])
            except (FontMissing, SigningUnavailable) as exc:
                raise JobError(str(exc)) from exc
            else:
                file_name = f"{line:04d}-{_safe(name)}-{result.certificate.code}.pdf"
                bundle.writestr(file_name, result.pdf)
                index.append([line, name, first, last, result.certificate.code, file_name, ""])
                issued += 1
            progress(done)
        listing = io.StringIO()
        write_csv(CERTIFICATES_INDEX, index, listing)
        bundle.writestr("证明清单.csv", listing.getvalue().encode("utf-8"))
    return issued


def _safe(name: str) -> str:
    """A name as part of a file name in the ZIP: no path separators or control characters."""
    return "".join(c for c in name if c.isprintable() and c not in '/\\:*?"<>|')[:20] or "未命名"


@dataclass(frozen=True)
class Writer:
    write: Callable[..., int]  # (job, the open file, progress) → the rows or files written
    suffix: str
    content_type: str
    binary: bool = False


WRITERS: dict[str, Writer] = {
    JobKind.OVERVIEW_CSV: Writer(overview_csv, "csv", "text/csv; charset=utf-8"),
    JobKind.COMMITTEE_PDF: Writer(committee_pdf, "pdf", "application/pdf", binary=True),
    JobKind.COMMITTEE_CERTIFICATES: Writer(committee_certificates, "zip", "application/zip", binary=True),
}

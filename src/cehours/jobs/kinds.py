"""What each kind of job writes: a function of the job (its requester and parameters), the open file
and a progress callback. The requester's scope is applied when the job runs, not when it was asked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Protocol

from django.utils import timezone

from cehours.integration.tables import write_csv
from cehours.ledger.selectors import compliance_overview
from cehours.rules.hours import format_hours

from .models import Job, JobKind


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


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


# kind → (what it writes, the file's suffix and content type)
WRITERS: dict[str, tuple[Callable[..., int], str, str]] = {
    JobKind.OVERVIEW_CSV: (overview_csv, "csv", "text/csv; charset=utf-8"),
}

"""`cehours audit-archive`: export events older than a date (and the retention period) to a signed JSONL file."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cehours.audit.archive import ArchiveError, archive_write

from ._key_notice import warn_if_derived


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--before：日期应为 YYYY-MM-DD，收到 {value!r}") from exc


class Command(BaseCommand):
    help = (
        "把早于给定日期（且早于留存期 CEHOURS_AUDIT_RETENTION_DAYS）的审计事件导出为带签名的 JSONL 归档，"
        "供本机以外保存；事件仍保留在库中"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--before", required=True, metavar="YYYY-MM-DD", help="导出此日期（本地时间 0 点）之前的事件"
        )
        parser.add_argument(
            "--output", required=True, type=Path, metavar="PATH", help="新建的归档文件（不覆盖已有文件）"
        )
        parser.add_argument(
            "--from-seq", type=int, default=1, metavar="N", help="从此序号起导出（接续上一份归档），默认 1"
        )

    def handle(self, *args, **options):
        warn_if_derived(self.stderr)
        before = _date(options["before"])
        try:
            written = archive_write(before=before, output=options["output"], from_seq=options["from_seq"])
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        if written is None:
            self.stdout.write(f"没有 {before:%Y-%m-%d} 之前、序号 {options['from_seq']} 起的事件，未写出归档")
            return
        self.stdout.write(
            f"已归档 {written.count} 条事件（序号 {written.first_seq}–{written.last_seq}）→ {written.path}；"
            "事件仍保留在库中，请把归档复制到本机以外保存，并可用 cehours audit-verify --archive 校验"
        )

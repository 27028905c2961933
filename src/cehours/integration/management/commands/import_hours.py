"""`cehours import-hours FILE --as USER [--dry-run]`: hours from the provincial platform (CSV/XLSX)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cehours.integration.exchange import HOURS_REQUIRED, ExchangeError, import_hours
from cehours.integration.tables import TableError, read_table

from ._operator import operator
from ._report import print_report


class Command(BaseCommand):
    help = "导入省平台学时文件；--dry-run 只检查并报告每一行的问题，不写入"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="执行导入的人力社保部门管理员账号")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file, username, dry_run, **options):
        user = operator(username)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"FILE：找不到文件 {file}")
        try:
            rows = read_table(path.name, path.read_bytes(), HOURS_REQUIRED)
            report = import_hours(
                rows=rows, user=user, dry_run=dry_run, progress=lambda n: self.stderr.write(f"已处理 {n} 行…")
            )
        except (TableError, ExchangeError) as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, ("created", "duplicate", "held", "rejected"))

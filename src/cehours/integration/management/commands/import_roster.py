"""`cehours import-roster FILE --kind units|people --as USER [--dry-run]`: unit or people rosters (CSV/XLSX)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cehours.integration.exchange import ExchangeError, import_people, import_units
from cehours.integration.tables import TableError, read_table

from ._operator import operator
from ._report import print_report


class Command(BaseCommand):
    help = "导入单位或人员名册；--dry-run 只检查并报告每一行的问题，不写入；重复导入同一文件不会改变数据"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", choices=["units", "people"], required=True)
        parser.add_argument("--as", dest="username", required=True, help="执行导入的人力社保部门管理员账号")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file, kind, username, dry_run, **options):
        user = operator(username)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"FILE：找不到文件 {file}")
        required = ["credit_code", "name", "county_code"] if kind == "units" else ["id_number", "name"]
        importer = import_units if kind == "units" else import_people
        try:
            rows = read_table(path.name, path.read_bytes(), required)
            report = importer(
                rows=rows, user=user, dry_run=dry_run, progress=lambda n: self.stderr.write(f"已处理 {n} 行…")
            )
        except (TableError, ExchangeError) as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, ("created", "updated", "unchanged", "rejected"))

"""`cehours export-hours --as USER --year Y [--county C] [--industry S] [--format csv|xlsx] --output PATH`."""

import io
import sys
from typing import cast

from django.core.management.base import BaseCommand, CommandError

from cehours.integration.exchange import HOURS_COLUMNS, ExchangeError, export_audit, export_hours
from cehours.integration.tables import write_csv, write_xlsx

from ._operator import operator


class Command(BaseCommand):
    help = "导出某年度已登记学时（交换文件，列见 README），供省平台使用"

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="执行导出的人力社保部门管理员账号")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--county", help="县（市、区）代码")
        parser.add_argument("--industry", help="行业（系列）代码")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", required=True, help="输出文件路径；- 为标准输出（仅 csv）")

    def handle(self, *args, username, year, county, industry, format, output, **options):
        user = operator(username)
        if not 1990 <= year <= 2100:
            raise CommandError("--year：应在 1990–2100 之间")
        try:
            rows = export_hours(user=user, year=year, county=county, series=industry)
            if output == "-":
                if format != "csv":
                    raise CommandError("--output：标准输出只支持 csv")
                # typeshed types sys.stdout as TextIO; at run time it is a TextIOWrapper (or StringIO), a TextIOBase
                count = write_csv(HOURS_COLUMNS, rows, cast(io.TextIOBase, sys.stdout))
            elif format == "csv":
                with open(output, "w", encoding="utf-8", newline="") as stream:
                    count = write_csv(HOURS_COLUMNS, rows, stream)
            else:
                with open(output, "wb") as stream:
                    count = write_xlsx(HOURS_COLUMNS, rows, stream)
        except ExchangeError as exc:
            raise CommandError(f"--as：{exc}") from exc
        export_audit(user=user, year=year, county=county, series=industry, fmt=format, rows=count)
        if output != "-":
            self.stdout.write(f"已导出 {count} 条学时记录到 {output}")

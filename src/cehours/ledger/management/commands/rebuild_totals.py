"""`cehours rebuild-totals`: recompute person-year totals from the ledger and report drift."""

from django.core.management.base import BaseCommand

from cehours.ledger.services import totals_rebuild_counted

SHOWN = 50


class Command(BaseCommand):
    help = "根据学时记录重新计算年度合计，并报告与已存合计的差异"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查差异，不修复；有差异时以状态码 1 退出")

    def handle(self, *args, **options):
        drift, count = totals_rebuild_counted(fix=not options["check"], keep=SHOWN)
        for d in drift:
            self.stdout.write(f"人员 {d.person_id} {d.year}年 {d.category}：已存 {d.stored}，应为 {d.actual}")
        if count > len(drift):
            self.stdout.write(f"……另有 {count - len(drift)} 项差异")
        if not count:
            self.stdout.write("年度合计与学时记录一致，无差异。")
        elif options["check"]:
            self.stderr.write(f"发现 {count} 项差异（未修复）")
            raise SystemExit(1)
        else:
            self.stdout.write(f"发现 {count} 项差异，已全部按学时记录重建。")

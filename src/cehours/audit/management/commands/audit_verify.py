"""`cehours audit-verify`: recompute the audit hash chain; exit 1 if anything was edited or deleted."""

from django.core.management.base import BaseCommand

from cehours.audit.services import audit_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链，发现被修改或删除的事件时以状态码 1 退出"

    def handle(self, *args, **options):
        checked, problems = audit_verify()
        for problem in problems:
            self.stderr.write(f"事件 #{problem.seq}：{problem.message}")
        if problems:
            self.stderr.write(f"审计日志校验失败：检查 {checked} 条事件，发现 {len(problems)} 处问题")
            raise SystemExit(1)
        self.stdout.write(f"审计日志完整：共 {checked} 条事件，哈希链校验通过")

"""`cehours withdraw-grant GRANT_ID --reason R --as SECURITY_ADMIN`: the /staff/ page's 撤销授权, refused
unless the named account is the security administrator's (三权分立). `cehours list-grants` gives the ids."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cehours.access.models import Grant
from cehours.access.policy import PolicyDenied
from cehours.access.services import AccessError, grant_withdraw
from cehours.integration.management.commands._operator import operator as operator_named


class Command(BaseCommand):
    help = "撤销一项授权（须说明原因；审计日志保留撤销前的授权）。须以安全管理员账号执行"

    def add_arguments(self, parser):
        parser.add_argument("grant_id", type=int, help="授权编号（cehours list-grants 显示）")
        parser.add_argument("--reason", default="", help="撤销原因（必填）")
        parser.add_argument("--as", dest="operator", required=True, help="执行人（安全管理员）账号")

    def handle(self, *args, grant_id: int, reason: str, operator: str, **options):
        by = operator_named(operator)
        grant = Grant.objects.select_related("user").filter(pk=grant_id).first()
        if grant is None:
            raise CommandError(f"GRANT_ID：找不到编号为 {grant_id} 的授权")
        label, username = str(grant), grant.user.username
        try:
            grant_withdraw(grant=grant, by=by, reason=reason)
        except PolicyDenied as exc:
            raise CommandError(f"--as：{exc.message}") from exc
        except AccessError as exc:
            option = "--reason" if exc.field == "reason" else "GRANT_ID"
            raise CommandError(f"{option}：{exc.message}") from exc
        self.stdout.write(f"已撤销 {username} 的授权：{label}")

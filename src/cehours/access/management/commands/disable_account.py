"""`cehours disable-account USERNAME --reason R --as SYSTEM_ADMIN` (and `--enable`): the same as the
/staff/ page's 停用 / 启用, refused unless the named account is the system administrator's (三权分立)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cehours.access.policy import PolicyDenied
from cehours.access.services import AccessError, account_set_active
from cehours.integration.management.commands._operator import operator as operator_named


class Command(BaseCommand):
    help = "停用工作人员账号（须说明原因，其接口令牌同时失效）；加 --enable 重新启用。须以系统管理员账号执行"

    def add_arguments(self, parser):
        parser.add_argument("username", help="要停用（或启用）的账号")
        parser.add_argument("--reason", default="", help="停用原因（停用时必填）")
        parser.add_argument("--enable", action="store_true", help="重新启用该账号")
        parser.add_argument("--as", dest="operator", required=True, help="执行人（系统管理员）账号")

    def handle(self, *args, username, reason, enable, operator: str, **options):
        by = operator_named(operator)
        user = get_user_model().objects.filter(username=username, person__isnull=True).first()
        if user is None:
            raise CommandError(f"USERNAME：找不到工作人员账号 {username}")
        try:
            account_set_active(user=user, by=by, active=enable, reason=reason)
        except PolicyDenied as exc:
            raise CommandError(f"--as：{exc.message}") from exc
        except AccessError as exc:
            option = "--reason" if exc.field == "reason" else "USERNAME"
            raise CommandError(f"{option}：{exc.message}") from exc
        self.stdout.write(f"账号 {username} 已{'启用' if enable else '停用'}。")

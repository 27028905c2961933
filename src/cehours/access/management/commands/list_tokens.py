"""`cehours list-tokens USERNAME`: the account's personal API tokens (prefix, issued, expires, state)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cehours.access.services import tokens_of


class Command(BaseCommand):
    help = "列出账号的个人接口令牌（前缀、签发时间、到期时间、状态）"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"USERNAME：找不到账号 {username}")
        rows = tokens_of(user)
        if not rows:
            self.stdout.write(f"{username} 没有个人接口令牌。")
            return
        now = timezone.now()
        self.stdout.write("前缀          签发时间          到期时间          状态")
        for token in rows:
            if token.revoked_at is not None:
                state = f"已吊销（{timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}）"
            elif token.expires_at <= now:
                state = "已过期"
            else:
                state = "有效"
            self.stdout.write(
                f"{token.prefix:<13} {timezone.localtime(token.created_at):%Y-%m-%d %H:%M}  "
                f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}  {state}"
            )

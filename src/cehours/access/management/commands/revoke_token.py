"""`cehours revoke-token USERNAME PREFIX`: revoke the account's token with that prefix (audited)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cehours.access.services import token_revoke, tokens_of


class Command(BaseCommand):
    help = "吊销账号的个人接口令牌（按 cehours list-tokens 显示的前缀）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("prefix", help="令牌前缀，如 ceh_AbCd1234")

    def handle(self, *args, username, prefix, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"USERNAME：找不到账号 {username}")
        prefix = prefix.rstrip("…")
        if not any(t.prefix == prefix and t.revoked_at is None for t in tokens_of(user)):
            raise CommandError(f"PREFIX：{username} 没有前缀为 {prefix} 的有效令牌")
        count = token_revoke(token_prefix=prefix, user=user)
        self.stdout.write(f"已吊销 {username} 的令牌 {prefix}（{count} 个）。")

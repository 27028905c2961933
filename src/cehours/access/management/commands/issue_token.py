"""`cehours issue-token USERNAME`: a personal API token, printed once on the last line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cehours.access.services import token_issue


class Command(BaseCommand):
    help = "为账号签发个人接口令牌（只显示这一次，保存在最后一行）"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"USERNAME：找不到有效账号 {username}")
        token = token_issue(user=user)
        self.stdout.write("以下令牌只显示这一次，请妥善保存；调用接口时使用 Authorization: Bearer <令牌>")
        self.stdout.write(token)

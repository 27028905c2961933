"""`cehours list-grants [USERNAME]`: staff accounts' grants with the ids `withdraw-grant` takes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cehours.access.models import Grant


class Command(BaseCommand):
    help = "列出工作人员的授权（编号、账号、是否停用、授权内容）"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="只列此账号的授权")

    def handle(self, *args, username: str | None, **options):
        grants = Grant.objects.select_related("user", "county", "series", "unit").order_by("user__username", "pk")
        if username:
            grants = grants.filter(user__username=username)
        count = 0
        for grant in grants:
            state = "" if grant.user.is_active else "（账号已停用）"
            self.stdout.write(f"{grant.pk}\t{grant.user.username}{state}\t{grant}")
            count += 1
        self.stdout.write(f"共 {count} 项授权。")

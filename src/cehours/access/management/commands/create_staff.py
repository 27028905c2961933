"""`cehours create-staff USERNAME --role ROLE [--level] [--county] [--industry] [--unit]`."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from cehours.access.models import Role
from cehours.access.services import AccessError, staff_create
from cehours.access.signin import second_factor_required
from cehours.people.models import County, Series, Unit


class Command(BaseCommand):
    help = "创建工作人员账号（如已存在则追加授权）；不指定范围即为全市"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r for r in Role.values if r != Role.PROFESSIONAL])
        parser.add_argument("--level", type=int, choices=[1, 2, 3], help="审核人员的管理权限级别")
        parser.add_argument("--county", help="县（市、区）行政区划代码，如 331102")
        parser.add_argument("--industry", help="行业（职称系列）代码")
        parser.add_argument("--unit", help="单位统一社会信用代码")
        parser.add_argument(
            "--password",
            help="初始密码（首次登录须修改）；不填时读取环境变量 CEHOURS_STAFF_PASSWORD 或交互输入",
        )

    def handle(self, *args, username, role, level, county, industry, unit, password, **options):
        scope = {}
        if county:
            scope["county"] = County.objects.filter(pk=county).first() or self._missing("--county", county)
        if industry:
            scope["series"] = Series.objects.filter(pk=industry).first() or self._missing("--industry", industry)
        if unit:
            scope["unit"] = Unit.objects.filter(credit_code=unit.upper()).first() or self._missing("--unit", unit)
        password = password or os.environ.get("CEHOURS_STAFF_PASSWORD")
        if not password and options.get("interactive", True) and os.isatty(0):
            password = getpass.getpass("初始密码：")
        try:
            user, grant = staff_create(username=username, password=password, role=role, level=level, **scope)
        except AccessError as exc:
            field = "--password" if exc.field == "password" else exc.field  # the option the rule refers to
            raise CommandError(f"{field}：{exc.message}") from exc
        self.stdout.write(f"已为 {user.username} 授予：{grant}")
        if not password:
            self.stdout.write("该账号未设置密码，只能使用个人接口令牌（cehours issue-token）。")
        else:
            self.stdout.write("该密码为初始密码，账号首次登录时须修改。")
        if second_factor_required(user):
            self.stdout.write("该账号须使用动态口令（第二重身份验证）：首次登录时将引导绑定验证器。")

    def _missing(self, option: str, value: str):
        raise CommandError(f"{option}：找不到 {value}")

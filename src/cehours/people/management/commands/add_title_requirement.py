"""`cehours add-title-requirement --series S --level L --years N --effective YYYY-MM-DD [--name 主治医师]
--as USER`: one row of city HR's title table (R13), checked and audited as on the /rules/titles/ page."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cehours.access.policy import PolicyDenied
from cehours.people.models import Series
from cehours.people.services import TitleRequirementError, title_requirement_add
from cehours.rules.titles import TitleLevel

# The command's own names for the service's inputs, so a refusal points at the option to fix.
OPTIONS = {
    "series": "--series",
    "level": "--level",
    "local_name": "--name",
    "required_years": "--years",
    "effective_from": "--effective",
}


class Command(BaseCommand):
    help = "录入一行职称规定年限（三级管理权限或全市人力社保部门管理员）；录入后不可修改，更正请录入新的一行"

    def add_arguments(self, parser):
        parser.add_argument("--series", required=True, help="职称系列代码，如 health")
        parser.add_argument("--level", required=True, choices=[level.value for level in TitleLevel], help="职称等级")
        parser.add_argument("--years", required=True, type=int, help="规定年限（1—10 年）")
        parser.add_argument("--effective", required=True, help="生效日期 YYYY-MM-DD")
        parser.add_argument("--name", default="", help="本系列对该等级的名称，如 主治医师")
        parser.add_argument("--as", dest="username", required=True, help="录入人账号")

    def handle(self, *args, series, level, years, effective, name, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as：找不到有效账号 {username}")
        try:
            effective_from = date.fromisoformat(effective)
        except ValueError:
            raise CommandError(f"--effective：日期格式应为 YYYY-MM-DD，收到 {effective}") from None
        chosen = Series.objects.filter(code=series).first()
        if chosen is None:
            raise CommandError(f"--series：找不到职称系列 {series}")
        try:
            row = title_requirement_add(
                by=user,
                series=chosen,
                level=level,
                local_name=name,
                required_years=years,
                effective_from=effective_from,
            )
        except PolicyDenied as exc:
            raise CommandError(exc.message) from exc
        except TitleRequirementError as exc:
            raise CommandError(f"{OPTIONS.get(exc.field, exc.field)}：{exc.message}") from exc
        local = f"（{row.local_name}）" if row.local_name else ""
        self.stdout.write(
            f"已录入 {chosen.name}系列 {row.get_level_display()}{local}：规定年限 {row.required_years} 年，"
            f"自 {row.effective_from} 起适用"
        )

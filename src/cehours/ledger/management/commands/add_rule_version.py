"""`cehours add-rule-version --code C --level city|province --effective YYYY-MM-DD [--series S] --as USER
FIELD=VALUE ...`: one rule version (R12d), checked, typed and audited as on the /rules/ page."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cehours.access.policy import PolicyDenied
from cehours.ledger.rule_admin import RuleVersionError, rule_version_add
from cehours.ledger.rulesets import version_of
from cehours.people.models import Series
from cehours.rules.ruleset import FIELD_SPECS, describe_value

# The command's own names for the service's inputs, so a refusal points at the option to fix.
OPTIONS = {"code": "--code", "issuing_level": "--level", "effective_from": "--effective", "series": "--series"}


class Command(BaseCommand):
    help = "录入一个学时规则版本（三级管理权限或全市人力社保部门管理员）；版本不可修改，更正请录入新的版本"

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="文号，如 浙人社发〔2026〕1号")
        parser.add_argument("--level", required=True, choices=["city", "province"], help="发文层级：市级或省级")
        parser.add_argument("--effective", required=True, help="生效日期 YYYY-MM-DD")
        parser.add_argument("--series", help="只适用于这一行业（系列）的代码；不填则全市通用")
        parser.add_argument("--as", dest="username", required=True, help="录入人账号")
        parser.add_argument(
            "settings", nargs="+", metavar="FIELD=VALUE", help="本版本设定的规则，如 offline_hours_per_day=8"
        )

    def handle(self, *args, code, level, effective, series, username, settings, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as：找不到有效账号 {username}")
        try:
            effective_from = date.fromisoformat(effective)
        except ValueError:
            raise CommandError(f"--effective：日期格式应为 YYYY-MM-DD，收到 {effective}") from None
        chosen = None
        if series:
            chosen = Series.objects.filter(code=series).first()
            if chosen is None:
                raise CommandError(f"--series：找不到行业（系列）{series}")
        values: dict[str, str] = {}
        for setting in settings:
            name, sep, value = setting.partition("=")
            name = name.strip()
            if not sep or not name:
                raise CommandError(f"规则应写作 FIELD=VALUE，收到 {setting}")
            if name in values:
                raise CommandError(f"{name}：同一规则设定了两次")
            values[name] = value
        try:
            row = rule_version_add(
                by=user, code=code, issuing_level=level, effective_from=effective_from, series=chosen, values=values
            )
        except PolicyDenied as exc:
            raise CommandError(exc.message) from exc
        except RuleVersionError as exc:
            lines = [f"{OPTIONS.get(field, field)}：{message}" if field else message for field, message in exc.problems]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(f"已录入 {row.code}（{row.get_issuing_level_display()}，自 {row.effective_from} 起）：")
        for name, value in version_of(row).values.items():
            self.stdout.write(f"  {FIELD_SPECS[name].label}：{describe_value(name, value)}")

"""`cehours remind [--dry-run] [--date YYYY-MM-DD] [--force]`: remind everyone behind for the year.

Meant to run daily (cron or a systemd timer): it sends only on the dates city HR set
(CEHOURS_REMINDER_DATES, default 09-01,11-01,12-01) unless --force, and never twice a day to one person."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cehours.people.models import Person
from cehours.reminders.schedule import DatesInvalid, is_reminder_day, reminder_days
from cehours.reminders.services import remind_behind


class Command(BaseCommand):
    help = "向本年度学时未达标的人员发送提醒（站内消息；已配置时另发邮件、短信）"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计将提醒的人数，不发送")
        parser.add_argument("--date", default="", help="按此日期判断（默认今天），格式 YYYY-MM-DD")
        parser.add_argument("--force", action="store_true", help="不是提醒日期也发送")

    def handle(self, *args, dry_run: bool, date: str, force: bool, **options):
        today = _day(date) if date else timezone.localdate()
        try:
            days = reminder_days(settings.CEHOURS_REMINDER_DATES)
        except DatesInvalid as exc:
            raise CommandError(f"CEHOURS_REMINDER_DATES：{exc}") from exc
        if not force and not is_reminder_day(today, days):
            self.stdout.write(f"{today:%Y-%m-%d} 不是提醒日期（{settings.CEHOURS_REMINDER_DATES}），未发送。")
            return
        report = remind_behind(by=None, people=Person.objects.all(), year=today.year, today=today, dry_run=dry_run)
        verb = "将提醒" if dry_run else "已提醒"
        self.stdout.write(
            f"{today.year}年学时未达标 {report.behind} 人；{verb} {report.sent} 人（站内消息 {report.in_app}，"
            f"邮件 {report.emailed}，短信 {report.texted}）；今天已提醒过 {report.already} 人；"
            f"无账号、邮箱或手机号无法提醒 {len(report.unreachable)} 人。"
        )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date：“{text}”应为 YYYY-MM-DD") from None

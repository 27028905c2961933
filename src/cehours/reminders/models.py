"""One reminder sent to one person for one year on one day, and how it reached them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cehours.people.models import Person


class Reminder(models.Model):
    """Kept so a unit sees who was reminded, and so a second run on the same day sends nothing twice."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="reminders", verbose_name="人员")
    year = models.PositiveSmallIntegerField("年度")
    sent_on = models.DateField("提醒日期")
    sent_at = models.DateTimeField("提醒时间")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="提醒人"
    )  # None: the scheduled run (`cehours remind`)
    message = models.CharField("提醒内容", max_length=500)
    in_app = models.BooleanField("站内消息", default=False)
    emailed = models.BooleanField("电子邮件", default=False)
    texted = models.BooleanField("短信", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "学时提醒"
        constraints = [models.UniqueConstraint(fields=["person", "year", "sent_on"], name="reminder_once_a_day")]
        indexes = [models.Index(fields=["year", "sent_on"])]

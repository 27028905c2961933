"""The integrity archive (R20). Offline declarations and their review join this app later."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cehours.people.models import Person


class IntegrityEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> IntegrityEntryQuerySet:
        from cehours.access.scope import person_filter

        return self.filter(person__in=Person.objects.filter(person_filter(user)))


class IntegrityEntry(models.Model):
    """R20 第二十条: falsified hours found; blocks title applications until lifted by level 3."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="integrity_entries", verbose_name="人员")
    finding = models.TextField("查实情况")
    recorded_on = models.DateField("记录日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人")
    lifted_on = models.DateField("解除日期", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="解除人"
    )
    lift_reason = models.TextField("解除理由", blank=True)

    objects = IntegrityEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "诚信档案记录"

"""The fingerprint of the field key the stored ID numbers and evidence are encrypted with."""

from __future__ import annotations

from django.db import models

SINGLETON = 1


class FieldKeyFingerprint(models.Model):
    """One row: HMAC of a fixed label under the field key, so a wrong key is recognised before use.

    Not the key and nothing the key can be computed from; it only tells whether a configured key is
    the one the data was encrypted with (checked at every start, compared by backup and restore).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    fingerprint = models.CharField("密钥指纹", max_length=64)
    recorded_at = models.DateTimeField("记录时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "字段密钥指纹"
        constraints = [models.CheckConstraint(condition=models.Q(id=SINGLETON), name="ops_fingerprint_single_row")]

    def __str__(self) -> str:
        return self.fingerprint[:16]

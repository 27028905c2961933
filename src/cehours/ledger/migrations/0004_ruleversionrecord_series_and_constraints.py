"""Rule versions for one industry series, and the database's own refusal of a provincial version that
sets the annual requirement (R12d, 第十一条)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_ledgerentry_external_url_ledgerentry_provider_and_more"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ruleversionrecord",
            name="series",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="people.series",
                verbose_name="适用行业（系列）",
            ),
        ),
        migrations.AddConstraint(
            model_name="ruleversionrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(("issuing_level__in", ["city", "province"])), name="rule_version_level"
            ),
        ),
        migrations.AddConstraint(
            model_name="ruleversionrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("issuing_level", "province"),
                    ("values__has_any_keys", ["annual_total", "annual_professional", "annual_public"]),
                    _negated=True,
                ),
                name="rule_version_province_not_annual",
            ),
        ),
    ]

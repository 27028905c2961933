"""Every token has an expiry from now on."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("access", "0003_token_expiry_backfill")]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
    ]

"""Tokens issued before expiry existed get 90 days from when they were issued.

A migration of its own: on PostgreSQL, rows updated in a transaction cannot have their table altered
in the same one (pending trigger events), so the NOT NULL comes in the next migration.
"""

from datetime import timedelta

from django.db import migrations

# The default lifetime when expiry was introduced; a token older than that has lapsed, as a new one would.
TOKEN_DAYS = 90


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("access", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        token.expires_at = token.created_at + timedelta(days=TOKEN_DAYS)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [("access", "0002_account_security")]

    operations = [migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop)]

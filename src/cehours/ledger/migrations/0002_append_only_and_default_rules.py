"""Append-only triggers on ledger entries, and the regulation's own rule version (丽人社〔2020〕83号)."""

from django.db import migrations

from cehours.ledger import triggers

REGULATION = {
    "code": "丽人社〔2020〕83号",
    "issuing_level": "city",
    "effective_from": "2020-01-01",
    "values": {
        "annual_total": "90",
        "annual_professional": "60",
        "annual_public": "18",
        "offline_hours_per_day": "6",
        "online_minutes_per_hour": 45,
        "seminar_national_hours": "60",
        "seminar_provincial_hours": "48",
        "seminar_municipal_hours": "36",
        "hours_quantum": "0.1",
        "integrity_block_years": None,
    },
}


def add_rules(apps, schema_editor):
    apps.get_model("ledger", "RuleVersionRecord").objects.update_or_create(
        code=REGULATION["code"],
        defaults={k: v for k, v in REGULATION.items() if k != "code"},
    )


def remove_rules(apps, schema_editor):
    apps.get_model("ledger", "RuleVersionRecord").objects.filter(code=REGULATION["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        migrations.RunPython(triggers.install, triggers.uninstall),
        migrations.RunPython(add_rules, remove_rules),
    ]

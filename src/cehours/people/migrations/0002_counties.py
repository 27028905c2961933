"""Reference data: the nine county-level divisions of Lishui."""

from django.db import migrations

COUNTIES = [
    ("331102", "莲都区"),
    ("331121", "青田县"),
    ("331122", "缙云县"),
    ("331123", "遂昌县"),
    ("331124", "松阳县"),
    ("331125", "云和县"),
    ("331126", "庆元县"),
    ("331127", "景宁畲族自治县"),
    ("331181", "龙泉市"),
]


def add(apps, schema_editor):
    County = apps.get_model("people", "County")
    for code, name in COUNTIES:
        County.objects.update_or_create(code=code, defaults={"name": name})


def remove(apps, schema_editor):
    apps.get_model("people", "County").objects.filter(code__in=[c for c, _ in COUNTIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]

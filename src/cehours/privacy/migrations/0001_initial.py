"""The access log of personal-data reads (ReadEvent), append-only by trigger."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from cehours.privacy import triggers


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("integration", "0002_connectedsystem_owner_county_and_more"),
        ("people", "0003_alter_person_county"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReadEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间")),
                ("caller_key", models.CharField(max_length=80, verbose_name="访问方标识")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("person_page", "人员学时页面"),
                            ("person_entries_page", "人员学时记录页面"),
                            ("person_eligibility_page", "人员申报资格页面"),
                            ("api_compliance", "接口：学时合规"),
                            ("api_eligibility", "接口：申报资格"),
                            ("api_entries", "接口：学时记录"),
                            ("search", "人员查询"),
                            ("export", "导出学时交换文件"),
                            ("overview_csv", "导出学时汇总 CSV"),
                            ("evidence", "查看证明材料"),
                        ],
                        max_length=32,
                        verbose_name="访问内容",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[("found", "已读取"), ("missed", "未找到"), ("refused", "查询过多被拒绝")],
                        default="found",
                        max_length=8,
                        verbose_name="结果",
                    ),
                ),
                ("count", models.PositiveIntegerField(blank=True, null=True, verbose_name="涉及人数")),
                ("remote_addr", models.CharField(blank=True, max_length=64, verbose_name="来源地址")),
                ("request_id", models.CharField(blank=True, max_length=64, verbose_name="请求标识")),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.person",
                        verbose_name="被访问人员",
                    ),
                ),
                (
                    "system",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="integration.connectedsystem",
                        verbose_name="对接系统",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="访问人",
                    ),
                ),
            ],
            options={
                "verbose_name": "个人信息访问记录",
                "verbose_name_plural": "个人信息访问记录",
                "indexes": [
                    models.Index(fields=["at"], name="privacy_read_at"),
                    models.Index(
                        condition=models.Q(("outcome", "missed")),
                        fields=["caller_key", "at"],
                        name="privacy_read_misses",
                    ),
                ],
            },
        ),
        migrations.RunPython(triggers.install, triggers.uninstall),
    ]

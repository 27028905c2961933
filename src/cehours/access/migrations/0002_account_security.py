"""Separation-of-duties roles, token expiry and the account's sign-in state (等保 2.0 第三级)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="grant",
            name="role",
            field=models.CharField(
                choices=[
                    ("professional", "专业技术人员"),
                    ("unit_staff", "单位经办人"),
                    ("reviewer", "审核人员"),
                    ("industry_authority", "行业主管部门"),
                    ("hr_admin", "人力社保部门管理员"),
                    ("evaluator", "评委会"),
                    ("provider", "继续教育基地/培训机构"),
                    ("system_admin", "系统管理员"),
                    ("security_admin", "安全管理员"),
                    ("audit_admin", "审计管理员"),
                ],
                max_length=32,
                verbose_name="角色",
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="签发时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="吊销时间"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.CreateModel(
            name="AccountState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("must_change_password", models.BooleanField(default=False, verbose_name="须修改密码")),
                ("password_changed_at", models.DateTimeField(blank=True, null=True, verbose_name="密码修改时间")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="account_state",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="账号",
                    ),
                ),
            ],
            options={
                "verbose_name": "账号状态",
                "verbose_name_plural": "账号状态",
            },
        ),
    ]

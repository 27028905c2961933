"""The warning the audit commands print when the audit key is only derived from SECRET_KEY."""

from django.conf import settings

DERIVED_KEY_NOTICE = (
    "注意：审计密钥由 SECRET_KEY 派生，能读取 SECRET_KEY 的人即可重算哈希链；"
    "生产环境请设置与数据库分开保管的 CEHOURS_AUDIT_KEY 或 CEHOURS_AUDIT_KEY_FILE"
)


def warn_if_derived(stderr) -> None:
    if settings.AUDIT_KEY_SOURCE == "derived":
        stderr.write(DERIVED_KEY_NOTICE)

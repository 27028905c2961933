"""`cehours restore PATH`: restore a `cehours backup` archive into an empty installation."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cehours.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从 cehours backup 生成的备份恢复到一个空的新安装（须配置备份时所用的字段密钥）"
    # The installation is empty or not yet migrated: the start check has nothing to compare yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件路径")

    def handle(self, *args, path: str, **options):
        try:
            manifest = backup_restore(path=Path(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        self.stdout.write(
            f"已恢复 {manifest['created_at']} 的备份：{counts['people']} 名人员、{counts['accounts']} 个账号、"
            f"{counts['declarations']} 份申报、{manifest['evidence_files']} 个证明材料文件。"
        )
        self.stdout.write(
            "请运行 cehours migrate（备份来自较早版本时补齐迁移），再用 cehours audit-verify 与 "
            "cehours rebuild-totals --check 核对后启动平台。"
        )

"""`cehours backup PATH`: one archive (tar.gz, 0600) with the database, the evidence and a manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cehours.audit.services import audit_record
from cehours.ops.backup import BackupError, backup_create
from cehours.ops.keys import short


class Command(BaseCommand):
    help = "备份：数据库一致性快照、证明材料（加密原样）、字段密钥指纹与清单，写入一个 tar.gz 文件（不含任何密钥）"
    # A backup reads nothing encrypted, so it also works while the configured key is wrong or missing.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件路径（如 /backup/cehours-20260101.tar.gz），不会覆盖已有文件")

    def handle(self, *args, path: str, **options):
        try:
            manifest = backup_create(path=Path(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit_record(
            actor=None,
            action="ops.backup_created",
            object_type="installation",
            after={"path": str(Path(path).resolve()), "counts": manifest["counts"]},
            actor_label="cehours backup",
        )
        counts = manifest["counts"]
        self.stdout.write(
            f"备份完成：{Path(path).resolve()}（{counts['people']} 名人员、{counts['accounts']} 个账号、"
            f"{counts['declarations']} 份申报、{manifest['evidence_files']} 个证明材料文件、"
            f"{manifest['courseware_files']} 个课件视频；"
            f"字段密钥指纹 {short(manifest['key_fingerprint'])}…）"
        )
        for name in manifest["missing_evidence_files"]:
            self.stderr.write(f"警告：证明材料文件 {name} 不存在，未能备份")
        for name in manifest["missing_courseware_files"]:
            self.stderr.write(f"警告：课件视频 {name} 不存在，未能备份")
        self.stdout.write("备份不含任何密钥：恢复时须配置同一字段密钥（CEHOURS_FIELD_KEY 或 CEHOURS_FIELD_KEY_FILE）。")

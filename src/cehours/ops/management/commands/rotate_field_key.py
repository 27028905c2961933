"""`cehours rotate-field-key --new-key-file PATH`: move every ID number and evidence file to a new key."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cehours.config import FIELD_KEY_MIN_LENGTH, new_key_file
from cehours.ops.keys import FieldKeyMismatch, short
from cehours.ops.rotation import RotationError, field_key_rotate


class Command(BaseCommand):
    help = "更换字段密钥：用新密钥重新加密全部身份证号码、检索摘要与证明材料（请先停止平台）"
    # Runs with the old key configured, which the start check would accept; it checks the key itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key-file",
            required=True,
            help="新密钥文件；不存在时生成一个随机密钥写入（权限 0600），须在数据目录之外",
        )

    def handle(self, *args, new_key_file: str, **options):
        path = Path(new_key_file).expanduser().resolve()
        data_dir = Path(settings.DATA_DIR).resolve()
        if path.is_relative_to(data_dir):
            raise CommandError(f"新密钥文件不能放在数据目录 {data_dir} 之内：数据目录的副本会连同密钥一起泄露")
        generated = not path.exists()
        key = _new_key(path) if generated else path.read_text().strip()
        if len(key) < FIELD_KEY_MIN_LENGTH:
            raise CommandError(f"新密钥少于 {FIELD_KEY_MIN_LENGTH} 个字符；删除该文件后重新运行即可生成随机密钥")
        try:
            result = field_key_rotate(new_key=key)
        except (FieldKeyMismatch, RotationError) as exc:
            if generated:
                path.unlink(missing_ok=True)  # nothing uses it: a rerun generates a fresh one
            raise CommandError(str(exc)) from exc
        write = self.stdout.write
        write(
            f"字段密钥已更换：{result.people} 名人员的身份证号码与检索摘要、{result.attendee_lists} 份学员名单、"
            f"{result.evidence} 个证明材料文件已用新密钥重新加密（指纹 {short(result.old_fingerprint)}… → "
            f"{short(result.new_fingerprint)}…）。"
        )
        for name in result.missing_files:
            self.stderr.write(f"警告：证明材料文件 {name} 不存在，未处理")
        write(f"新密钥{'已生成并' if generated else ''}保存在 {path}（权限 0600）。接下来：")
        write(f"  1. 把环境变量 CEHOURS_FIELD_KEY_FILE 设为 {path}（或把文件内容设为 CEHOURS_FIELD_KEY），")
        write("     删除旧的 CEHOURS_FIELD_KEY / CEHOURS_FIELD_KEY_FILE 设置，然后重启平台的全部进程；")
        write("     仍用旧密钥启动的进程会被拒绝。")
        write("  2. 立即做一次备份（cehours backup PATH）：此前的备份只能用旧密钥恢复。")
        write("  3. 旧密钥在不再需要恢复旧备份之前妥善离线保存，之后销毁。")


def _new_key(path: Path) -> str:
    try:
        return new_key_file(path)
    except OSError as exc:
        raise CommandError(f"无法写入新密钥文件 {path}：{exc}") from exc

"""`cehours audit-anchor`: print (or write) the chain head signed with the audit key, to keep off the host."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cehours.audit.anchors import AnchorError, anchor_create, anchor_dumps

from ._key_notice import warn_if_derived


class Command(BaseCommand):
    help = "输出以审计密钥签名的哈希链链头（序号、摘要、时间），供复制到本机以外保存；之后用 audit-verify --anchor 校验"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, metavar="PATH", help="写入此文件（已存在则覆盖）；不给出时输出到标准输出"
        )

    def handle(self, *args, **options):
        warn_if_derived(self.stderr)
        try:
            document = anchor_create()
        except AnchorError as exc:
            raise CommandError(str(exc)) from exc
        text = anchor_dumps(document)
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--output：无法写入 {output}：{exc.strerror or exc}") from exc
        self.stdout.write(f"已写出锚点：序号 {document['seq']}，摘要 {document['hash']} → {output}")

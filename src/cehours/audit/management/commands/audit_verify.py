"""`cehours audit-verify`: recompute the keyed audit chain, check anchors and archives; exit 1 on a problem."""

from pathlib import Path

from django.core.management.base import BaseCommand

from cehours.audit.anchors import AnchorError, anchor_read
from cehours.audit.archive import archive_check
from cehours.audit.services import ChainPoint, audit_verify

from ._key_notice import warn_if_derived


class Command(BaseCommand):
    help = "校验审计日志哈希链（以及给出的锚点与归档），发现被修改或删除的事件时以状态码 1 退出"

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            type=Path,
            metavar="PATH",
            help="cehours audit-anchor 写出的锚点文件（可多次给出）：其序号与摘要须仍在链中",
        )
        parser.add_argument(
            "--archive",
            action="append",
            default=[],
            type=Path,
            metavar="PATH",
            help="cehours audit-archive 写出的归档文件（可多次给出）：校验其签名与内部哈希链，且其末条事件须仍在链中",
        )

    def handle(self, *args, **options):
        warn_if_derived(self.stderr)
        file_problems: list[str] = []
        points: list[ChainPoint] = []
        for path in options["anchor"]:
            try:
                points.append(anchor_read(path))
            except AnchorError as exc:
                file_problems.append(str(exc))
        for path in options["archive"]:
            found = archive_check(path)
            file_problems.extend(found.problems)
            if found.last_point is not None:
                points.append(found.last_point)
                span = f"序号 {found.first_seq}–{found.last_seq}"
                self.stdout.write(f"归档 {path}：{found.count} 条事件（{span}），签名与哈希链校验通过")

        checked, problems = audit_verify(points=points)
        for message in file_problems:
            self.stderr.write(message)
        for problem in problems:
            prefix = f"事件 #{problem.seq}：" if problem.seq is not None else ""
            self.stderr.write(f"{prefix}{problem.message}")
        if problems or file_problems:
            total = len(problems) + len(file_problems)
            self.stderr.write(f"审计日志校验失败：检查 {checked} 条事件，发现 {total} 处问题")
            raise SystemExit(1)
        anchored = f"，{len(options['anchor'])} 个锚点均在链中" if options["anchor"] else ""
        self.stdout.write(f"审计日志完整：共 {checked} 条事件，哈希链校验通过{anchored}")

"""`cehours worker`: run background jobs as they are queued (the database backend's worker).

`cehours serve` starts one unless told `--no-worker`; more can run on any machine that reaches the
database. `--batch` runs what is queued and exits (for a cron job or a test)."""

import os
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


def _leave_with(parent: int) -> None:
    """A server killed outright (no atexit) must not leave its worker running: a new parent
    (init, or a subreaper) means ours is gone."""
    while os.getppid() == parent:
        time.sleep(2)
    os._exit(0)


class Command(BaseCommand):
    help = "运行后台任务（导出等），直到停止；--batch 处理完队列中的任务即退出"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务即退出")
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时查询新任务的间隔秒数，默认 1")
        parser.add_argument("--parent", type=int, default=None, help="该进程退出时随之退出（cehours serve 使用）")

    def handle(self, *args, batch: bool, interval: float, parent: int | None, **options):
        if parent:
            threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()
        call_command("db_worker", batch=batch, interval=interval, startup_delay=False, verbosity=options["verbosity"])

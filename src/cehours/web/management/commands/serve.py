"""`cehours serve`: the platform behind gunicorn, static files served by the app (WhiteNoise)."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY", 0)) or min(8, 2 * (os.cpu_count() or 1) + 1)


class Command(BaseCommand):
    help = "以 gunicorn 启动平台（生产级 WSGI 服务器）"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--workers", type=int, default=None, help="工作进程数，默认 WEB_CONCURRENCY 或 2×CPU+1")
        parser.add_argument("--no-migrate", action="store_true", help="启动前不执行数据库迁移")

    def handle(self, *args, **options):
        from gunicorn.app.base import BaseApplication

        from cehours.wsgi import application

        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port 应在 1–65535 之间")
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 120)
                self.cfg.set("graceful_timeout", 10)

            def load(self):
                return application

        self.stdout.write(f"cehours 已启动：http://{bind}/ （{workers} 个工作进程，Ctrl+C 停止）")
        Server().run()

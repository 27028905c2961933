"""`cehours serve`: the platform behind gunicorn, static files served by the app (WhiteNoise).

The gunicorn master is this management command's process: it migrates, collects static files and
imports the application, then forks the workers. Whatever it opened on the way — a database
connection above all — would be inherited by every worker, and several workers talking over one
PostgreSQL socket garble each other's answers (500s, valid keys refused, "lost synchronization
with server", hung workers). So the master closes every connection before it forks, and each
worker closes whatever it might still have inherited before it serves a request.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY", 0)) or min(8, 2 * (os.cpu_count() or 1) + 1)


def close_inherited_resources() -> None:
    """Close every database connection and cache client this process holds.

    Called in the master before each fork and in each worker after it. Django reconnects lazily on
    the next query, so a worker opens connections of its own. No other module-level state holds a
    connection: the platform keeps no per-process key or rule-version cache (keys and rule versions
    are read per request), and the default cache is in process memory.
    """
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    caches.close_all()


def _when_ready(arbiter) -> None:
    close_inherited_resources()


def _pre_fork(arbiter, worker) -> None:
    # Also when gunicorn replaces a worker later: the master must not be holding anything then either.
    close_inherited_resources()


def _post_fork(arbiter, worker) -> None:
    # A no-op when the master did its part; if anything slipped through, every worker drops its
    # copy here before serving, so no two processes ever use the same socket.
    close_inherited_resources()


def start_job_worker() -> subprocess.Popen:
    """One `cehours worker` beside the web workers (its own process and database connection), stopped
    when the server stops; it watches this process and leaves on its own if the server is killed."""
    command = [sys.executable, "-m", "cehours.manage", "worker", "--parent", str(os.getpid())]
    worker = subprocess.Popen(command, env=os.environ.copy())

    def stop() -> None:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    atexit.register(stop)
    return worker


class Command(BaseCommand):
    help = "以 gunicorn 启动平台（生产级 WSGI 服务器）"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--workers", type=int, default=None, help="工作进程数，默认 WEB_CONCURRENCY 或 2×CPU+1")
        parser.add_argument("--no-migrate", action="store_true", help="启动前不执行数据库迁移")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程（另行运行 cehours worker）")

    def handle(self, *args, **options):
        from gunicorn.app.base import BaseApplication

        from cehours.config import restrict_new_files
        from cehours.ops.keys import warn_about_key
        from cehours.wsgi import application

        restrict_new_files()  # settings did too; the server's own files (logs, uploads) must not depend on it
        warn_about_key(self.stderr)
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port 应在 1–65535 之间")
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # migrate (and anything else above) connected in this process, which becomes the master.
        close_inherited_resources()
        bind = f"{options['host']}:{options['port']}"

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("accesslog", "-")
                # gunicorn's access and error logs have handlers of their own, outside Django's LOGGING:
                # this logger puts the ID-number mask on them (no full ID number in any log line).
                self.cfg.set("logger_class", "cehours.privacy.gunicorn_logging.MaskingLogger")
                self.cfg.set("timeout", 120)
                self.cfg.set("graceful_timeout", 10)
                # Preloaded on purpose: the application is already imported in the master (this
                # command runs inside Django), so preloading only states it. Workers share its memory
                # copy-on-write, and a broken application stops `serve` at start instead of sending
                # gunicorn into a loop of failing worker boots. What preloading risks — state opened
                # in the master reaching the workers — the three hooks below close.
                self.cfg.set("preload_app", True)
                self.cfg.set("when_ready", _when_ready)
                self.cfg.set("pre_fork", _pre_fork)
                self.cfg.set("post_fork", _post_fork)
                # gunicorn's control socket (for `gunicornc`) defaults to one path per user, not per
                # server, so two servers on one machine would take it from each other; serve offers
                # no use for it, and it would be one more thing the master opens.
                self.cfg.set("control_socket_disable", True)

            def load(self):
                return application

        if not options["no_worker"]:
            start_job_worker()
        self.stdout.write(f"cehours 已启动：http://{bind}/ （{workers} 个工作进程，Ctrl+C 停止）")
        Server().run()

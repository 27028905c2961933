"""`cehours demo`: a synthetic city with people, hours and one account per role (credentials printed)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cehours.demo import DEMO_PASSWORD, load_demo
from cehours.reports.signing import SigningUnavailable, default_directory, identity, make_self_signed


class Command(BaseCommand):
    help = "载入演示数据（全部为虚构数据），并打印各角色演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000, help="人员数，默认 3000")
        parser.add_argument("--years", type=int, default=5, help="当年之前的完整学时年数（另加当年至今），默认 5")
        parser.add_argument("--seed", type=int, default=20261129)

    def handle(self, *args, people, years, seed, **options):
        if not 1 <= people <= 1_000_000:
            raise CommandError("--people 应在 1–1000000 之间")
        if not 1 <= years <= 30:
            raise CommandError("--years 应在 1–30 之间")
        call_command("migrate", interactive=False, verbosity=0)
        def progress(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        result = load_demo(people=people, years=years, seed=seed, progress=progress)
        if result["created"] and connection.vendor == "postgresql":
            # A city's rows have just arrived in tables the planner still takes for empty: until
            # autovacuum analyses them (a minute or more later) a county reviewer's /spot-checks/ took
            # 1.5 s instead of 25 ms (bench/pages.py). So the demo leaves the statistics current.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if result["created"]:
            intake = result.get("demo_intake", {})
            self.stdout.write(
                f"已生成演示数据：{result['people']} 名人员（其中待确认人员 {intake.get('created', 0)} 名），"
                f"{result['entries']} 条学时记录，暂缓登记 {intake.get('held', 0)} 条。"
            )
        else:
            self.stdout.write(f"演示数据已存在（{result['people']} 名人员），未重复生成。")
        self._demo_signing_identity()
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for account in result["accounts"]:
            self.stdout.write(f"  {account.username:<14} {account.description}")

    def _demo_signing_identity(self) -> None:
        """The demo signs its certificates with a self-signed certificate of its own (a real
        deployment configures the one its CA issued: README, "Hours certificates")."""
        try:
            identity()
        except SigningUnavailable:
            made = make_self_signed(default_directory(), "丽水市继续教育学时管理平台（演示，自签名）")
            self.stdout.write(f"已生成演示用自签名证书：{made.cert_file}")

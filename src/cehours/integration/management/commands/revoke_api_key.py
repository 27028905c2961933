"""`cehours revoke-api-key --system CODE --prefix PREFIX`."""

from django.core.management.base import BaseCommand, CommandError

from cehours.integration.keys import SystemSetupError, key_revoke
from cehours.integration.models import ConnectedSystem


class Command(BaseCommand):
    help = "吊销对接系统的一个接口密钥（按前缀）"

    def add_arguments(self, parser):
        parser.add_argument("--system", required=True)
        parser.add_argument("--prefix", required=True, help="密钥前 14 个字符")

    def handle(self, *args, system, prefix, **options):
        connected = ConnectedSystem.objects.filter(code=system).first()
        if connected is None:
            raise CommandError(f"--system：找不到对接系统 {system}")
        try:
            key_revoke(system=connected, prefix=prefix)
        except SystemSetupError as exc:
            raise CommandError(f"--prefix：{exc.message}") from exc
        self.stdout.write(f"已吊销 {connected} 的密钥 {prefix}…")

"""`cehours issue-api-key --system CODE --name NAME [--categories ...] [--industries ...] [--rotate]`."""

from django.core.management.base import BaseCommand, CommandError

from cehours.integration.keys import SystemSetupError, key_issue, system_save


class Command(BaseCommand):
    help = "登记对接系统（或更新其名称与权限）并签发接口密钥；密钥只显示这一次，在最后一行"

    def add_arguments(self, parser):
        parser.add_argument("--system", required=True, help="系统代码，如 zj-province")
        parser.add_argument("--name", required=True, help="系统名称")
        parser.add_argument("--categories", nargs="*", default=[], help="允许登记的科目类别；不填为不限")
        parser.add_argument("--industries", nargs="*", default=[], help="允许登记的行业（系列）代码；不填为不限")
        parser.add_argument("--rotate", action="store_true", help="同时吊销该系统已有的全部密钥")

    def handle(self, *args, system, name, categories, industries, rotate, **options):
        try:
            connected, created = system_save(code=system, name=name, categories=categories, industries=industries)
        except SystemSetupError as exc:
            option = {"code": "--system"}.get(exc.field, f"--{exc.field}")
            raise CommandError(f"{option}：{exc.message}") from exc
        key = key_issue(system=connected, revoke_others=rotate)
        self.stdout.write(f"{'已登记' if created else '已更新'}对接系统：{connected}")
        self.stdout.write("以下密钥只显示这一次，请交给对接系统妥善保存（Authorization: Bearer <密钥>）：")
        self.stdout.write(key)

"""`cehours signing-identity`: show which certificate signs the hours certificates, or make a
self-signed one (`--self-signed`) for a trial; production configures its CA-issued one."""

from django.core.management.base import BaseCommand, CommandError

from cehours.reports.signing import SigningUnavailable, default_directory, identity, make_self_signed


class Command(BaseCommand):
    help = "查看学时证明的签名证书，或生成自签名证书（--self-signed，仅供试用）"

    def add_arguments(self, parser):
        parser.add_argument("--self-signed", action="store_true", help="在数据目录 signing/ 下生成自签名证书")
        parser.add_argument("--name", default="丽水市继续教育学时管理平台（自签名）", help="证书主体名称")

    def handle(self, *args, self_signed: bool, name: str, **options):
        if self_signed:
            try:
                made = make_self_signed(default_directory(), name)
            except FileExistsError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已生成自签名证书：{made.cert_file}（私钥 {made.key_file}，仅本账号可读）")
            return
        try:
            found = identity()
        except SigningUnavailable as exc:
            raise CommandError(exc.message) from exc
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(found.cert_file.read_bytes())
        self.stdout.write(f"签名证书：{found.cert_file}")
        self.stdout.write(f"主体：{cert.subject.rfc4514_string()}")
        self.stdout.write(f"有效期：{cert.not_valid_before_utc:%Y-%m-%d} 至 {cert.not_valid_after_utc:%Y-%m-%d}")

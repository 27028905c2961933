"""The platform's PDF signature (PAdES baseline B-B, pyHanko) on every certificate it issues.

The signing certificate and key are PEM files: CEHOURS_SIGNING_CERT_FILE and
CEHOURS_SIGNING_KEY_FILE, else `<data dir>/signing/cert.pem` and `key.pem`. A real deployment puts
the certificate its CA issued there; `cehours demo` (and `cehours signing-identity --self-signed`)
writes a self-signed one, which a PDF viewer shows as "signature valid, signer not trusted" until
the certificate is trusted, and as invalid once a byte of the file changes.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from cehours.config import tighten

SIGNING_MISSING = (
    "平台签名证书未配置，暂不能出具学时证明；请管理员设置 CEHOURS_SIGNING_CERT_FILE 与 CEHOURS_SIGNING_KEY_FILE"
)
FIELD_NAME = "PlatformSignature"


class SigningUnavailable(Exception):
    def __init__(self, message: str = SIGNING_MISSING) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Identity:
    cert_file: Path
    key_file: Path


def default_directory() -> Path:
    return Path(settings.DATA_DIR) / "signing"


def identity() -> Identity:
    cert = settings.CEHOURS_SIGNING_CERT_FILE
    key = settings.CEHOURS_SIGNING_KEY_FILE
    if bool(cert) != bool(key):
        raise SigningUnavailable("CEHOURS_SIGNING_CERT_FILE 与 CEHOURS_SIGNING_KEY_FILE 须同时设置")
    if cert:
        found = Identity(Path(cert), Path(key))
    else:
        found = Identity(default_directory() / "cert.pem", default_directory() / "key.pem")
    if not (found.cert_file.is_file() and found.key_file.is_file()):
        raise SigningUnavailable
    return found


def make_self_signed(directory: Path, common_name: str) -> Identity:
    """A new EC P-256 key and a ten-year self-signed certificate for it, the key readable by the
    owner only. Refuses to overwrite: certificates already issued were signed with the old one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    made = Identity(directory / "cert.pem", directory / "key.pem")
    if made.cert_file.exists() or made.key_file.exists():
        raise FileExistsError(f"{directory} 已有签名证书，未覆盖")
    directory.mkdir(parents=True, exist_ok=True)
    tighten(directory, 0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # non-repudiation: what a document signature is for
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    made.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    tighten(made.key_file, 0o600)
    made.cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return made


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    found = identity()
    try:
        signer = signers.SimpleSigner.load(str(found.key_file), str(found.cert_file))
    except (OSError, ValueError) as exc:
        raise SigningUnavailable(f"平台签名证书无法读取：{exc}") from exc
    if signer is None:
        raise SigningUnavailable("平台签名证书无法读取")
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, reason=reason, location=location)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    intact: bool  # the signed bytes hash to what was signed
    valid: bool  # the signature is the certificate's
    trusted: bool  # the certificate chains to the platform's own
    covers_whole_file: bool

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file


def check_signature(pdf: bytes) -> SignatureCheck:
    """The platform's own check of a certificate file: signed by its certificate, unaltered."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(str(identity().cert_file))
    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    if not signatures:
        return SignatureCheck(False, False, False, False)
    embedded = signatures[0]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    covers = embedded.coverage is not None and embedded.coverage.name in {"ENTIRE_FILE", "ENTIRE_REVISION"}
    return SignatureCheck(bool(status.intact), bool(status.valid), bool(status.trusted), covers)

"""Encrypt evidence files stored in plain before the encrypted storage, with the configured field key."""

import sys

from cryptography.fernet import InvalidToken
from django.db import migrations


def encrypt_plain_evidence(apps, schema_editor):
    from cehours.ops.storage import EncryptedFileSystemStorage, is_encrypted, write_raw
    from cehours.people.crypto import keyring

    alias = schema_editor.connection.alias
    names = list(apps.get_model("declarations", "Evidence").objects.using(alias).values_list("file", flat=True))
    if not names:
        return
    ring = keyring()
    token = apps.get_model("people", "Person").objects.using(alias).order_by("pk")
    token = token.values_list("id_number_encrypted", flat=True).first()
    if token:
        try:
            ring.decrypt_id_number(token)
        except InvalidToken:
            # A wrong key would lock the files away for good; leave them for a run with the right key.
            sys.stderr.write("警告：当前字段密钥无法解密已有身份证号码，未加密已有的证明材料文件\n")
            return
    storage = EncryptedFileSystemStorage()
    for name in names:
        path = storage.raw_path(name)
        if path.is_file():
            raw = path.read_bytes()
            if not is_encrypted(raw):
                write_raw(path, ring.evidence_fernet.encrypt(raw))


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_initial"),
        ("declarations", "0001_initial"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(encrypt_plain_evidence, migrations.RunPython.noop, elidable=True)]

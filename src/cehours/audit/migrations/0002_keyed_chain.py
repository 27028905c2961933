"""The keyed chain: a chain version and key id per event, the legacy chain sealed, append-only triggers.

Events written before this migration were chained with plain SHA-256, which anyone can recompute.
They keep that rule (chain_version 1) — re-chaining them with the key now would vouch for whatever
the table held at upgrade time, and erase the difference between "written then" and "rewritten
since". Instead one keyed event is appended on top of them: its HMAC covers the hash of the last
legacy event, so from now on the legacy prefix cannot be rewritten without the key either, and a
chain with no keyed event at all (everything rebuilt with plain SHA-256) fails `audit-verify`.
"""

import uuid

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from cehours.audit import chain, triggers

LEGACY, KEYED = 1, 2


def seal_legacy_chain(apps, schema_editor) -> None:
    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "AuditHead")
    last = event_model.objects.order_by("-seq").first()
    if last is None:
        return  # a new installation: every event will be keyed from the first
    legacy_count = event_model.objects.count()
    head = head_model.objects.filter(pk=1).first()
    # Chained onto the head, exactly as audit_record would; if the head was already off, the
    # verification reports that rather than this migration hiding it.
    seq, prev_hash = (head.seq + 1, head.hash) if head is not None else (last.seq + 1, last.hash)
    key = settings.AUDIT_KEY
    marker = event_model(
        seq=seq,
        at=timezone.now(),
        actor=None,
        actor_label="system",
        action="audit.chain_keyed",
        object_type="audit_chain",
        object_id="",
        before=None,
        after={
            "legacy_count": legacy_count,
            "legacy_last_seq": last.seq,
            "legacy_last_hash": last.hash,
            "key_source": settings.AUDIT_KEY_SOURCE,
        },
        remote_addr="",
        request_id=uuid.uuid4().hex,
        via="cli",
        prev_hash=prev_hash,
        chain_version=KEYED,
        key_id=chain.key_id(key),
    )
    marker.hash = chain.digest(KEYED, prev_hash, chain.chained_fields(marker), key)
    marker.save()
    head_model.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": marker.hash})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        # Existing rows get version 1 (plain SHA-256); new rows default to the keyed chain.
        migrations.AddField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "SHA-256（无密钥，升级前的旧事件）"), (2, "HMAC-SHA256（审计密钥）")],
                default=LEGACY,
                verbose_name="链版本",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "SHA-256（无密钥，升级前的旧事件）"), (2, "HMAC-SHA256（审计密钥）")],
                default=KEYED,
                verbose_name="链版本",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="密钥标识"),
        ),
        # No reverse: dropping the column again would leave keyed events unverifiable by the old rule.
        migrations.RunPython(seal_legacy_chain, migrations.RunPython.noop),
        # Last, after the column changes: SQLite rebuilds the table for them, which drops triggers.
        migrations.RunPython(triggers.install, triggers.uninstall),
    ]

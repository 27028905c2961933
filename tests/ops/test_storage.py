"""Evidence files are encrypted on disk, plain to the application, and private to the platform's user."""

from __future__ import annotations

import stat

from django.urls import reverse

from cehours.ops.storage import FERNET_PREFIX

from .test_rotation import _declaration_with_evidence, media  # noqa: F401 - the fixture

CONTENT = b"%PDF-1.4\n% a certificate with a name on it: \xe5\xbc\xa0\xe4\xb8\x89\n"


def test_evidence_on_disk_is_a_fernet_token_not_the_file(db, media, make_person):  # noqa: F811
    evidence = _declaration_with_evidence(make_person, CONTENT)
    raw = (media / evidence.file.name).read_bytes()
    assert raw.startswith(FERNET_PREFIX) and b"%PDF" not in raw and b"\xe5\xbc\xa0" not in raw
    assert evidence.file.open("rb").read() == CONTENT
    evidence.file.close()
    assert evidence.file.open("rb").read() == CONTENT  # reopened: still the plain bytes, not the token


def test_evidence_files_and_directories_are_private(db, media, make_person):  # noqa: F811
    evidence = _declaration_with_evidence(make_person, CONTENT)
    path = media / evidence.file.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_evidence_view_serves_the_plain_file(client, db, media, make_person):  # noqa: F811
    evidence = _declaration_with_evidence(make_person, CONTENT)
    client.force_login(evidence.declaration.person.user)
    response = client.get(reverse("web:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert "no-store" in response["Cache-Control"]

"""Headers: a CSP without inline script on every page, HSTS over HTTPS, no-store on personal data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cehours

TEMPLATES = Path(cehours.__file__).parent
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    found = []
    for template in TEMPLATES.rglob("templates/**/*.html"):
        text = template.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", ["/login/", "/api/v1/health"])
def test_every_answer_carries_the_content_security_policy(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in policy
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'" and directives["base-uri"] == "'self'"
    assert directives["object-src"] == "'none'"


def test_a_page_of_a_signed_in_user_has_the_policy_too(client, make_staff):
    user = make_staff("unit_staff", unit="hospital")
    client.force_login(user)
    response = client.get("/people/")
    assert response.status_code == 200, response.status_code
    assert "script-src 'self'" in response["Content-Security-Policy"]


def _settings_under(**env: str) -> str:
    script = (
        "import json, cehours.settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_hsts_is_on_with_secure_cookies_and_off_without():
    assert _settings_under(SECURE_COOKIES="true") == "[31536000, true]"
    assert _settings_under(SECURE_COOKIES="false") == "[0, false]"


def test_https_answers_carry_hsts_when_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_person_page_is_never_cached(client, make_staff, make_person):
    person = make_person()
    client.force_login(make_staff("unit_staff", unit="hospital"))
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_an_api_answer_is_never_cached(client, make_staff, make_person, bearer):
    person = make_person()
    headers = bearer(make_staff("unit_staff", unit="hospital"))
    response = client.get(f"/api/v1/people/{person.id_number}/compliance", **headers)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store, private"


def test_static_files_stay_cacheable_for_a_signed_in_user(client, make_staff):
    client.force_login(make_staff("unit_staff", unit="hospital"))
    assert "no-store" not in client.get("/static/cehours/site.css").get("Cache-Control", "")

"""Fixtures for the scope tests."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Scope tests create many accounts; a cheap hasher keeps them fast (passwords are not under test here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

"""The back office (/admin/, issue 10): every model, for superusers to look at — and only to look at.

Every change to these rows has a service that checks the access policy, the regulation's rules and
writes the audit trail (the ledger's one write door, grant_create's separation of duties, the
review workflow); an admin form would go around all of that, and the ledger, the audit trail and
the read log refuse UPDATE and DELETE in the database anyway. So the back office reads, and the
pages and commands of the platform write. Encrypted columns and lookup hashes are never shown.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models

# Columns that hold ciphertext or keyed hashes: nothing a person can read, and not to be copied out.
HIDDEN_FIELDS = frozenset(
    {
        "id_number_encrypted", "id_number_hash", "mobile_encrypted", "mobile_hash", "email_encrypted", "code_hash",
        "token_hash", "rows",
    }  # fmt: skip
)
APPS = ("people", "access", "ledger", "declarations", "integration", "audit", "privacy", "ops")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages, no add, change or delete."""

    list_per_page = 50

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def get_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in HIDDEN_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


def _columns(model: type[models.Model]) -> list[str]:
    """The first few readable columns of a model, for its list."""
    names = [f.name for f in model._meta.fields if f.name not in HIDDEN_FIELDS and not isinstance(f, models.TextField)]
    return names[:7]


for label in APPS:
    for model in apps.get_app_config(label).get_models():
        if admin.site.is_registered(model):
            continue
        admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": _columns(model)}))

# Accounts, too: a password set here would skip the password rules, the forced change and the audit
# trail (access.services.password_set); accounts are managed with the platform's commands.
User = apps.get_model("auth", "User")
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(
    User,
    type("UserAdmin", (ReadOnlyAdmin,), {
        "list_display": ["username", "is_active", "is_superuser", "last_login", "date_joined"],
        "get_fields": lambda self, request, obj=None: [
            "username", "first_name", "last_name", "is_active", "is_superuser", "last_login", "date_joined"
        ],
    }),
)  # fmt: skip

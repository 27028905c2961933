"""The `cehours` console entry point: Django's management commands plus the project's own."""

from __future__ import annotations

import os
import sys


def main() -> None:
    # Everything a command creates (database, keys, evidence, exports, backups) is its owner's alone.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cehours.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # Our commands are documented with hyphens (`cehours rebuild-totals`); Django names them
    # after their modules, with underscores. Accept both.
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

"""WSGI entry point for gunicorn or any other WSGI server.

Importing it sets Django up but opens no database connection, so a forking server may preload it
in its master (tests/serve/test_wsgi_import.py). `cehours serve` also closes connections around the
fork; another server that runs code against the database in its master must do the same.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cehours.settings")
application = get_wsgi_application()

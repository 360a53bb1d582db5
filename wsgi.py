"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

from fund import create_app

app = create_app()

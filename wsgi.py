"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

import gc

from fund import create_app

app = create_app()

# What start-up made (modules, the schema, the configuration) lives as long as the process: it
# leaves the garbage collector's generations, so that the collector's full passes no longer
# walk it. At 20,000 proposals one such pass came every few dozen requests and took about
# 110 ms of the request it fell in (bench/RESULTS.md).
gc.freeze()

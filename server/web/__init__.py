"""The HTTP shell: the Starlette app, its guard and its routes. Thin over service.py."""

"""The case desk's logic, over plain data the service hands it: links between cases, the
numbers per month and platform, the CSV, the evidence package, and the desk's sign-in. The
web layer (server/web/desk_routes.py) and the CLI (`refundproof desk`) are shells over it."""

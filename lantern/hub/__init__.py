"""The deconfliction hub: a separate service a regional center runs for many agencies.

- ``store.py``  its Elasticsearch indices (own prefix): agencies, pointers, operations,
  conflicts, counters, and its own audit trail; the OPRF key in its folder.
- ``app.py``    the HTTP API (FastAPI, served by uvicorn through ``lantern hub serve``).
- ``client.py`` the agency's side of that API (used by ``lantern case deconflict``).

What the hub learns and what it never does is in the README ("Deconfliction").
"""

"""The core: the domain model, the seams (ports), settings, errors and the event codec.

It is the import leaf of euradar: it imports nothing from the rest of the package (a test
checks this), so every adapter, role, crawler and page can depend on it and on nothing else.
Backends are found by name (:mod:`euradar.core.registry`), never imported here.
"""

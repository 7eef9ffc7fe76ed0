"""Consumers: each role is its own consumer group that polls, handles and commits only after
its side effect (at-least-once). Handlers are idempotent, so redelivery is harmless."""

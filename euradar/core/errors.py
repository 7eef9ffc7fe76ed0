"""One error tree for the whole pipeline.

::

    EuradarError
    ├── InvalidItem        bad data: log it, dead-letter it with the reason, carry on
    ├── RefusedItems       a backend refuses some items of a batch for good: dead-letter those
    ├── TransientError     infrastructure hiccup: do not commit, back off, retry
    │   ├── BusUnavailable
    │   ├── IndexUnavailable
    │   ├── StoreUnavailable
    │   └── NotifyError
    ├── SourceError        a source failed (unreachable, HTTP error, garbage): recorded in its health
    └── ConfigError        wrong settings or data files: raised at start-up, the process exits non-zero

Consumers handle exactly these branches; anything else is a bug and crashes the consumer
without committing, so nothing is lost.
"""

from __future__ import annotations


class EuradarError(Exception):
    """Base of every error euradar raises on purpose."""


class InvalidItem(EuradarError):
    """A record cannot be turned into a valid item; it goes to the dead-letter topic.

    :param reason: what is wrong, for a human reading the dead-letter topic
    :param field: the offending field, when one is to blame
    """

    def __init__(self, reason: str, field: str | None = None):
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)


class RefusedItems(EuradarError):
    """The backend wrote a batch except some items it refuses for good (e.g. an Elasticsearch
    mapping error): those are dead-lettered with the reason, the rest is committed.

    :param refused: item id -> reason
    """

    def __init__(self, message: str, refused: dict[str, str]):
        self.refused = refused
        super().__init__(message)


class TransientError(EuradarError):
    """A dependency is temporarily unusable; retry later without committing."""


class BusUnavailable(TransientError):
    """The message bus cannot be reached."""


class IndexUnavailable(TransientError):
    """The search index cannot be reached or refused the write (e.g. HTTP 429/5xx)."""


class StoreUnavailable(TransientError):
    """The store (PostgreSQL) cannot be reached or lost the connection mid-call."""


class NotifyError(TransientError):
    """A notification could not be delivered.

    :param transient: False when retrying cannot help (e.g. the address is rejected)
    """

    def __init__(self, message: str, transient: bool = True):
        self.transient = transient
        super().__init__(message)


class SourceError(EuradarError):
    """A source could not be crawled or returned something that is not what we expect."""


class ConfigError(EuradarError):
    """Settings, source lists or subscription files are wrong; fix them and restart."""

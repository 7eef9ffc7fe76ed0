"""Status transitions that no crawl would show: a call's status goes stale when time passes.

The F&T and TED queries ask for forthcoming and open items only, so a call that closes simply
stops appearing; without this sweep the index would say "open" forever (the stale-status complaint
about existing portals). Every known forthcoming or open item whose dates now say otherwise is
republished through the :class:`~euradar.crawlers.publish.Publisher` as a new version, so the change is
recorded ("status open -> closed", "status forthcoming -> open"), indexed and shown in history.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from euradar.core.changes import derive_status
from euradar.core.models import Event
from euradar.core.ports import Bus, Store
from euradar.crawlers.publish import CRAWL_FLUSH_EVERY, Publisher


def refresh_statuses(bus: Bus, store: Store, today: date | None = None) -> list[Event]:
    """Publish a change for every stored forthcoming/open item whose dates moved it on."""
    publisher = Publisher(bus, store, flush_every=CRAWL_FLUSH_EVERY)
    events = []
    for item in store.items_with_status(("forthcoming", "open")):
        status = derive_status(item.opening_date, item.deadlines, item.status, today)
        if status != item.status:
            event = publisher.publish(dataclasses.replace(item, status=status))
            if event is not None:
                events.append(event)
    publisher.flush()
    return events
